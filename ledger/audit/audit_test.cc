// The Auditor over a real ledger's RocksDB (built once with the Merkle
// extension and signed checkpoints, then copied per test): a clean ledger
// passes every check; each kind of tampering fails the check it must and
// names the first altered seq (or the bad checkpoint).
#include "ledger/audit/audit.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <boost/json.hpp>
#include <filesystem>

#include "ledger/audit/audit_store.h"
#include "ledger/integrity/checkpointer.h"
#include "ledger/integrity/merkle_log_extension.h"
#include "ledger/ledger_test_util.h"
#include "schemas/event_codec.h"
#include "stream/kafka/kafka_common.h"

namespace cityid {
namespace {

namespace fs = std::filesystem;
using testing_util::Ctx;
using testing_util::MakeEnroll;
constexpr char kOrigin[] = "cityid.example/ledger";

// Opens a stopped ledger's DB read-write with every column family.
class RawDb {
 public:
  explicit RawDb(const std::string& data_dir) {
    const std::string path = data_dir + "/ledger";
    rocksdb::Options o;
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(o, path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> d;
    for (auto& n : names) d.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* raw = nullptr;
    EXPECT_TRUE(rocksdb::DB::Open(o, path, d, &handles_, &raw).ok());
    db_.reset(raw);
    for (size_t i = 0; i < names.size(); ++i) by_name_[names[i]] = handles_[i];
  }
  ~RawDb() {
    for (auto* h : handles_)
      db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  std::string Get(const std::string& cf, const std::string& key) {
    std::string v;
    EXPECT_TRUE(db_->Get({}, by_name_.at(cf), key, &v).ok()) << cf;
    return v;
  }
  void Put(const std::string& cf, const std::string& key,
           const std::string& v) {
    ASSERT_TRUE(db_->Put({}, by_name_.at(cf), key, v).ok());
  }
  void Delete(const std::string& cf, const std::string& key) {
    ASSERT_TRUE(db_->Delete({}, by_name_.at(cf), key).ok());
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name_;
};

std::string Key(uint64_t seq) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i, seq >>= 8) k[i] = static_cast<char>(seq & 0xff);
  return k;
}

class AuditTest : public ::testing::Test {
 protected:
  // One ledger for the whole suite: 3 enrolled, cards, reads, a revocation,
  // an erasure; checkpoints signed at sizes along the way.
  static void SetUpTestSuite() {
    base_ = new testing_util::TempDir();
    signer_ = new NoteSigner(NoteSigner::Generate(kOrigin).value());
    FakeClock clock(testing_util::kTestNow);
    MerkleLogExtension merkle;
    LedgerOptions o;
    o.data_dir = base_->path() + "/data";
    o.kek_file = testing_util::WriteKeyFile(base_->path(), "kek");
    o.blind_index_key_file = testing_util::WriteKeyFile(base_->path(), "blind");
    o.clock = &clock;
    o.status_list_size = 4096;
    o.extensions = {&merkle};
    auto ledger = std::move(Ledger::Open(o)).value();
    auto cp =
        std::move(Checkpointer::Create(
                      merkle.tree(), {kOrigin, *signer_, merkle.checkpoints()}))
            .value();
    std::vector<std::string> residents;
    for (const char* name : {"Ana", "Bea", "Cal"}) {
      auto r = ledger->Execute(MakeEnroll(name, "Diaz"), Ctx());
      residents.push_back(r.value().resident_id);
    }
    (void)cp->SignLatest();
    std::vector<std::string> cards;
    for (const auto& rid : residents) {
      auto c = ledger->Execute(IssueCardCommand{rid, "standard"}, Ctx());
      cards.push_back(c.value().card->card_id);
    }
    (void)ledger->Execute(ReadResidentCommand{residents[0], "card pickup"},
                          Ctx());
    (void)ledger->Execute(ReadResidentCommand{residents[0], "card pickup"},
                          Ctx());
    (void)ledger->Execute(ReadResidentCommand{residents[1], "fraud check"},
                          Ctx());
    (void)cp->SignLatest();
    (void)ledger->Execute(
        CardActionCommand{cards[1], CardAction::kRevoke, "fraud"}, Ctx());
    (void)ledger->Execute(EraseResidentCommand{residents[2], "request"}, Ctx());
    (void)cp->SignLatest();
    last_seq_ = ledger->LastSeq();
    cp->Stop();
    cp.reset();
    ledger->Close();
  }
  static void TearDownTestSuite() {
    delete base_;
    delete signer_;
  }

