// `cityid ledger --kafka`, `cityid restore` and `cityid up --kafka` end to end
// against a real broker (SPEC §1, §3, §8; issue 3): topics ensured, start-up
// reconciliation, acknowledgement only after the broker's, refusal to serve
// while Kafka diverges, fencing of a second instance of a shard, and a
// restore that yields a byte-identical log. One broker for the whole binary
// (tests/kafka/kafka_test_util.h); every test has its own topics and shard.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>

#include "ledger/integrity/merkle_store.h"
#include "ledger/kafka/kafka_admin.h"
#include "ledger/rocksdb_log.h"
#include "schemas/event_codec.h"
#include "tests/harness/kafka_services.h"
#include "tests/kafka/kafka_test_util.h"

namespace cityid::testing {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

CITYID_KAFKA_TEST_ENVIRONMENT();

class KafkaModeTest : public ::testing::Test {
 protected:
  void SetUp() override { shard_ = NewKafkaShard(); }

  std::string NewDataDir(const std::string& name) {
    const std::string dir = tmp_.Sub(name);
    InitDataDir(dir);
    return dir;
  }
  // `cityid ledger` on `dir` in Kafka mode on `shard` (embedded when null).
  std::unique_ptr<Process> Ledger(const std::string& dir, uint16_t port,
                                  const KafkaShard* shard) {
    return StartLedger(dir, port,
                       shard ? shard->Args() : std::vector<std::string>{});
  }
  static void WaitReady(uint16_t port, const std::string& dir) {
    ASSERT_TRUE(WaitForHttp(port, "/readyz", seconds(90)))
        << ReadFile(dir + "/ledger.log");
  }
  static void StopCleanly(Process& p) {
    p.Signal(SIGTERM);
    const int status = p.Wait(seconds(60));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << ReadFile(p.log_path());
  }
  // Enrolls a new person (a fresh name each call: never a duplicate).
  static Reply Enroll(uint16_t port, const std::string& clerk,
                      const std::string& name) {
    static std::atomic<int> n{0};
    HttpClient client("127.0.0.1", port);
    return Call(client, "POST", "/v1/residents", clerk,
                EnrollBody("Kafka", name + std::to_string(n++)));
  }
  static uint64_t Position(uint16_t port) {
    HttpClient client("127.0.0.1", port);
    Reply r = Call(client, "GET", "/v1/position", "");
    return r.status == 200 ? r.body.at("seq").to_number<uint64_t>() : 0;
  }
  // Runs `cityid restore` into `dir`; returns its exit code, output in `out`.
  int Restore(const KafkaShard& shard, const std::string& dir,
              std::string* out) {
    const std::string log =
        tmp_.Sub("restore-" + std::to_string(restores_++) + ".out");
    Process p({CityidBinary(), "restore", "--kafka", shard.bootstrap, "--set",
               "kafka.topic_prefix=" + shard.prefix, "--data", dir},
              log);
    const int status = p.Wait(seconds(120));
    *out = ReadFile(log);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  TempDir tmp_;
  KafkaShard shard_;
  int restores_ = 0;
};

std::string HeaderOf(const KafkaRecord& r, const std::string& key) {
  for (const auto& [k, v] : r.headers) {
    if (k == key) return v;
  }
  return "<missing>";
}

TEST_F(KafkaModeTest, LedgerCreatesTopicsAndAcknowledgesOnlyWhatKafkaHolds) {
  const std::string dir = NewDataDir("ledger");
  const uint16_t port = FreePort();
  auto ledger = Ledger(dir, port, &shard_);
  WaitReady(port, dir);

  auto events_config =
      DescribeTopicConfig(shard_.Options(), shard_.prefix + "events");
  ASSERT_TRUE(events_config.ok()) << events_config.status().ToString();
  EXPECT_EQ(events_config->at("cleanup.policy"), "delete");
  EXPECT_EQ(events_config->at("retention.ms"), "-1");
  EXPECT_EQ(events_config->at("retention.bytes"), "-1");
  auto vault_config =
      DescribeTopicConfig(shard_.Options(), shard_.prefix + "vault");
  ASSERT_TRUE(vault_config.ok()) << vault_config.status().ToString();
  EXPECT_EQ(vault_config->at("cleanup.policy"), "compact");

  const uint64_t head =
      LoadSmallCity(port, Token(dir, "clerk"), Token(dir, "supervisor"), 40);
  ASSERT_GT(head, 80u);
  // Every command above was answered: each of their events is in Kafka now.
  HttpClient client("127.0.0.1", port);
  const std::vector<KafkaRecord> kafka = ReadTopic(shard_);
  EXPECT_EQ(ExpectSameHistory(kafka, FeedEvents(client, Token(dir, "auditor"))),
            head);
  for (const KafkaRecord& r : kafka) {
    auto e = DecodeEvent(r.event.bytes);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(r.key, e->resident_id()) << "seq " << r.event.seq;
    EXPECT_EQ(HeaderOf(r, "cityid_seq"), std::to_string(r.event.seq));
    EXPECT_EQ(HeaderOf(r, "ce_id"), e->event_id);
    EXPECT_EQ(HeaderOf(r, "ce_source"), "cityid/ledger/" + shard_.shard);
    EXPECT_EQ(HeaderOf(r, "ce_specversion"), "1.0");
  }

  // A restart reconciles and publishes nothing twice.
  StopCleanly(*ledger);
  ledger = Ledger(dir, port, &shard_);
  WaitReady(port, dir);
  EXPECT_NE(ReadFile(dir + "/ledger.log")
                .find("local log " + std::to_string(head) + ", compared"),
            std::string::npos)
      << ReadFile(dir + "/ledger.log");
  EXPECT_EQ(ReadTopic(shard_).size(), head);
  StopCleanly(*ledger);
}

TEST_F(KafkaModeTest, FirstKafkaStartPublishesTheEmbeddedLogExactlyOnce) {
  const std::string dir = NewDataDir("ledger");
  const uint16_t port = FreePort();
  auto ledger = Ledger(dir, port, nullptr);
  WaitReady(port, dir);
  const uint64_t head =
      LoadSmallCity(port, Token(dir, "clerk"), Token(dir, "supervisor"), 12, 2);
  StopCleanly(*ledger);

  ledger = Ledger(dir, port, &shard_);
  WaitReady(port, dir);
  HttpClient client("127.0.0.1", port);
  EXPECT_EQ(ExpectSameHistory(ReadTopic(shard_),
                              FeedEvents(client, Token(dir, "auditor"))),
            head);
  ASSERT_EQ(Enroll(port, Token(dir, "clerk"), "After").status, 201);
  EXPECT_EQ(ReadTopic(shard_).size(), head + 1);
  StopCleanly(*ledger);
}

TEST_F(KafkaModeTest, RefusesToServeWhileKafkaDivergesAndSaysWhy) {
  // Kafka gets 3 events from ledger A.
  const std::string a = NewDataDir("a");
  const uint16_t port = FreePort();
  auto ledger = Ledger(a, port, &shard_);
  WaitReady(port, a);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(Enroll(port, Token(a, "clerk"), "A").status, 201);
  StopCleanly(*ledger);

  // Ledger B has another history of 5 events; same topics, its own shard.
  const std::string b = NewDataDir("b");
  ledger = Ledger(b, port, nullptr);
  WaitReady(port, b);
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(Enroll(port, Token(b, "clerk"), "B").status, 201);
  StopCleanly(*ledger);
  KafkaShard other = shard_;
  other.shard += "b";
  ledger = Ledger(b, port, &other);
  ASSERT_TRUE(WaitFor([&] { return Readyz(port).status == 503; }, seconds(60)));
  ASSERT_TRUE(WaitFor(
      [&] {
        return Detail(Readyz(port)).find("diverges") != std::string::npos;
      },
      seconds(60)))
      << Detail(Readyz(port));
  EXPECT_NE(Detail(Readyz(port)).find("different bytes at seq"),
            std::string::npos)
      << Detail(Readyz(port));
  EXPECT_EQ(Enroll(port, Token(b, "clerk"), "Refused").status, 503);
  EXPECT_EQ(Position(port), 5u);
  EXPECT_EQ(ReadTopic(shard_).size(), 3u) << "a diverging ledger published";
  StopCleanly(*ledger);

  // An empty ledger C finds Kafka ahead of its log.
  const std::string c = NewDataDir("c");
  other.shard += "c";
  ledger = Ledger(c, port, &other);
  ASSERT_TRUE(WaitFor(
      [&] {
        return Detail(Readyz(port)).find("local log ends at seq 0") !=
               std::string::npos;
      },
      seconds(60)))
      << Detail(Readyz(port));
  EXPECT_EQ(Enroll(port, Token(c, "clerk"), "Refused").status, 503);
  EXPECT_EQ(Position(port), 0u);
  StopCleanly(*ledger);
}

TEST_F(KafkaModeTest, TopicThatWouldDropHistoryKeepsTheLedgerFromStarting) {
  ASSERT_TRUE(CreateTopic(shard_.Options(), shard_.prefix + "events", 1,
                          {{"cleanup.policy", "compact"}})
                  .ok());
  const std::string dir = NewDataDir("ledger");
  auto ledger = Ledger(dir, FreePort(), &shard_);
  const int status = ledger->Wait(seconds(60));
  ASSERT_TRUE(WIFEXITED(status)) << "the ledger kept running";
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(ReadFile(dir + "/ledger.log").find("cleanup.policy"),
            std::string::npos)
      << ReadFile(dir + "/ledger.log");
}

// Every entry of the Merkle column family of a stopped ledger.
std::map<std::string, std::string> MerkleFamily(const std::string& dir) {
  std::map<std::string, std::string> out;
  auto log = RocksLog::Open(dir, {kMerkleColumnFamily});
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  if (!log.ok()) return out;
  std::unique_ptr<rocksdb::Iterator> it((*log)->db()->NewIterator(
      rocksdb::ReadOptions(), (*log)->ExtraHandles()[0]));
  for (it->SeekToFirst(); it->Valid(); it->Next())
    out.emplace(it->key().ToString(), it->value().ToString());
  return out;
}

// Every entry of one column family of a stopped ledger, key -> value.
std::map<std::string, std::string> Family(const RocksLog& log, Cf cf) {
  std::map<std::string, std::string> out;
  Status s = log.ForEach(cf, "", [&](std::string_view k, std::string_view v) {
    out.emplace(k, v);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST_F(KafkaModeTest, RestoreYieldsAByteIdenticalLogThatServesOn) {
  const std::string original = NewDataDir("original");
  const uint16_t port = FreePort();
  auto ledger = Ledger(original, port, &shard_);
  WaitReady(port, original);
  const uint64_t head = LoadSmallCity(port, Token(original, "clerk"),
                                      Token(original, "supervisor"), 60);
  HttpClient client("127.0.0.1", port);
  const std::vector<StoredEvent> original_events =
      FeedEvents(client, Token(original, "auditor"));
  ASSERT_EQ(original_events.size(), head);
  StopCleanly(*ledger);

  // The operator puts the ledger's keys back, then restores log and vault.
  const std::string restored = tmp_.Sub("restored");
  CopyKeysAndTokens(original, restored);
  std::string out;
  ASSERT_EQ(Restore(shard_, restored, &out), 0) << out;
  EXPECT_NE(out.find("restored " + std::to_string(head) + " events"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("restored the vault of"), std::string::npos) << out;
  {
    auto a = RocksLog::Open(original + "/ledger", {});
    auto b = RocksLog::Open(restored + "/ledger", {});
    ASSERT_TRUE(a.ok() && b.ok());
    const auto events = Family(**b, Cf::kEvents);
    ASSERT_EQ(events.size(), head);
    EXPECT_TRUE(Family(**a, Cf::kEvents) == events) << "events differ";
    size_t i = 0;
    for (const auto& [key, bytes] : events) {
      EXPECT_EQ(ReadBigEndian64(key), original_events[i].seq);
      EXPECT_EQ(bytes, original_events[i++].bytes)
          << "restored bytes differ at seq " << i;
    }
    for (Cf cf : {Cf::kResidents, Cf::kCards, Cf::kStatusSlots, Cf::kVaultKeys,
                  Cf::kVaultData}) {
      EXPECT_TRUE(Family(**a, cf) == Family(**b, cf))
          << "column family " << static_cast<int>(cf) << " differs";
    }
    // Blind index: the per-resident entries (bucket order may differ).
    auto blind = [](const std::map<std::string, std::string>& all) {
      std::map<std::string, std::string> r;
      for (const auto& [k, v] : all) {
        if (!k.empty() && k[0] == 'r') r.emplace(k, v);
      }
      return r;
    };
    EXPECT_TRUE(blind(Family(**a, Cf::kVaultBlind)) ==
                blind(Family(**b, Cf::kVaultBlind)))
        << "blind index differs";
    auto meta_a = Family(**a, Cf::kMeta), meta_b = Family(**b, Cf::kMeta);
    for (const char* key : {"last_seq", "status_list_size"}) {
      EXPECT_EQ(meta_a[key], meta_b[key]) << "meta " << key << " differs";
    }
  }
  const auto merkle = MerkleFamily(restored + "/ledger");
  EXPECT_FALSE(merkle.empty());
  EXPECT_TRUE(MerkleFamily(original + "/ledger") == merkle)
      << "Merkle nodes differ";

  // Restore never merges into an existing ledger.
  EXPECT_EQ(Restore(shard_, restored, &out), 1);
  EXPECT_NE(out.find("already holds a ledger"), std::string::npos) << out;

  // The restored ledger takes over the shard and serves: PII of a restored
  // resident reads back, a re-enrollment is caught as a duplicate, cards act.
  ledger = Ledger(restored, port, &shard_);
  WaitReady(port, restored);
  HttpClient restored_client("127.0.0.1", port);
  const std::string clerk = Token(restored, "clerk");
  Reply duplicate = Call(restored_client, "POST", "/v1/residents", clerk,
                         EnrollBody("City", "Person1"));
  EXPECT_EQ(duplicate.status, 409) << duplicate.raw;
  std::string live_resident, card_id;
  std::set<std::string> erased;
  for (const StoredEvent& e : original_events) {
    auto ev = DecodeEvent(e.bytes);
    ASSERT_TRUE(ev.ok());
    if (std::holds_alternative<ResidentErased>(ev->payload))
      erased.insert(ev->resident_id());
  }
  for (const StoredEvent& e : original_events) {
    auto ev = DecodeEvent(e.bytes);
    if (const auto* issued = std::get_if<CardIssued>(&ev->payload)) {
      if (!erased.count(issued->resident_id)) {
        live_resident = issued->resident_id;
        card_id = issued->card_id;
      }
    }
  }
  ASSERT_FALSE(live_resident.empty());
  Reply pii = Call(restored_client, "GET", "/v1/residents/" + live_resident,
                   clerk, "", {{"X-Purpose", "restore check"}});
  EXPECT_EQ(pii.status, 200) << pii.raw;
  EXPECT_NE(pii.raw.find("\"City\""), std::string::npos) << pii.raw;
  Reply renew =
      Call(restored_client, "POST", "/v1/cards/" + card_id + "/renew", clerk);
  EXPECT_TRUE(renew.status == 200 || renew.status == 409)  // 409: not active
      << renew.raw;
  Reply enroll = Enroll(port, clerk, "AfterRestore");
  ASSERT_EQ(enroll.status, 201) << enroll.raw;
  EXPECT_GT(enroll.body.at("seq").to_number<uint64_t>(), head);
  ExpectSameHistory(ReadTopic(shard_),
                    FeedEvents(restored_client, Token(restored, "auditor")));
  StopCleanly(*ledger);
}

TEST_F(KafkaModeTest, SecondLedgerOfTheSameShardFencesTheFirst) {
  const std::string a = NewDataDir("a");
  const uint16_t port_a = FreePort();
  auto first = Ledger(a, port_a, &shard_);
  WaitReady(port_a, a);
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(Enroll(port_a, Token(a, "clerk"), "First").status, 201);

  // A standby restored from Kafka takes over the shard.
  const std::string b = tmp_.Sub("b");
  std::string out;
  ASSERT_EQ(Restore(shard_, b, &out), 0) << out;
  CopyKeysAndTokens(a, b);
  const uint16_t port_b = FreePort();
  auto second = Ledger(b, port_b, &shard_);
  WaitReady(port_b, b);

  // The first instance learns it is fenced on its next publish, stops taking
  // commands, and says so.
  Reply refused = Enroll(port_a, Token(a, "clerk"), "Fenced");
  EXPECT_EQ(refused.status, 503) << refused.raw;
  ASSERT_TRUE(
      WaitFor([&] { return Detail(Readyz(port_a)).rfind("fenced:", 0) == 0; },
              seconds(30)))
      << Detail(Readyz(port_a));
  EXPECT_EQ(Readyz(port_a).status, 503);
  const uint64_t stopped_at = Position(port_a);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Enroll(port_a, Token(a, "clerk"), "StillFenced").status, 503);
  }
  EXPECT_EQ(Position(port_a), stopped_at) << "the fenced ledger kept writing";

  for (int i = 0; i < 5; ++i) {
    Reply r = Enroll(port_b, Token(b, "clerk"), "Second");
    ASSERT_EQ(r.status, 201) << r.raw;
    EXPECT_EQ(r.body.at("seq").to_number<uint64_t>(), 11u + i);
  }
  HttpClient client("127.0.0.1", port_b);
  EXPECT_EQ(ExpectSameHistory(ReadTopic(shard_),
                              FeedEvents(client, Token(b, "auditor"))),
            15u);

  // A third instance takes over from the second, which stays idle: it
  // notices by itself (Kafka runs ahead of its log) and never writes again.
  const std::string c = tmp_.Sub("c");
  ASSERT_EQ(Restore(shard_, c, &out), 0) << out;
  CopyKeysAndTokens(a, c);
  const uint16_t port_c = FreePort();
  auto third = Ledger(c, port_c, &shard_);
  WaitReady(port_c, c);
  ASSERT_EQ(Enroll(port_c, Token(c, "clerk"), "Third").status, 201);
  ASSERT_TRUE(WaitFor(
      [&] {
        return Detail(Readyz(port_b)).find("another ledger instance") !=
               std::string::npos;
      },
      seconds(60)))
      << Detail(Readyz(port_b));
  EXPECT_EQ(Enroll(port_b, Token(b, "clerk"), "Late").status, 503);
  EXPECT_EQ(Position(port_b), 15u) << "the idle, taken-over ledger wrote";
  StopCleanly(*third);
  StopCleanly(*second);
  StopCleanly(*first);
}

// Produces `events` as plain (non-transactional) records, bypassing every
// check of the publisher: how a broken writer could leave a gap.
Status ProduceRaw(const KafkaOptions& o,
                  const std::vector<StoredEvent>& events) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(
      RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", o.bootstrap, err);
  std::unique_ptr<RdKafka::Producer> producer(
      RdKafka::Producer::create(conf.get(), err));
  if (!producer) return Internal(err);
  for (const StoredEvent& e : events) {
    CITYID_ASSIGN_OR_RETURN(KafkaRecord rec, RecordFor(e, "test"));
    RdKafka::Headers* headers = RdKafka::Headers::create();
    for (const auto& [k, v] : rec.headers) headers->add(k, v);
    if (producer->produce(o.EventsTopic(), RdKafka::Topic::PARTITION_UA,
                          RdKafka::Producer::RK_MSG_COPY,
                          const_cast<char*>(e.bytes.data()), e.bytes.size(),
                          rec.key.data(), rec.key.size(), 0, headers,
                          nullptr) != RdKafka::ERR_NO_ERROR) {
      delete headers;
      return Internal("produce failed");
    }
  }
  return producer->flush(30000) == RdKafka::ERR_NO_ERROR
             ? Status::Ok()
             : Unavailable("flush timed out");
}

TEST_F(KafkaModeTest, RestoreRefusesATopicWithAGap) {
  KafkaOptions o = shard_.Options();
  ASSERT_TRUE(EnsureTopics(o).ok());
  std::vector<StoredEvent> events = MakeEvents(1, 6);
  events.erase(events.begin() + 3);  // seqs 1, 2, 3, 5, 6
  ASSERT_TRUE(ProduceRaw(o, events).ok());
  std::string out;
  EXPECT_EQ(Restore(shard_, tmp_.Sub("r"), &out), 1);
  EXPECT_NE(out.find("corruption"), std::string::npos) << out;
  EXPECT_NE(out.find("seq 5 follows seq 3"), std::string::npos) << out;
}

TEST_F(KafkaModeTest, UpRunsEveryServiceInKafkaMode) {
  const std::string dir = tmp_.Sub("up");
  const uint16_t ledger = FreePort(), registry = FreePort(),
                 revocations = FreePort(), stats = FreePort();
  std::vector<std::string> argv = {
      CityidBinary(), "up", "--data", dir,
      // An unusable feed token: the projections can only read Kafka.
      "--set", "feed.token=cid_not_a_token", "--set",
      "ledger.port=" + std::to_string(ledger), "--set",
      "registry.port=" + std::to_string(registry), "--set",
      "revocations.port=" + std::to_string(revocations), "--set",
      "stats.port=" + std::to_string(stats)};
  for (const std::string& a : shard_.Args()) argv.push_back(a);
  Process up(argv, tmp_.Sub("up.log"));
  ASSERT_TRUE(WaitForHttp(ledger, "/readyz", seconds(90)))
      << ReadFile(tmp_.Sub("up.log"));

  HttpClient client("127.0.0.1", ledger);
  Reply enrolled = Call(client, "POST", "/v1/residents", Token(dir, "clerk"),
                        EnrollBody("Up", "Kafka"));
  ASSERT_EQ(enrolled.status, 201) << enrolled.raw;
  Reply card = Call(client, "POST", "/v1/cards", Token(dir, "clerk"),
                    json::serialize(json::object{
                        {"resident_id", enrolled.body.at("resident_id")},
                        {"card_type", "standard"}}));
  ASSERT_EQ(card.status, 201) << card.raw;
  const uint64_t seq = card.body.at("seq").to_number<uint64_t>();
  for (uint16_t port : {registry, revocations, stats}) {
    EXPECT_TRUE(WaitFor([&] { return Position(port) >= seq; }, seconds(60)))
        << "projection on port " << port << " did not reach seq " << seq << "\n"
        << ReadFile(tmp_.Sub("up.log"));
  }
  EXPECT_EQ(ExpectSameHistory(ReadTopic(shard_),
                              FeedEvents(client, Token(dir, "auditor"))),
            seq);
  up.Signal(SIGTERM);
  const int status = up.Wait(seconds(60));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace cityid::testing
