// Backups of an embedded ledger end to end (issue 17, SPEC §14): the real
// `cityid ledger`, `cityid backup`, `cityid restore --from-backup` and
// `cityid audit` over loopback, on real RocksDB.
//   - a backup taken under write load restores to exactly its recorded seq,
//     with the original's Merkle root at that size, and audits clean;
//   - a resident erased after the backup stays erased in the restore (410,
//     and none of their vault bytes in any file of the restored directory);
//   - kill -9 in the middle of a backup leaves the earlier backups intact;
//   - a second backup copies only new table files;
//   - the backup directory holds no byte of any key file.
#include <gtest/gtest.h>
#include <rocksdb/utilities/backup_engine.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "base/bytes.h"
#include "ledger/integrity/checkpoint.h"
#include "ledger/integrity/merkle.h"
#include "ledger/vault_admin.h"
#include "tests/privacy_helpers.h"
#include "tools/ledger_backup.h"

namespace cityid::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct BackupMeta {
  uint32_t id = 0;
  uint64_t last_seq = 0;
};

// The backups in `dest`, oldest first, as RocksDB's BackupEngine lists them.
std::vector<BackupMeta> Backups(const std::string& dest) {
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngineReadOnly::Open(
      rocksdb::BackupEngineOptions(dest), rocksdb::Env::Default(), &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  std::vector<BackupMeta> out;
  if (!engine) return out;
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  for (const auto& info : infos)
    out.push_back({info.backup_id, BackupLastSeq(info.app_metadata)});
  return out;
}

// Table files in the backup directory, by name, with their sizes.
std::map<std::string, uint64_t> SharedTableFiles(const std::string& dest) {
  std::map<std::string, uint64_t> files;
  for (const auto& e : fs::directory_iterator(dest + "/shared_checksum"))
    files[e.path().filename().string()] = e.file_size();
  return files;
}

// A name of letters only, distinct per n (names must be letters).
std::string Letters(uint64_t n) {
  std::string s;
  do {
    s.push_back(static_cast<char>('a' + n % 26));
    n /= 26;
  } while (n > 0);
  return s;
}

std::string Keys(const std::string& data) { return data + ".keys"; }

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.Sub("var");
    dest_ = dir_.Sub("backups");
    StartReadyLedger(data_, {}, &port_, &ledger_);
    client_ = std::make_unique<HttpClient>("127.0.0.1", port_);
    clerk_ = Token(data_, "clerk");
    supervisor_ = Token(data_, "supervisor");
  }

  std::string Enroll(const std::string& tag, uint64_t n) {
    return EnrollOk(*client_, clerk_, "Given" + tag + Letters(n),
                    "Family" + Letters(n));
  }

  // `cityid backup` of data_ into dest_ (through the ledger when it runs).
  int Backup(const std::map<std::string, std::string>& env = {}) {
    return RunCityid({"backup", "--data", data_, "--to", dest_, "--ledger",
                      "http://127.0.0.1:" + std::to_string(port_)},
                     dir_.Sub("backup.log"), env);
  }

  // `cityid restore --from-backup` into `target`, with the original's keys
  // and erasure journal (or `journal`).
  int Restore(const std::string& target, std::string journal = "") {
    if (journal.empty()) journal = data_ + ".erasures";
    return RunCityid({"restore", "--from-backup", dest_, "--data", target,
                      "--set", "keys.dir=" + Keys(data_), "--journal", journal},
                     dir_.Sub("restore.log"));
  }

  int Audit(const std::string& target) {
    return RunCityid({"audit", "--data", target, "--set",
                      "keys.dir=" + Keys(data_), "--no-progress"},
                     dir_.Sub("audit.log"));
  }

  // A ledger serving a restored directory, with the original's keys.
  std::unique_ptr<Process> StartRestored(const std::string& target,
                                         uint16_t* port) {
    *port = FreePort();
    auto p = StartLedger(target, *port, {"--set", "keys.dir=" + Keys(data_)});
    EXPECT_TRUE(WaitForHttp(*port, "/readyz", std::chrono::seconds(60)))
        << ReadFile(target + "/ledger.log");
    return p;
  }

  std::string Log(const std::string& name) { return ReadFile(dir_.Sub(name)); }

  TempDir dir_;
  std::string data_;
  std::string dest_;
  uint16_t port_ = 0;
  std::unique_ptr<Process> ledger_;
  std::unique_ptr<HttpClient> client_;
  std::string clerk_;
  std::string supervisor_;
};

