// `cityid audit --kafka BOOTSTRAP --topic T` against a real broker (SPEC §7):
// the history a Kafka-mode ledger published audits clean (alone, with a
// checkpoint fetched from the ledger, and with the ledger's data directory
// for checkpoints, stored tree and vault); a record carrying PII in a header
// fails the audit without the value being printed.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>

#include "ledger/integrity/checkpoint.h"
#include "schemas/event_codec.h"
#include "stream/kafka/kafka_common.h"
#include "tests/harness/kafka_services.h"
#include "tests/kafka/kafka_test_util.h"

namespace cityid::testing {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

CITYID_KAFKA_TEST_ENVIRONMENT();

struct AuditRun {
  int exit_code = -1;
  std::string output;
  json::object report;
};

class AuditKafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    shard_ = NewKafkaShard();
    data_ = tmp_.Sub("ledger");
    InitDataDir(data_);
    port_ = FreePort();
    auto ledger = StartLedger(data_, port_, shard_.Args());
    ASSERT_TRUE(WaitForHttp(port_, "/readyz", seconds(90)))
        << ReadFile(data_ + "/ledger.log");
    last_seq_ = LoadSmallCity(port_, Token(data_, "clerk"),
                              Token(data_, "supervisor"), 12, 2);
    HttpClient client("127.0.0.1", port_);
    ASSERT_TRUE(WaitFor(
        [&] {
          auto r = client.Get("/v1/checkpoint");
          if (!r.ok()) return false;
          note_ = r->body;
          auto cp = ParseCheckpoint(note_.substr(0, note_.rfind("\n\n") + 1));
          return cp.ok() && cp->size == last_seq_;
        },
        std::chrono::seconds(10)));
    key_ = client.Get("/v1/keys")->body;
    std::ofstream(tmp_.Sub("checkpoint.txt")) << note_;
    ledger->Signal(SIGTERM);
    ASSERT_EQ(ledger->Wait(seconds(60)), 0) << ReadFile(data_ + "/ledger.log");
  }

  AuditRun Audit(std::vector<std::string> extra) {
    const std::string log =
        tmp_.Sub("audit-" + std::to_string(runs_++) + ".log");
    std::vector<std::string> argv = {
        CityidBinary(),   "audit",   "--no-progress",          "--kafka",
        shard_.bootstrap, "--topic", shard_.prefix + "events", "--json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Process p(argv, log);
    const int status = p.Wait(seconds(120));
    AuditRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.output = ReadFile(log);
    const size_t at = ("\n" + run.output).rfind("\n{");  // the report
    if (at == std::string::npos) return run;
    boost::system::error_code ec;
    json::value v = json::parse(run.output.substr(at), ec);
    if (!ec && v.is_object()) run.report = v.as_object();
    return run;
  }

  TempDir tmp_;
  KafkaShard shard_;
  std::string data_;
  uint16_t port_ = 0;
  uint64_t last_seq_ = 0;
  std::string note_, key_;
  int runs_ = 0;
};

TEST_F(AuditKafkaTest, PublishedHistoryAuditsClean) {
  AuditRun alone = Audit({});
  ASSERT_EQ(alone.exit_code, 0) << alone.output;
  EXPECT_EQ(alone.report.at("events").to_number<uint64_t>(), last_seq_);
  EXPECT_EQ(alone.report.at("checks").at("checkpoints").at("state").as_string(),
            "skipped");

  AuditRun fetched =
      Audit({"--checkpoint", tmp_.Sub("checkpoint.txt"), "--key", key_});
  ASSERT_EQ(fetched.exit_code, 0) << fetched.output;
  EXPECT_TRUE(fetched.report.at("merkle")
                  .at("latest_checkpoint")
                  .at("matches")
                  .as_bool());

  AuditRun with_data = Audit({"--data", data_, "--key", key_});
  ASSERT_EQ(with_data.exit_code, 0) << with_data.output;
  EXPECT_EQ(with_data.report.at("checks").at("vault").at("state").as_string(),
            "pass");
  EXPECT_EQ(with_data.report.at("merkle")
                .at("stored_tree_size")
                .to_number<uint64_t>(),
            last_seq_);
}

TEST_F(AuditKafkaTest, PiiInAHeaderFailsWithoutBeingPrinted) {
  // Re-publish the last event as seq N+1 with one header too many.
  std::vector<KafkaRecord> records = ReadTopic(shard_);
  ASSERT_EQ(records.size(), last_seq_);
  Event e = DecodeEvent(records.back().event.bytes).value();
  e.seq = last_seq_ + 1;
  KafkaRecord rec =
      RecordFor({e.seq, EncodeEvent(e)}, "cityid/ledger/0").value();
  rec.headers.emplace_back("family_name", "Zyxwvut");

  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(
      RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  ASSERT_EQ(conf->set("bootstrap.servers", shard_.bootstrap, err),
            RdKafka::Conf::CONF_OK);
  std::unique_ptr<RdKafka::Producer> producer(
      RdKafka::Producer::create(conf.get(), err));
  ASSERT_NE(producer, nullptr) << err;
  RdKafka::Headers* headers = RdKafka::Headers::create();
  for (const auto& [k, v] : rec.headers) headers->add(k, v);
  ASSERT_EQ(producer->produce(shard_.prefix + "events", 0,
                              RdKafka::Producer::RK_MSG_COPY,
                              const_cast<char*>(rec.event.bytes.data()),
                              rec.event.bytes.size(), rec.key.data(),
                              rec.key.size(), 0, headers, nullptr),
            RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(producer->flush(30000), RdKafka::ERR_NO_ERROR);

  AuditRun run = Audit({});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_EQ(run.report.at("checks").at("pii").at("state").as_string(), "fail")
      << run.output;
  EXPECT_EQ(run.output.find("Zyxwvut"), std::string::npos);
}

}  // namespace
}  // namespace cityid::testing