  AuditTest() {
    data_ = dir_.path() + "/data";
    fs::copy(base_->path() + "/data", data_, fs::copy_options::recursive);
    options_.verifiers = {signer_->Verifier()};
    options_.origin = kOrigin;
    options_.now = testing_util::kTestNow;
  }

  AuditReport Audit() {
    auto report = AuditLedgerDir(data_, options_);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : AuditReport{};
  }
  static AuditCheck::State StateOf(const AuditReport& r, const char* check) {
    return r.checks.at(check).state;
  }
  static std::string Issues(const AuditReport& r) { return AuditReportText(r); }

  static testing_util::TempDir* base_;
  static NoteSigner* signer_;
  static uint64_t last_seq_;
  testing_util::TempDir dir_;
  std::string data_;
  AuditOptions options_;
};

testing_util::TempDir* AuditTest::base_ = nullptr;
NoteSigner* AuditTest::signer_ = nullptr;
uint64_t AuditTest::last_seq_ = 0;

TEST_F(AuditTest, CleanLedgerPassesEveryCheck) {
  AuditReport r = Audit();
  EXPECT_TRUE(r.Passed()) << Issues(r);
  EXPECT_EQ(r.events, last_seq_);
  EXPECT_EQ(r.first_seq, 1u);
  EXPECT_EQ(r.last_seq, last_seq_);
  EXPECT_TRUE(r.gaps.empty());
  EXPECT_FALSE(r.first_altered_seq);
  ASSERT_TRUE(r.latest_checkpoint);
  EXPECT_EQ(r.latest_checkpoint->size, last_seq_);
  EXPECT_TRUE(r.latest_checkpoint_matches);
  EXPECT_EQ(r.checkpoints_verified, r.checkpoints);
  EXPECT_EQ(r.checkpoints_matching, r.checkpoints);
  EXPECT_GE(r.checkpoints, 3u);
  EXPECT_EQ(r.consistency_proofs, r.checkpoints - 1);
  EXPECT_EQ(r.stored_tree_size, last_seq_);
  EXPECT_EQ(r.residents, 3u);
  EXPECT_EQ(r.erased_residents, 1u);
  EXPECT_EQ(r.by_type.at("pii.accessed"), 3u);
  EXPECT_EQ((r.pii_accessed.at({"tok_clerk", "card pickup"})), 2u);
  EXPECT_EQ((r.pii_accessed.at({"tok_clerk", "fraud check"})), 1u);
  EXPECT_EQ(StateOf(r, "erasure"), AuditCheck::State::kPass);
  EXPECT_EQ(StateOf(r, "retention"), AuditCheck::State::kSkipped);
  // The JSON report says the same.
  boost::json::object j = AuditReportJson(r);
  EXPECT_TRUE(j.at("passed").as_bool());
  EXPECT_TRUE(j.at("first_altered_seq").is_null());
}

TEST_F(AuditTest, AByteFlippedInAStoredEventNamesItsSeq) {
  {
    RawDb db(data_);
    std::string v = db.Get("events", Key(5));
    v[v.size() / 2] ^= 0x01;
    db.Put("events", Key(5), v);
  }
  AuditReport r = Audit();
  EXPECT_FALSE(r.Passed());
  EXPECT_EQ(r.first_altered_seq, 5u) << Issues(r);
  EXPECT_EQ(StateOf(r, "framing"), AuditCheck::State::kFail);
  EXPECT_EQ(StateOf(r, "merkle"), AuditCheck::State::kFail);
  EXPECT_FALSE(r.latest_checkpoint_matches);
}

TEST_F(AuditTest, AGarbageValueMidLogIsNamedAndEveryOtherEventChecked) {
  // A value that is no frame (length field over the limit) in the middle of
  // the log: every event before and after it is still counted and checked.
  const uint64_t bad = last_seq_ / 2;
  ASSERT_GT(bad, 1u);
  { RawDb(data_).Put("events", Key(bad), std::string(4, '\xff') + "garbage"); }
  AuditReport r = Audit();
  EXPECT_FALSE(r.Passed());
  EXPECT_EQ(r.events, last_seq_) << Issues(r);
  EXPECT_EQ(r.last_seq, last_seq_);
  EXPECT_EQ(r.first_altered_seq, bad) << Issues(r);
  uint64_t decoded = 0;
  for (const auto& [type, n] : r.by_type) decoded += n;
  EXPECT_EQ(decoded, last_seq_ - 1);
  const AuditCheck& framing = r.checks.at("framing");
  EXPECT_EQ(framing.state, AuditCheck::State::kFail);
  ASSERT_EQ(framing.issues.size(), 1u);
  EXPECT_EQ(framing.issues[0].seq, bad);
  EXPECT_EQ(framing.issues[0].detail,
            "seq " + std::to_string(bad) + ": body length over the limit");
  EXPECT_EQ(StateOf(r, "continuity"), AuditCheck::State::kPass);
}

TEST_F(AuditTest, AReadStoppedByABadRecordNamesTheSeqItClaims) {
  // As `cityid audit --kafka` reports a record that does not decode: the
  // finding names the seq the source gives; a record claiming a later seq
  // still makes the first altered seq the one it stands in place of.
  auto snap = LedgerSnapshot::Open(data_).value();
  auto replay = [&](uint64_t upto, uint64_t claimed) {
    Auditor a(options_);
    EXPECT_TRUE(snap->ForEachEvent([&](uint64_t seq, std::string_view bytes) {
                      if (seq <= upto) a.AddEvent({seq, bytes});
                      return Status::Ok();
                    })
                    .ok());
    a.ReadFailed(Corruption("record t.events/0@77: bad"), claimed);
    return a.Finish();
  };
  AuditReport at = replay(4, 5);
  EXPECT_EQ(at.events, 4u);
  EXPECT_EQ(at.first_altered_seq, 5u);
  const AuditCheck& c = at.checks.at("continuity");
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_EQ(c.issues[0].seq, 5u);
  EXPECT_EQ(c.issues[0].detail,
            "reading stopped at seq 5: corruption: record t.events/0@77: bad");

  AuditReport later = replay(4, 9);
  EXPECT_EQ(later.first_altered_seq, 5u);
  EXPECT_EQ(later.checks.at("continuity").issues.at(0).seq, 9u);
}

TEST_F(AuditTest, ARemovedEventNamesItsSeq) {
  { RawDb(data_).Delete("events", Key(5)); }
  AuditReport r = Audit();
  EXPECT_FALSE(r.Passed());
  EXPECT_EQ(r.first_altered_seq, 5u) << Issues(r);
  ASSERT_EQ(r.gaps.size(), 1u);
  EXPECT_EQ(r.gaps[0], std::make_pair(uint64_t{5}, uint64_t{5}));
  EXPECT_EQ(StateOf(r, "continuity"), AuditCheck::State::kFail);
}

TEST_F(AuditTest, TheLastEventRemovedIsNamedByTheTreeAndCheckpoint) {
  { RawDb(data_).Delete("events", Key(last_seq_)); }
  AuditReport r = Audit();
  EXPECT_FALSE(r.Passed());
  EXPECT_EQ(r.first_altered_seq, last_seq_) << Issues(r);
  EXPECT_EQ(StateOf(r, "merkle"), AuditCheck::State::kFail);
}

TEST_F(AuditTest, TwoSwappedEventsNameTheFirst) {
  {
    RawDb db(data_);
    std::string a = db.Get("events", Key(5)), b = db.Get("events", Key(6));
    db.Put("events", Key(5), b);
    db.Put("events", Key(6), a);
  }
  AuditReport r = Audit();
  EXPECT_FALSE(r.Passed());
  EXPECT_EQ(r.first_altered_seq, 5u) << Issues(r);
  EXPECT_EQ(StateOf(r, "continuity"), AuditCheck::State::kFail);
  EXPECT_EQ(StateOf(r, "framing"), AuditCheck::State::kPass);
}

TEST_F(AuditTest, ACheckpointSignedWithAnotherKeyIsNamed) {
  {
    RawDb db(data_);
    const std::string key = CheckpointStore::Key(last_seq_);
    Checkpoint body =
        ParseCheckpoint(
            db.Get("checkpoints", key)
                .substr(0, db.Get("checkpoints", key).rfind("\n\n") + 1))
            .value();
    NoteSigner other = NoteSigner::Generate(kOrigin).value();
    db.Put("checkpoints", key, SignCheckpoint(body, other).value());
  }
  AuditReport r = Audit();
  EXPECT_FALSE(r.Passed());
  EXPECT_EQ(StateOf(r, "checkpoints"), AuditCheck::State::kFail);
  const auto& issues = r.checks.at("checkpoints").issues;
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].detail, "checkpoint " + std::to_string(last_seq_) +
                                  ": not signed by any of the given keys");
  EXPECT_FALSE(r.first_altered_seq);
}

TEST_F(AuditTest, ARewrittenEventWithAValidFrameIsCaughtByTheStoredLeaf) {
  {
    RawDb db(data_);
    Event e = DecodeEvent(db.Get("events", Key(4))).value();
    e.office = "elsewhere";
    db.Put("events", Key(4), EncodeEvent(e));
  }
  AuditReport r = Audit();
  EXPECT_EQ(StateOf(r, "framing"), AuditCheck::State::kPass);
  EXPECT_EQ(r.first_altered_seq, 4u) << Issues(r);
}

TEST_F(AuditTest, WithoutStoredLeavesCheckpointsBoundTheAlteredRange) {
  // As for a Kafka audit: events and checkpoints only.
  auto snap = LedgerSnapshot::Open(data_).value();
  Auditor a(options_);
  a.SetCheckpoints(*snap->Checkpoints().value());
  ASSERT_TRUE(snap->ForEachEvent([&](uint64_t seq, std::string_view bytes) {
                    std::string b(bytes);
                    if (seq == 7) {
                      Event e = DecodeEvent(b).value();
                      e.office = "elsewhere";
                      b = EncodeEvent(e);
                    }
                    a.AddEvent({seq, b});
                    return Status::Ok();
                  })
                  .ok());
  AuditReport r = a.Finish();
  EXPECT_FALSE(r.Passed());
  EXPECT_FALSE(r.first_altered_seq);
  ASSERT_TRUE(r.altered_range) << Issues(r);
  EXPECT_LT(r.altered_range->first, 7u);
  EXPECT_GE(r.altered_range->second, 7u);
}

TEST_F(AuditTest, AnErasedResidentsKeyLeftInTheVaultFailsErasure) {
  {
    RawDb db(data_);
    Event erased = DecodeEvent(db.Get("events", Key(last_seq_))).value();
    ASSERT_EQ(erased.type(), "resident.erased");
    db.Put("vault_keys", erased.resident_id(), std::string(60, 'k'));
  }
  AuditReport r = Audit();
  EXPECT_EQ(StateOf(r, "erasure"), AuditCheck::State::kFail) << Issues(r);
  EXPECT_FALSE(r.first_altered_seq);
}

TEST_F(AuditTest, AVaultCiphertextThatDoesNotMatchItsDigestFailsVault) {
  {
    RawDb db(data_);
    Event first = DecodeEvent(db.Get("events", Key(1))).value();
    std::string v = db.Get("vault_data", first.resident_id());
    v[20] ^= 1;
    db.Put("vault_data", first.resident_id(), v);
  }
  AuditReport r = Audit();
  EXPECT_EQ(StateOf(r, "vault"), AuditCheck::State::kFail) << Issues(r);
}

TEST_F(AuditTest, ResidentsPastRetentionNotErasedAreListed) {
  options_.retention_days = 30;
  options_.now = testing_util::kTestNow + 400LL * 24 * 3600 * kMicrosPerSecond;
  AuditReport r = Audit();
  // Cards run 5 years: nobody is due yet, except the resident whose only
  // card was revoked (erased residents never are).
  EXPECT_EQ(StateOf(r, "retention"), AuditCheck::State::kFail) << Issues(r);
  EXPECT_EQ(r.checks.at("retention").count, 1u) << Issues(r);
  options_.now = testing_util::kTestNow + 10LL * kMicrosPerDay;
  EXPECT_EQ(StateOf(Audit(), "retention"), AuditCheck::State::kPass);
}

TEST_F(AuditTest, NoKeyOrAnotherOriginFailsTheCheckpoints) {
  options_.verifiers.clear();
  EXPECT_EQ(StateOf(Audit(), "checkpoints"), AuditCheck::State::kFail);
  options_.verifiers = {signer_->Verifier()};
  options_.origin = "elsewhere.example/log";
  EXPECT_EQ(StateOf(Audit(), "checkpoints"), AuditCheck::State::kFail);
}

TEST_F(AuditTest, ExportGetsEveryEventsJsonForm) {
  AuditHooks hooks;
  std::vector<boost::json::object> lines;
  hooks.export_sink = [&](const boost::json::object& o) { lines.push_back(o); };
  ASSERT_TRUE(AuditLedgerDir(data_, options_, hooks).ok());
  ASSERT_EQ(lines.size(), last_seq_);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].at("seq").to_number<uint64_t>(), i + 1);
    EXPECT_TRUE(lines[i].contains("type"));
  }
}