// The checkpoint (size and root) of a signed note's text.
Checkpoint CheckpointOf(HttpClient& client) {
  Reply r = Call(client, "GET", "/v1/checkpoint", "");
  EXPECT_EQ(r.status, 200) << r.raw;
  const size_t end = r.raw.find("\n\n");
  auto c = ParseCheckpoint(r.raw.substr(0, end + 1));
  EXPECT_TRUE(c.ok()) << r.raw;
  return c.ok() ? *c : Checkpoint{};
}

// Waits until the ledger has signed a checkpoint of at least `size`.
Checkpoint WaitForCheckpoint(HttpClient& client, uint64_t size) {
  Checkpoint c;
  for (int i = 0; i < 100; ++i) {
    c = CheckpointOf(client);
    if (c.size >= size) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(c.size, size);
  return c;
}

TEST_F(BackupTest, BackupUnderWriteLoadRestoresItsRecordedPointInTime) {
  for (uint64_t i = 0; i < 40; ++i) ASSERT_FALSE(Enroll("Base", i).empty());
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> enrolled{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      HttpClient c("127.0.0.1", port_);
      for (uint64_t i = 0; !stop.load(); ++i) {
        Reply r = Call(c, "POST", "/v1/residents", clerk_,
                       EnrollBody("Load" + Letters(w), "Writer" + Letters(i)));
        if (r.status == 201) ++enrolled;
      }
    });
  }
  while (enrolled.load() < 20)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const uint64_t during_before = enrolled.load();
  const int rc = Backup();
  const uint64_t during_after = enrolled.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_EQ(rc, 0) << Log("backup.log");
  EXPECT_GT(during_after, during_before) << "no write ran during the backup";

  const std::vector<BackupMeta> backups = Backups(dest_);
  ASSERT_EQ(backups.size(), 1u);
  const uint64_t seq = backups[0].last_seq;
  EXPECT_GE(seq, 40u + 20u);
  // The original's history at the backup's size, proved against its latest
  // checkpoint below.
  const std::string auditor = Token(data_, "auditor");
  const std::vector<json::object> original = AllEvents(*client_, auditor);
  ASSERT_GT(original.size(), seq) << "writes continued after the cut";
  const Checkpoint latest = WaitForCheckpoint(*client_, original.size());

  const std::string target = dir_.Sub("restored");
  ASSERT_EQ(Restore(target), 0) << Log("restore.log");
  EXPECT_EQ(Audit(target), 0) << Log("audit.log");
  uint16_t port = 0;
  auto restored = StartRestored(target, &port);
  HttpClient rc_client("127.0.0.1", port);
  const std::vector<json::object> events =
      AllEvents(rc_client, Token(target, "auditor"));
  ASSERT_EQ(events.size(), seq);
  EXPECT_EQ(events.back().at("seq").to_number<uint64_t>(), seq);
  for (size_t i = 0; i < events.size(); ++i)
    ASSERT_EQ(json::serialize(events[i]), json::serialize(original[i])) << i;
  // Merkle: the restored root at `seq` is the original's root at `seq`.
  const Checkpoint mine = WaitForCheckpoint(rc_client, seq);
  EXPECT_EQ(mine.size, seq);
  Reply proof = Call(*client_, "GET",
                     "/v1/proofs/consistency?from=" + std::to_string(seq) +
                         "&to=" + std::to_string(latest.size),
                     "");
  ASSERT_EQ(proof.status, 200) << proof.raw;
  std::vector<MerkleHash> path;
  for (const auto& h : proof.body.at("hashes").as_array())
    path.push_back(MerkleHashFromBase64(h.as_string()).value());
  EXPECT_TRUE(
      VerifyConsistency(seq, latest.size, mine.root, latest.root, path).ok());
  EXPECT_TRUE(Stop(*restored));
}

