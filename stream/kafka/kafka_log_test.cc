// The Kafka log bridge: syslog levels mapped to spdlog's, message kinds,
// the per-key rate limiter, and a real client's complaints about an
// unreachable broker arriving through spdlog.
#include "stream/kafka/kafka_log.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <thread>

#include "stream/kafka/kafka_common.h"

namespace cityid {
namespace {

TEST(KafkaLogLevelTest, MapsEverySyslogSeverity) {
  EXPECT_EQ(KafkaLogLevel(0), spdlog::level::critical);
  EXPECT_EQ(KafkaLogLevel(1), spdlog::level::critical);
  EXPECT_EQ(KafkaLogLevel(2), spdlog::level::critical);
  EXPECT_EQ(KafkaLogLevel(3), spdlog::level::err);
  EXPECT_EQ(KafkaLogLevel(4), spdlog::level::warn);
  EXPECT_EQ(KafkaLogLevel(5), spdlog::level::info);
  EXPECT_EQ(KafkaLogLevel(6), spdlog::level::info);
  EXPECT_EQ(KafkaLogLevel(7), spdlog::level::debug);
  EXPECT_EQ(KafkaLogLevel(42), spdlog::level::info);
}

TEST(KafkaLogKindTest, DigitRunsDoNotMakeANewKind) {
  EXPECT_EQ(KafkaLogKind("FAIL", "after 12ms in state CONNECT, 3 suppressed"),
            "FAIL|after #ms in state CONNECT, # suppressed");
  EXPECT_EQ(KafkaLogKind("FAIL", "after 12ms"),
            KafkaLogKind("FAIL", "after 3401ms"));
}

TEST(KafkaLogKindTest, ParenthesizedCircumstancesDoNotMakeANewKind) {
  EXPECT_EQ(
      KafkaLogKind("FAIL", "Connection refused (after 0ms in state CONNECT)"),
      "FAIL|Connection refused ");
  EXPECT_EQ(KafkaLogKind("FAIL",
                         "Connection refused (after 0ms in state CONNECT, 1 "
                         "identical error(s) suppressed)"),
            "FAIL|Connection refused ");
  EXPECT_NE(KafkaLogKind("FAIL", "x"), KafkaLogKind("ERROR", "x"));
}

TEST(KafkaLogLimiterTest, OneLinePerKeyPerWindowWithTheSuppressedCount) {
  KafkaLogLimiter limiter(/*window=*/10 * kMicrosPerSecond);
  const Micros t0 = 1'000 * kMicrosPerSecond;
  KafkaLogLimiter::Verdict first = limiter.Admit("a", t0);
  EXPECT_TRUE(first.emit);
  EXPECT_EQ(first.suppressed, 0u);
  for (int i = 1; i <= 4; ++i) {
    KafkaLogLimiter::Verdict v = limiter.Admit("a", t0 + i * kMicrosPerSecond);
    EXPECT_FALSE(v.emit);
    EXPECT_EQ(v.suppressed, static_cast<uint64_t>(i));
  }
  // Another key has its own window.
  EXPECT_TRUE(limiter.Admit("b", t0 + 5 * kMicrosPerSecond).emit);
  // Once the window has passed: emitted, with the four suppressed.
  KafkaLogLimiter::Verdict again =
      limiter.Admit("a", t0 + 10 * kMicrosPerSecond);
  EXPECT_TRUE(again.emit);
  EXPECT_EQ(again.suppressed, 4u);
  // And the count starts over.
  EXPECT_FALSE(limiter.Admit("a", t0 + 11 * kMicrosPerSecond).emit);
  KafkaLogLimiter::Verdict later =
      limiter.Admit("a", t0 + 20 * kMicrosPerSecond);
  EXPECT_TRUE(later.emit);
  EXPECT_EQ(later.suppressed, 1u);
}

TEST(KafkaLogLimiterTest, ForgetsExpiredKeysWhenFull) {
  KafkaLogLimiter limiter(/*window=*/kMicrosPerSecond, /*max_keys=*/2);
  EXPECT_TRUE(limiter.Admit("a", 0).emit);
  EXPECT_TRUE(limiter.Admit("b", 0).emit);
  EXPECT_FALSE(limiter.Admit("a", 1).emit);
  // Full: "a" and "b" expired by now and are dropped to make room.
  EXPECT_TRUE(limiter.Admit("c", 2 * kMicrosPerSecond).emit);
  KafkaLogLimiter::Verdict a = limiter.Admit("a", 2 * kMicrosPerSecond);
  EXPECT_TRUE(a.emit);
  EXPECT_EQ(a.suppressed, 0u);  // its count went with it
}

TEST(KafkaLogLineTest, NamesTheClientAndFacility) {
  EXPECT_EQ(KafkaLogLine("cityid.reader#consumer-5", "FAIL", "refused", 0),
            "kafka cityid.reader#consumer-5 FAIL: refused");
  EXPECT_EQ(KafkaLogLine("c#producer-1", "ERROR", "down", 7),
            "kafka c#producer-1 ERROR: down (7 similar suppressed)");
}

// A consumer built by MakeKafkaConf, pointed at a closed loopback port: its
// connection failures arrive through spdlog at error level, named by client,
// and a burst of them is collapsed.
TEST(KafkaLogBridgeTest, AnUnreachableBrokerIsLoggedThroughSpdlog) {
  auto out = std::make_shared<std::ostringstream>();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*out);
  auto logger = std::make_shared<spdlog::logger>("kafka-log-test", sink);
  logger->set_pattern("%l|%v");
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);

  KafkaOptions options;
  options.bootstrap = "127.0.0.1:1";  // nothing listens on port 1
  auto conf = MakeKafkaConf(options, {{"client.id", "bridge-test"},
                                      {"group.id", "bridge-test"},
                                      {"reconnect.backoff.ms", "10"},
                                      {"reconnect.backoff.max.ms", "50"}});
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf->get(), err));
  ASSERT_NE(consumer, nullptr) << err;
  std::unique_ptr<RdKafka::Topic> topic(
      RdKafka::Topic::create(consumer.get(), "t", nullptr, err));
  RdKafka::Metadata* md = nullptr;
  // Fails (no broker) while librdkafka retries the connection many times.
  EXPECT_NE(consumer->metadata(false, topic.get(), &md, 2000),
            RdKafka::ERR_NO_ERROR);
  delete md;
  topic.reset();  // before its consumer
  consumer->close();
  consumer.reset();
  logger->flush();
  spdlog::set_default_logger(previous);

  const std::string text = out->str();
  const std::string name = "kafka bridge-test#consumer-";
  EXPECT_NE(text.find("error|" + name), std::string::npos) << text;
  EXPECT_NE(text.find("Connection refused"), std::string::npos) << text;
  // Many attempts in two seconds, but one line per kind: the log line (FAIL)
  // and the error callback (ERROR).
  size_t refused = 0;
  for (size_t at = text.find("refused"); at != std::string::npos;
       at = text.find("refused", at + 1))
    ++refused;
  EXPECT_GE(refused, 1u) << text;
  EXPECT_LE(refused, 2u) << text;
}

}  // namespace
}  // namespace cityid
