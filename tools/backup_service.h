// The running ledger's side of `cityid backup` (SPEC §14): RocksDB lets one
// process open a DB, so the backup of a serving ledger is taken inside it,
// on its open DB, behind POST /v1/admin/backups (api/backup_routes.h), whose
// 200 body is BackupReportJson:
//   {"backup_id", "last_seq", "size_bytes", "files", "files_added",
//    "bytes_added", "pruned", "kept"}                (tools/ledger_backup.h)
//
// LedgerBackupService is a LogExtension without column families: it only
// borrows the DB handle between OnOpen and OnClose. OnOpen removes the
// checkpoint a killed backup left in <data>/backup-staging (its hard links
// could keep erased residents' table files alive).
//
// Threading: Backup may be called from any thread, one at a time (kConflict
// otherwise). OnClose waits for a running backup to finish, so the DB never
// closes under it.
#ifndef CITYID_TOOLS_BACKUP_SERVICE_H_
#define CITYID_TOOLS_BACKUP_SERVICE_H_

#include <mutex>
#include <string>
#include <vector>

#include "api/backup_routes.h"
#include "ledger/rocksdb_log.h"
#include "tools/ledger_backup.h"

namespace cityid {

class LedgerBackupService final : public LogExtension {
 public:
  // `data_dir`: the ledger's (the checkpoint is staged beside its DB);
  // `keep_days`: backup.keep_days.
  LedgerBackupService(std::string data_dir, int keep_days);

  // Takes one backup of the open DB into `to`. kUnavailable before OnOpen or
  // after OnClose, or below the free-space floor; kConflict while another
  // backup runs; else BackupLedgerDb's outcomes.
  Result<BackupReport> Backup(const std::string& to);

  // The route's runner (api/backup_routes.h): Backup as JSON.
  BackupRunner Runner();

  // LogExtension.
  std::vector<std::string> ColumnFamilies() const override { return {}; }
  void SetWriteGate(WriteGate gate) override { gate_ = std::move(gate); }
  Status OnOpen(rocksdb::DB* db,
                const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                uint64_t last_seq) override;
  Status AddToBatch(const std::vector<StoredEvent>& events,
                    rocksdb::WriteBatch& batch) override {
    return Status::Ok();
  }
  void OnBatchDone(bool durable) override {}
  void OnClose() override;

 private:
  const std::string data_dir_;
  const int keep_days_;
  WriteGate gate_;
  std::mutex db_mu_;  // guards db_; held for a whole backup
  rocksdb::DB* db_ = nullptr;
};

// The JSON body of a BackupReport (the route's 200 answer).
std::string BackupReportJson(const BackupReport& report);

}  // namespace cityid

#endif  // CITYID_TOOLS_BACKUP_SERVICE_H_