TEST_F(BackupTest, ErasureAfterTheBackupStaysErasedAfterRestore) {
  const std::string rid = Enroll("Gone", 1);
  const std::string kept = Enroll("Kept", 2);
  ASSERT_FALSE(rid.empty());
  ASSERT_TRUE(Stop(*ledger_));
  auto bytes = InspectVaultEntry(data_, rid);
  ASSERT_TRUE(bytes.ok() && bytes->ciphertext && bytes->wrapped_key);
  ledger_ = StartLedger(data_, port_);
  ASSERT_TRUE(WaitForHttp(port_, "/readyz", std::chrono::seconds(30)));
  ASSERT_EQ(Backup(), 0) << Log("backup.log");
  Reply erased = Call(*client_, "POST", "/v1/residents/" + rid + "/erase",
                      supervisor_, R"({"reason":"request"})");
  ASSERT_EQ(erased.status, 200) << erased.raw;
  ASSERT_TRUE(Stop(*ledger_));
  // The journal names the resident; the backup still holds their bytes
  // (the control: the search finds them where they are).
  EXPECT_EQ(ReadFile(data_ + ".erasures"), rid + "\n");
  EXPECT_FALSE(FilesContaining(dest_, *bytes->ciphertext).empty());

  // A journal at the wrong place is refused before anything is restored.
  const std::string target = dir_.Sub("restored");
  EXPECT_NE(Restore(target, dir_.Sub("nowhere.erasures")), 0);
  EXPECT_NE(Log("restore.log").find("no erasure journal"), std::string::npos)
      << Log("restore.log");
  EXPECT_FALSE(fs::exists(target + "/ledger"));
  ASSERT_EQ(Restore(target), 0) << Log("restore.log");
  EXPECT_NE(Log("restore.log").find("1 erased again"), std::string::npos)
      << Log("restore.log");
  EXPECT_EQ(FilesContaining(target, *bytes->ciphertext),
            std::vector<std::string>{});
  EXPECT_EQ(FilesContaining(target, *bytes->wrapped_key),
            std::vector<std::string>{});
  EXPECT_EQ(Audit(target), 0) << Log("audit.log");

  uint16_t port = 0;
  auto restored = StartRestored(target, &port);
  HttpClient c("127.0.0.1", port);
  const std::string clerk = Token(target, "clerk");
  Reply gone = Call(c, "GET", "/v1/residents/" + rid, clerk, "",
                    {{"X-Purpose", "identity_check"}});
  EXPECT_EQ(gone.status, 410) << gone.raw;
  Reply here = Call(c, "GET", "/v1/residents/" + kept, clerk, "",
                    {{"X-Purpose", "identity_check"}});
  EXPECT_EQ(here.status, 200) << here.raw;
  // The history says who erased them again, and why.
  const std::vector<json::object> events =
      AllEvents(c, Token(target, "auditor"));
  int erasures = 0;
  for (const json::object& e : events) {
    if (e.at("type").as_string() != "resident.erased") continue;
    ++erasures;
    EXPECT_EQ(e.at("payload").at("resident_id").as_string(), rid);
    EXPECT_EQ(e.at("payload").at("reason").as_string(), "request");
    EXPECT_EQ(e.at("actor").as_string(), "system:restore");
  }
  EXPECT_EQ(erasures, 1);
  EXPECT_TRUE(Stop(*restored));
}

TEST_F(BackupTest, AKilledBackupLeavesThePreviousOneRestorable) {
  for (uint64_t i = 0; i < 30; ++i) ASSERT_FALSE(Enroll("First", i).empty());
  ASSERT_EQ(Backup(), 0) << Log("backup.log");
  for (uint64_t i = 0; i < 30; ++i) ASSERT_FALSE(Enroll("Second", i).empty());
  ASSERT_TRUE(Stop(*ledger_));  // `cityid backup` then opens the DB itself
  const std::string stalled = dir_.Sub("stalled");
  Process backup({CityidBinary(), "backup", "--data", data_, "--to", dest_},
                 dir_.Sub("killed.log"),
                 {{"CITYID_TEST_BACKUP_STALL_FILE", stalled}});
  for (int i = 0; i < 300 && !fs::exists(stalled); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(fs::exists(stalled)) << Log("killed.log");
  backup.Signal(SIGKILL);
  backup.Wait(std::chrono::seconds(10));

  const std::vector<BackupMeta> backups = Backups(dest_);
  ASSERT_EQ(backups.size(), 1u) << "the partial backup must not count";
  EXPECT_EQ(backups[0].last_seq, 30u);
  const std::string target = dir_.Sub("restored");
  ASSERT_EQ(Restore(target), 0) << Log("restore.log");
  EXPECT_NE(Log("restore.log").find("(seq 1..30)"), std::string::npos)
      << Log("restore.log");
  EXPECT_EQ(Audit(target), 0) << Log("audit.log");
  // And the next backup works over the leftovers.
  ASSERT_EQ(Backup(), 0) << Log("backup.log");
  const std::vector<BackupMeta> after = Backups(dest_);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[1].last_seq, 60u);
}

