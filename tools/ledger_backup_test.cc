// BackupLedgerDb / RestoreLedgerBackup on a small real RocksDB: the recorded
// seq, keep_days pruning, and the restore's refusals.
#include "tools/ledger_backup.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "ledger/rocksdb_log.h"

namespace cityid {
namespace {

namespace fs = std::filesystem;

class LedgerBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ledger_backup_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directories(dir_ + "/var");
    auto log = RocksLog::Open(dir_ + "/var/ledger", {});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
  }
  void TearDown() override {
    log_.reset();
    fs::remove_all(dir_);
  }

  void AppendEvents(uint64_t from, uint64_t to) {
    rocksdb::WriteBatch wb;
    for (uint64_t seq = from; seq <= to; ++seq) {
      ASSERT_TRUE(wb.Put(log_->handle(Cf::kEvents), BigEndian64(seq),
                         "event-" + std::to_string(seq))
                      .ok());
    }
    ASSERT_TRUE(log_->Write(wb).ok());
  }

  Result<BackupReport> Backup(int64_t now = 0) {
    BackupRequest request;
    request.to = dir_ + "/backups";
    request.staging_dir = dir_ + "/var/backup-staging";
    request.now_unix_seconds = now;
    return BackupLedgerDb(log_->db(), request);
  }

  // A restore of `from` into `to`; the newest backup unless `id`.
  Result<RestoredBackup> Restore(const std::string& from, const std::string& to,
                                 std::optional<uint32_t> id = std::nullopt,
                                 bool force = false) {
    RestoreRequest request;
    request.from = dir_ + from;
    request.data_dir = dir_ + to;
    request.backup_id = id;
    request.force = force;
    return RestoreLedgerBackup(request);
  }

  std::string dir_;
  std::unique_ptr<RocksLog> log_;
};

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(LedgerBackupTest, RecordsTheLastSeqAndRestoresIt) {
  AppendEvents(1, 7);
  auto report = Backup();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->backup_id, 1u);
  EXPECT_EQ(report->last_seq, 7u);
  EXPECT_GT(report->files_added, 0u);
  EXPECT_FALSE(fs::exists(dir_ + "/var/backup-staging"));
  AppendEvents(8, 9);  // after the backup: not in it

  auto restored = Restore("/backups", "/r");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->last_seq, 7u);
  auto back = RocksLog::Open(dir_ + "/r/ledger", {});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->LastEventSeq().value(), 7u);
}

TEST_F(LedgerBackupTest, KeepDaysPrunesOlderBackupsButNeverTheNewest) {
  AppendEvents(1, 3);
  ASSERT_TRUE(Backup().ok());
  AppendEvents(4, 5);
  auto second = Backup();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->pruned, 0u);
  EXPECT_EQ(second->kept, 2u);
  // 36 days on, with the default 35: both earlier backups go.
  AppendEvents(6, 6);
  auto later = Backup(Now() + 36 * 86400);
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  EXPECT_EQ(later->pruned, 2u);
  EXPECT_EQ(later->kept, 1u);
  auto old = Restore("/backups", "/r", 1u);
  EXPECT_EQ(old.status().code(), Code::kNotFound);
  auto newest = Restore("/backups", "/r");
  ASSERT_TRUE(newest.ok()) << newest.status().ToString();
  EXPECT_EQ(newest->last_seq, 6u);
}

TEST_F(LedgerBackupTest, RestoreRefusesANonEmptyDirectoryUnlessForced) {
  AppendEvents(1, 2);
  ASSERT_TRUE(Backup().ok());
  fs::create_directories(dir_ + "/r/registry");
  std::ofstream(dir_ + "/r/tokens.json") << "{}";
  auto refused = Restore("/backups", "/r");
  EXPECT_EQ(refused.status().code(), Code::kConflict);
  EXPECT_TRUE(fs::exists(dir_ + "/r/registry"));
  auto forced = Restore("/backups", "/r", std::nullopt, /*force=*/true);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_FALSE(fs::exists(dir_ + "/r/registry"));  // projections rebuild
  EXPECT_TRUE(fs::exists(dir_ + "/r/tokens.json"));
  EXPECT_TRUE(fs::exists(dir_ + "/r/ledger"));
}

TEST_F(LedgerBackupTest, NoBackupIsNotFound) {
  fs::create_directories(dir_ + "/empty");
  auto r = Restore("/empty", "/r");
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(BackupLastSeq(R"({"last_seq":42})"), 42u);
  EXPECT_EQ(BackupLastSeq("not json"), 0u);
}

}  // namespace
}  // namespace cityid