TEST_F(AuditTest, PiiInFreeTextFailsWithoutBeingQuoted) {
  auto snap = LedgerSnapshot::Open(data_).value();
  Auditor a(options_);
  ASSERT_TRUE(snap->ForEachEvent([&](uint64_t seq, std::string_view bytes) {
                    std::string b(bytes);
                    if (seq == 2) {
                      Event e = DecodeEvent(b).value();
                      e.idempotency_key = "enroll-bea-diaz-1990-04-01";
                      b = EncodeEvent(e);
                    }
                    a.AddEvent({seq, b});
                    return Status::Ok();
                  })
                  .ok());
  AuditReport r = a.Finish();
  EXPECT_EQ(StateOf(r, "pii"), AuditCheck::State::kFail);
  ASSERT_EQ(r.checks.at("pii").issues.size(), 1u);
  EXPECT_EQ(r.checks.at("pii").issues[0].detail,
            "seq 2: field idempotency_key: holds a calendar date");
  EXPECT_EQ(Issues(r).find("1990-04-01"), std::string::npos);
}

// Kafka records: the headers RecordFor gives pass; an extra header or one
// carrying a date does not.
TEST_F(AuditTest, KafkaHeadersAreCheckedAgainstTheRegistry) {
  auto snap = LedgerSnapshot::Open(data_).value();
  auto run = [&](const std::function<void(KafkaRecord&)>& tamper) {
    Auditor a(options_);
    EXPECT_TRUE(
        snap->ForEachEvent([&](uint64_t seq, std::string_view bytes) {
              KafkaRecord rec =
                  RecordFor({seq, std::string(bytes)}, "cityid/ledger/0")
                      .value();
              if (seq == 3) tamper(rec);
              a.AddEvent({seq, rec.event.bytes, &rec.key, &rec.headers});
              return Status::Ok();
            })
            .ok());
    return a.Finish();
  };
  AuditReport clean = run([](KafkaRecord&) {});
  EXPECT_TRUE(clean.Passed()) << Issues(clean);
  AuditReport extra = run(
      [](KafkaRecord& r) { r.headers.emplace_back("x-dob", "1990-04-01"); });
  EXPECT_EQ(StateOf(extra, "schema"), AuditCheck::State::kFail);
  AuditReport leak = run([](KafkaRecord& r) {
    for (auto& [k, v] : r.headers)
      if (k == kHeaderSource) v = "ana@example.org";
  });
  EXPECT_EQ(StateOf(leak, "pii"), AuditCheck::State::kFail) << Issues(leak);
  EXPECT_EQ(Issues(leak).find("ana@"), std::string::npos);
}

}  // namespace
}  // namespace cityid
