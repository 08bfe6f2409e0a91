// End to end (SPEC §3, §7, §10): a real `cityid ledger` serves checkpoints,
// its key and proofs that verify with the library's verifiers and with the
// RFC 9162 / C2SP reference verifiers; `cityid audit` passes on the live
// ledger and on the stopped one, and on copies of the stopped data directory
// with one event's byte flipped, one event removed, two swapped, or a
// checkpoint re-signed with another key it exits non-zero and names the
// first bad seq (or the bad checkpoint).
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "base/bytes.h"
#include "ledger/integrity/checkpoint.h"
#include "ledger/integrity/merkle.h"
#include "ledger/integrity/merkle_reference_test.h"
#include "ledger/integrity/signed_note_reference_test.h"
#include "tests/harness/services.h"

namespace cityid::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct AuditRun {
  int exit_code = -1;
  std::string output;
};

// Runs `cityid audit <args>` to completion.
AuditRun Audit(const std::string& log, std::vector<std::string> args) {
  std::vector<std::string> argv = {CityidBinary(), "audit", "--no-progress"};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv, log);
  const int status = p.Wait(std::chrono::seconds(120));
  AuditRun r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.output = ReadFile(log);
  return r;
}

// The JSON report: the last line of the output that is a JSON object.
json::object ReportOf(const AuditRun& run) {
  size_t end = run.output.size();
  while (end > 0) {
    size_t start = run.output.rfind('\n', end - 2);
    start = start == std::string::npos ? 0 : start + 1;
    std::string line = run.output.substr(start, end - start);
    if (line.starts_with("{")) return json::parse(line).as_object();
    if (start == 0) break;
    end = start;
  }
  ADD_FAILURE() << "no JSON report in: " << run.output;
  return {};
}

std::string Key(uint64_t seq) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i, seq >>= 8) k[i] = static_cast<char>(seq & 0xff);
  return k;
}

// A stopped ledger's DB opened read-write for tampering.
void Tamper(const std::string& data_dir,
            const std::function<void(
                rocksdb::DB*,
                std::map<std::string, rocksdb::ColumnFamilyHandle*>&)>& fn) {
  const std::string path = data_dir + "/ledger";
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies({}, path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> d;
  for (auto& n : names) d.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open({}, path, d, &handles, &db).ok());
  std::map<std::string, rocksdb::ColumnFamilyHandle*> cf;
  for (size_t i = 0; i < names.size(); ++i) cf[names[i]] = handles[i];
  fn(db, cf);
  for (auto* h : handles)
    db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  delete db;
}

class AuditEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    data_ = dir_->Sub("ledger");
    InitDataDir(data_);
    port_ = FreePort();
    ledger_ = StartLedger(data_, port_).release();
    ASSERT_TRUE(WaitForHttp(port_, "/readyz", std::chrono::seconds(30)))
        << ReadFile(data_ + "/ledger.log");
    HttpClient client("127.0.0.1", port_);
    const std::string clerk = Token(data_, "clerk");
    std::vector<std::string> residents, cards;
    for (int i = 0; i < 6; ++i) {
      Reply r = Call(client, "POST", "/v1/residents", clerk,
                     EnrollBody("Ana", "Audit" + std::to_string(i)));
      ASSERT_EQ(r.status, 201) << r.raw;
      residents.emplace_back(r.body.at("resident_id").as_string());
    }
    first_checkpoint_ = WaitForCheckpoint(6);
    for (const auto& rid : residents) {
      Reply r = Call(client, "POST", "/v1/cards", clerk,
                     json::serialize(json::object{{"resident_id", rid},
                                                  {"card_type", "standard"}}));
      ASSERT_EQ(r.status, 201) << r.raw;
      cards.emplace_back(r.body.at("card_id").as_string());
    }
    for (int i = 0; i < 3; ++i) {
      Reply r = Call(client, "GET", "/v1/residents/" + residents[i], clerk, "",
                     {{"X-Purpose", "card pickup"}});
      ASSERT_EQ(r.status, 200) << r.raw;
    }
    const std::string supervisor = Token(data_, "supervisor");
    ASSERT_EQ(Call(client, "POST", "/v1/cards/" + cards[1] + "/revoke",
                   supervisor, R"({"reason": "fraud"})")
                  .status,
              200);
    ASSERT_EQ(Call(client, "POST", "/v1/residents/" + residents[2] + "/erase",
                   supervisor, R"({"reason": "request"})")
                  .status,
              200);
    last_seq_ = Call(client, "GET", "/v1/position", "")
                    .body.at("seq")
                    .to_number<uint64_t>();
    latest_checkpoint_ = WaitForCheckpoint(last_seq_);
    key_ = Get("/v1/keys").body;
  }
  static void TearDownTestSuite() {
    delete ledger_;
    delete dir_;
  }

  static HttpResponse Get(const std::string& target) {
    HttpClient client("127.0.0.1", port_);
    auto r = client.Get(target);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : HttpResponse{};
  }
  // Polls GET /v1/checkpoint until it covers `size` (signed every second).
  static std::string WaitForCheckpoint(uint64_t size) {
    for (int i = 0; i < 100; ++i) {
      std::string note = Get("/v1/checkpoint").body;
      auto body = ParseCheckpoint(note.substr(0, note.rfind("\n\n") + 1));
      if (body.ok() && body->size >= size) return note;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no checkpoint of size " << size;
    return "";
  }
  static void StopLedger() {
    if (!ledger_->Running()) return;
    ledger_->Signal(SIGTERM);
    ASSERT_EQ(ledger_->Wait(std::chrono::seconds(30)), 0)
        << ReadFile(data_ + "/ledger.log");
  }
  // A copy of the stopped ledger's data directory.
  std::string CopyOfData() {
    StopLedger();
    const std::string copy = work_.Sub("copy");
    fs::copy(data_, copy, fs::copy_options::recursive);
    return copy;
  }
  AuditRun AuditJson(const std::string& data) {
    return Audit(work_.Sub("audit.log"),
                 {"--data", data, "--key", key_, "--json"});
  }

  static TempDir* dir_;
  static std::string data_;
  static uint16_t port_;
  static Process* ledger_;
  static uint64_t last_seq_;
  static std::string first_checkpoint_, latest_checkpoint_, key_;
  TempDir work_;
};

TempDir* AuditEndToEndTest::dir_ = nullptr;
std::string AuditEndToEndTest::data_;
uint16_t AuditEndToEndTest::port_ = 0;
Process* AuditEndToEndTest::ledger_ = nullptr;
uint64_t AuditEndToEndTest::last_seq_ = 0;
std::string AuditEndToEndTest::first_checkpoint_;
std::string AuditEndToEndTest::latest_checkpoint_;
std::string AuditEndToEndTest::key_;

