#include "tests/harness/kafka_services.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <random>
#include <thread>

#include "base/bytes.h"
#include "stream/kafka/kafka_reader.h"
#include "tests/kafka/kafka_test_util.h"

namespace cityid::testing {

namespace json = boost::json;

KafkaOptions KafkaShard::Options() const {
  KafkaOptions o;
  o.bootstrap = bootstrap;
  o.topic_prefix = prefix;
  o.shard_id = shard;
  o.request_timeout_ms = 5000;
  return o;
}

std::vector<std::string> KafkaShard::Args() const {
  return {"--kafka", bootstrap,
          "--set",   "kafka.topic_prefix=" + prefix,
          "--set",   "kafka.shard=" + shard,
          "--set",   "kafka.commit_timeout_ms=4000",
          "--set",   "kafka.request_timeout_ms=4000",
          "--set",   "kafka.transaction_timeout_ms=15000"};
}

KafkaShard NewKafkaShard() {
  unsetenv("CITYID_KAFKA_BOOTSTRAP");
  static std::mt19937_64 rng{std::random_device{}()};
  KafkaShard s;
  s.bootstrap = KafkaBrokerEnvironment::Bootstrap();
  s.prefix = UniqueKafkaOptions().topic_prefix;
  s.shard = "s" + std::to_string(rng() % 1000000000);
  return s;
}

std::vector<KafkaRecord> ReadTopic(const KafkaShard& shard, uint64_t after) {
  std::vector<KafkaRecord> out;
  auto reader = KafkaEventReader::Open(shard.Options());
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  Status s = (*reader)->ReadAfter(after, [&](KafkaRecord&& r) {
    out.push_back(std::move(r));
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::vector<StoredEvent> FeedEvents(HttpClient& client,
                                    const std::string& token) {
  std::vector<StoredEvent> out;
  for (const json::object& e : AllEvents(client, token)) {
    auto bytes = Base64Decode(e.at("bytes").as_string());
    EXPECT_TRUE(bytes.ok());
    out.push_back(StoredEvent{e.at("seq").to_number<uint64_t>(),
                              bytes.ok() ? *bytes : std::string()});
  }
  return out;
}

Reply Readyz(uint16_t port) {
  HttpClient client("127.0.0.1", port);
  return Call(client, "GET", "/readyz", "");
}

std::string Detail(const Reply& reply) {
  if (reply.body.is_object() && reply.body.as_object().contains("detail"))
    return std::string(reply.body.at("detail").as_string());
  return reply.raw;
}

bool WaitFor(const std::function<bool()>& pred,
             std::chrono::milliseconds timeout,
             std::chrono::milliseconds every) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(every);
  }
  return true;
}

uint64_t ExpectSameHistory(const std::vector<KafkaRecord>& kafka,
                           const std::vector<StoredEvent>& local) {
  EXPECT_EQ(kafka.size(), local.size())
      << "Kafka and the local log differ in length";
  const size_t n = std::min(kafka.size(), local.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(kafka[i].event.seq, i + 1) << "Kafka out of order at " << i;
    EXPECT_EQ(local[i].seq, i + 1) << "local log out of order at " << i;
    if (kafka[i].event.bytes != local[i].bytes && ++mismatches <= 3)
      ADD_FAILURE() << "different bytes at seq " << i + 1;
  }
  EXPECT_EQ(mismatches, 0u);
  return n;
}

namespace {

void LoadOne(HttpClient& client, const std::string& clerk,
             const std::string& supervisor, int i) {
  Reply e = Call(client, "POST", "/v1/residents", clerk,
                 EnrollBody("City", "Person" + std::to_string(i)));
  ASSERT_EQ(e.status, 201) << e.raw;
  const std::string rid(e.body.at("resident_id").as_string());
  Reply c = Call(client, "POST", "/v1/cards", clerk,
                 json::serialize(json::object{{"resident_id", rid},
                                              {"card_type", "standard"}}));
  ASSERT_EQ(c.status, 201) << c.raw;
  const std::string card =
      "/v1/cards/" + std::string(c.body.at("card_id").as_string());
  auto expect = [&](int status, Reply r) {
    EXPECT_EQ(r.status, status) << r.raw;
  };
  if (i % 5 == 0) expect(200, Call(client, "POST", card + "/renew", clerk));
  if (i % 7 == 0)
    expect(200, Call(client, "POST", card + "/suspend", supervisor,
                     R"({"reason":"review"})"));
  if (i % 11 == 0 && i % 7 != 0)
    expect(201, Call(client, "POST", card + "/replace", clerk,
                     R"({"reason":"lost"})"));
  if (i % 13 == 0 && i % 11 != 0 && i % 7 != 0)
    expect(200, Call(client, "POST", card + "/revoke", supervisor,
                     R"({"reason":"fraud"})"));
  if (i % 17 == 0)
    expect(200, Call(client, "POST", "/v1/residents/" + rid + "/erase",
                     supervisor, R"({"reason":"request"})"));
}

}  // namespace

uint64_t LoadSmallCity(uint16_t port, const std::string& clerk,
                       const std::string& supervisor, int residents,
                       int workers) {
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      HttpClient client("127.0.0.1", port);
      for (int i = w; i < residents; i += workers)
        LoadOne(client, clerk, supervisor, i);
    });
  }
  for (auto& t : threads) t.join();
  HttpClient client("127.0.0.1", port);
  return Call(client, "GET", "/v1/position", "")
      .body.at("seq")
      .to_number<uint64_t>();
}

void CopyKeysAndTokens(const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  fs::create_directories(to);
  // Keys live beside the data directory (<data>.keys) or inside it (keys/).
  for (const auto& [src, dst] : {std::pair{from + ".keys", to + ".keys"},
                                 std::pair{from + "/keys", to + "/keys"}}) {
    if (!fs::exists(src)) continue;
    fs::copy(
        src, dst,
        fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
  for (const char* f : {"tokens.json", "auth.json"}) {
    fs::copy_file(fs::path(from) / f, fs::path(to) / f,
                  fs::copy_options::overwrite_existing);
  }
}

}  // namespace cityid::testing
