// `cityid audit --kafka BOOTSTRAP --topic T` against a real broker (SPEC §7):
// the history a Kafka-mode ledger published audits clean (alone, with a
// checkpoint fetched from the ledger, and with the ledger's data directory
// for checkpoints, stored tree and vault); a record carrying PII in a header
// fails the audit without the value being printed; a foreign record that does
// not decode, in the middle of what the scanner fetches, is named by its seq
// and offset after every good event before it was counted.
#include <gtest/gtest.h>
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

// The record of an event re-encoded under another seq (same headers as the
// ledger's, cityid_seq included).
ForeignRecord Reencoded(const StoredEvent& like, uint64_t seq) {
  Event e = DecodeEvent(like.bytes).value();
  e.seq = seq;
  KafkaRecord rec =
      RecordFor({e.seq, EncodeEvent(e)}, "cityid/ledger/0").value();
  return {rec.event.bytes, rec.key, rec.headers};
}

// The issues of one check of a JSON report, joined by newlines.
std::string IssuesOf(const json::object& report, const char* check) {
  std::string all;
  for (const json::value& i :
       report.at("checks").at(check).at("issues").as_array()) {
    all += std::string(i.at("detail").as_string()) + "\n";
  }
  return all;
}

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

  // Appends `records` to partition 0 of the events topic with a plain
  // producer; returns the offset of the first.
  int64_t Produce(const std::vector<ForeignRecord>& records) {
    Result<int64_t> first = ProduceForeign(shard_.Options(), 0, records);
    EXPECT_TRUE(first.ok()) << first.status().ToString();
    return first.ok() ? *first : -1;
  }

  // The audit counted and checked events 1..N (N = last_seq_), then stopped
  // at a bad record it names as `seq`, with `where` (its offset and problem)
  // in the finding.
  void ExpectStoppedAt(const AuditRun& run, uint64_t seq,
                       const std::string& where) {
    ASSERT_EQ(run.exit_code, 1) << run.output;
    EXPECT_EQ(run.report.at("events").to_number<uint64_t>(), last_seq_)
        << run.output;
    EXPECT_EQ(run.report.at("last_seq").to_number<uint64_t>(), last_seq_);
    EXPECT_EQ(run.report.at("first_altered_seq").to_number<uint64_t>(), seq)
        << run.output;
    const std::string issues = IssuesOf(run.report, "continuity");
    EXPECT_NE(issues.find("reading stopped at seq " + std::to_string(seq) +
                          ": corruption: record " + shard_.prefix + where),
              std::string::npos)
        << issues;
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
  ForeignRecord rec = Reencoded(records.back().event, last_seq_ + 1);
  rec.headers.emplace_back("family_name", "Zyxwvut");

  Produce({rec});

  AuditRun run = Audit({});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_EQ(run.report.at("checks").at("pii").at("state").as_string(), "fail")
      << run.output;
  EXPECT_EQ(run.output.find("Zyxwvut"), std::string::npos);
}

// A frame whose length field is over the limit (as in issue 16: a foreign
// producer's garbage value).
std::string GarbageValue() {
  std::string v(64, 'x');
  for (int i = 0; i < 4; ++i) v[i] = '\xff';
  return v;
}

TEST_F(AuditKafkaTest, AGarbageRecordMidFetchIsNamedAfterEveryGoodEvent) {
  // N good events, then (non-transactional) a garbage record claiming seq
  // N+1 and three well-formed events N+2..N+4: the bad record sits in the
  // middle of the scanner's first fetch (one Poll reads up to 1,000).
  std::vector<KafkaRecord> records = ReadTopic(shard_);
  ASSERT_EQ(records.size(), last_seq_);
  ForeignRecord bad = Reencoded(records.back().event, last_seq_ + 1);
  bad.value = GarbageValue();
  std::vector<ForeignRecord> foreign = {bad};
  for (uint64_t seq = last_seq_ + 2; seq <= last_seq_ + 4; ++seq)
    foreign.push_back(Reencoded(records.back().event, seq));
  const int64_t offset = Produce(foreign);
  ASSERT_GT(offset, 0);

  ExpectStoppedAt(Audit({}), last_seq_ + 1,
                  "events/0@" + std::to_string(offset) +
                      ": event body length over the limit");
}

TEST_F(AuditKafkaTest, ARecordWithoutASeqIsNamedByTheSeqItStandsFor) {
  // No cityid_seq header and a value that does not decode: the record stands
  // in place of seq N+1.
  const int64_t offset = Produce({{GarbageValue(), "r_foreign", {}}});
  ASSERT_GT(offset, 0);

  ExpectStoppedAt(Audit({}), last_seq_ + 1,
                  "events/0@" + std::to_string(offset) +
                      " lacks a decimal cityid_seq header");
}

}  // namespace
}  // namespace cityid::testing