TEST_F(BackupTest, ASecondBackupCopiesOnlyNewTableFiles) {
  for (uint64_t i = 0; i < 200; ++i) ASSERT_FALSE(Enroll("Many", i).empty());
  ASSERT_EQ(Backup(), 0) << Log("backup.log");
  const auto first = SharedTableFiles(dest_);
  uint64_t first_bytes = 0;
  for (const auto& [name, size] : first) first_bytes += size;
  ASSERT_FALSE(first.empty());

  for (uint64_t i = 0; i < 3; ++i) ASSERT_FALSE(Enroll("Few", i).empty());
  ASSERT_EQ(Backup(), 0) << Log("backup.log");
  const auto second = SharedTableFiles(dest_);
  uint64_t added_files = 0, added_bytes = 0;
  for (const auto& [name, size] : first) {
    ASSERT_EQ(second.count(name), 1u) << name << " was not kept";
    EXPECT_EQ(second.at(name), size) << name << " was rewritten";
  }
  for (const auto& [name, size] : second) {
    if (first.count(name) > 0) continue;
    ++added_files;
    added_bytes += size;
  }
  // Three enrollments touch a few column families: one small flushed table
  // each, nothing of the 200 before copied again.
  EXPECT_GT(added_files, 0u);
  EXPECT_LE(added_files, 12u);
  EXPECT_LT(added_bytes, first_bytes / 4);
  EXPECT_NE(
      Log("backup.log")
          .find("new this run: " + std::to_string(added_files) +
                " table files, " + std::to_string(added_bytes) + " bytes"),
      std::string::npos)
      << Log("backup.log");
  const std::vector<BackupMeta> backups = Backups(dest_);
  ASSERT_EQ(backups.size(), 2u);
  EXPECT_EQ(backups[1].last_seq, 203u);
}

TEST_F(BackupTest, TheBackupHoldsNoKeyBytes) {
  const std::string rid = Enroll("Keyed", 1);
  ASSERT_FALSE(rid.empty());
  ASSERT_EQ(Backup(), 0) << Log("backup.log");
  ASSERT_TRUE(Stop(*ledger_));
  ASSERT_EQ(Backup(), 0) << Log("backup.log");  // the offline path too
  // Control: the search finds what a backup does hold.
  auto bytes = InspectVaultEntry(data_, rid);
  ASSERT_TRUE(bytes.ok() && bytes->ciphertext);
  EXPECT_FALSE(FilesContaining(dest_, *bytes->ciphertext).empty());
  int key_files = 0;
  for (const auto& e : fs::directory_iterator(Keys(data_))) {
    if (!e.is_regular_file()) continue;
    const std::string key = ReadFile(e.path().string());
    ASSERT_GE(key.size(), 32u) << e.path();
    ++key_files;
    EXPECT_EQ(FilesContaining(dest_, key), std::vector<std::string>{})
        << e.path();
    // Raw keys are 32 bytes; text keys: look for their longest line too.
    std::string longest;
    std::istringstream lines(key);
    for (std::string line; std::getline(lines, line);)
      if (line.size() > longest.size()) longest = line;
    if (longest.size() >= 16) {
      EXPECT_EQ(FilesContaining(dest_, longest), std::vector<std::string>{})
          << e.path();
    }
  }
  EXPECT_GE(key_files, 2);  // at least the KEK and the blind-index key
  EXPECT_FALSE(fs::exists(dest_ + "/kek.key"));
}

}  // namespace
}  // namespace cityid::testing