// Runs first (gtest keeps declaration order): the ledger is still up.
TEST_F(AuditEndToEndTest, ServedProofsAndCheckpointsVerify) {
  NoteVerifier verifier = NoteVerifier::Parse(key_).value();
  auto latest = OpenCheckpoint(latest_checkpoint_,
                               std::span<const NoteVerifier>(&verifier, 1), "");
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  std::string text;
  EXPECT_TRUE(reference::VerifyNote(latest_checkpoint_, verifier.name(),
                                    verifier.public_key(), &text));
  EXPECT_EQ(latest->origin, "cityid.example/ledger");
  const uint64_t n = latest->size;
  ASSERT_GE(n, last_seq_);

  HttpClient client("127.0.0.1", port_);
  const std::string auditor = Token(data_, "auditor");
  Reply feed = Call(client, "GET", "/v1/events?after=0&limit=1000", auditor);
  ASSERT_EQ(feed.status, 200);
  for (const auto& item : feed.body.at("events").as_array()) {
    const uint64_t seq = item.at("seq").to_number<uint64_t>();
    const std::string bytes =
        Base64Decode(item.at("bytes").as_string()).value();
    json::value proof =
        json::parse(Get("/v1/proofs/inclusion?seq=" + std::to_string(seq) +
                        "&size=" + std::to_string(n))
                        .body);
    std::vector<MerkleHash> path;
    std::vector<std::string> raw;
    for (const auto& h : proof.at("hashes").as_array()) {
      path.push_back(MerkleHashFromBase64(h.as_string()).value());
      raw.push_back(MerkleHashBytes(path.back()));
    }
    EXPECT_EQ(proof.at("leaf_index").to_number<uint64_t>(), seq - 1);
    EXPECT_TRUE(
        VerifyInclusion(seq - 1, n, MerkleLeafHash(bytes), path, latest->root)
            .ok())
        << seq;
    EXPECT_TRUE(reference::VerifyInclusion(seq - 1, n,
                                           reference::LeafHash(bytes), raw,
                                           MerkleHashBytes(latest->root)))
        << seq;
  }

  auto first = OpenCheckpoint(first_checkpoint_,
                              std::span<const NoteVerifier>(&verifier, 1), "");
  ASSERT_TRUE(first.ok());
  json::value proof = json::parse(
      Get("/v1/proofs/consistency?from=" + std::to_string(first->size) +
          "&to=" + std::to_string(n))
          .body);
  std::vector<MerkleHash> path;
  for (const auto& h : proof.at("hashes").as_array())
    path.push_back(MerkleHashFromBase64(h.as_string()).value());
  EXPECT_TRUE(
      VerifyConsistency(first->size, n, first->root, latest->root, path).ok());
  EXPECT_EQ(Get("/v1/proofs/inclusion?seq=1&size=100000").status, 404);
  EXPECT_EQ(Get("/v1/proofs/inclusion?seq=x").status, 400);
}

TEST_F(AuditEndToEndTest, AuditOfTheLiveLedgerPasses) {
  ASSERT_TRUE(ledger_->Running());
  AuditRun run = AuditJson(data_);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  json::object report = ReportOf(run);
  EXPECT_TRUE(report.at("passed").as_bool());
  EXPECT_GE(report.at("events").to_number<uint64_t>(), last_seq_);
}

TEST_F(AuditEndToEndTest, CleanStoppedLedgerPassesAndExportsEveryEvent) {
  const std::string copy = CopyOfData();
  AuditRun run = AuditJson(copy);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  json::object report = ReportOf(run);
  EXPECT_EQ(report.at("events").to_number<uint64_t>(), last_seq_);
  EXPECT_TRUE(
      report.at("merkle").at("latest_checkpoint").at("matches").as_bool());
  EXPECT_EQ(report.at("erased_residents").to_number<uint64_t>(), 1u);
  EXPECT_EQ(report.at("pii_accessed").as_array().size(), 1u);

  const std::string out = work_.Sub("events.jsonl");
  AuditRun exported = Audit(
      work_.Sub("export.log"),
      {"--data", copy, "--key", key_, "--export", "jsonl", "--output", out});
  EXPECT_EQ(exported.exit_code, 0) << exported.output;
  std::istringstream lines(ReadFile(out));
  uint64_t n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    EXPECT_EQ(json::parse(line).at("seq").to_number<uint64_t>(), n + 1);
  }
  EXPECT_EQ(n, last_seq_);
  EXPECT_NE(exported.output.find("RESULT: PASS"), std::string::npos);
}

TEST_F(AuditEndToEndTest, AFlippedByteIsNamed) {
  const std::string copy = CopyOfData();
  Tamper(copy, [](rocksdb::DB* db, auto& cf) {
    std::string v;
    ASSERT_TRUE(db->Get({}, cf["events"], Key(5), &v).ok());
    v[v.size() - 3] ^= 0x20;
    ASSERT_TRUE(db->Put({}, cf["events"], Key(5), v).ok());
  });
  AuditRun run = AuditJson(copy);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_EQ(ReportOf(run).at("first_altered_seq").to_number<uint64_t>(), 5u);
  AuditRun text = Audit(work_.Sub("text.log"), {"--data", copy, "--key", key_});
  EXPECT_NE(text.output.find("FIRST ALTERED   seq 5"), std::string::npos)
      << text.output;
}

TEST_F(AuditEndToEndTest, AGarbageValueMidLogIsNamedAfterEveryGoodEvent) {
  // A value that is no frame at all in the middle of the log: every event
  // before and after it is counted and checked; the finding names its seq.
  const uint64_t bad = last_seq_ / 2;
  const std::string copy = CopyOfData();
  Tamper(copy, [bad](rocksdb::DB* db, auto& cf) {
    ASSERT_TRUE(db->Put({}, cf["events"], Key(bad),
                        std::string(4, '\xff') + "junk value")
                    .ok());
  });
  AuditRun run = AuditJson(copy);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  json::object report = ReportOf(run);
  EXPECT_EQ(report.at("events").to_number<uint64_t>(), last_seq_);
  EXPECT_EQ(report.at("first_altered_seq").to_number<uint64_t>(), bad);
  const json::array& issues =
      report.at("checks").at("framing").at("issues").as_array();
  ASSERT_EQ(issues.size(), 1u) << run.output;
  EXPECT_EQ(issues[0].at("seq").to_number<uint64_t>(), bad);
  EXPECT_EQ(issues[0].at("detail").as_string(),
            "seq " + std::to_string(bad) + ": body length over the limit");
}

TEST_F(AuditEndToEndTest, ARemovedEventIsNamed) {
  const std::string copy = CopyOfData();
  Tamper(copy, [](rocksdb::DB* db, auto& cf) {
    ASSERT_TRUE(db->Delete({}, cf["events"], Key(7)).ok());
  });
  AuditRun run = AuditJson(copy);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  json::object report = ReportOf(run);
  EXPECT_EQ(report.at("first_altered_seq").to_number<uint64_t>(), 7u);
  EXPECT_EQ(report.at("gaps").as_array().size(), 1u);
}

TEST_F(AuditEndToEndTest, TwoSwappedEventsAreNamed) {
  const std::string copy = CopyOfData();
  Tamper(copy, [](rocksdb::DB* db, auto& cf) {
    std::string a, b;
    ASSERT_TRUE(db->Get({}, cf["events"], Key(9), &a).ok());
    ASSERT_TRUE(db->Get({}, cf["events"], Key(10), &b).ok());
    ASSERT_TRUE(db->Put({}, cf["events"], Key(9), b).ok());
    ASSERT_TRUE(db->Put({}, cf["events"], Key(10), a).ok());
  });
  AuditRun run = AuditJson(copy);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_EQ(ReportOf(run).at("first_altered_seq").to_number<uint64_t>(), 9u);
}

TEST_F(AuditEndToEndTest, ACheckpointSignedWithAnotherKeyIsNamed) {
  const std::string copy = CopyOfData();
  uint64_t size = 0;
  Tamper(copy, [&](rocksdb::DB* db, auto& cf) {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator({}, cf["checkpoints"]));
    it->SeekToLast();
    ASSERT_TRUE(it->Valid());
    const std::string note = it->value().ToString();
    Checkpoint body =
        ParseCheckpoint(note.substr(0, note.rfind("\n\n") + 1)).value();
    size = body.size;
    NoteSigner other = NoteSigner::Generate("cityid.example/ledger").value();
    ASSERT_TRUE(db->Put({}, cf["checkpoints"], it->key(),
                        SignCheckpoint(body, other).value())
                    .ok());
  });
  AuditRun run = AuditJson(copy);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  json::object report = ReportOf(run);
  const json::object& check = report.at("checks").at("checkpoints").as_object();
  EXPECT_EQ(check.at("state").as_string(), "fail");
  EXPECT_EQ(check.at("issues").at(0).at("detail").as_string(),
            "checkpoint " + std::to_string(size) +
                ": not signed by any of the given keys");
  EXPECT_TRUE(report.at("first_altered_seq").is_null());
}

TEST_F(AuditEndToEndTest, AMissingDataDirectoryExitsTwo) {
  AuditRun run = Audit(work_.Sub("missing.log"),
                       {"--data", work_.Sub("nothing-here"), "--key", key_});
  EXPECT_EQ(run.exit_code, 2) << run.output;
}

}  // namespace
}  // namespace cityid::testing
