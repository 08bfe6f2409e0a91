#include "tools/backup_service.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <filesystem>

namespace cityid {
namespace {

constexpr char kStagingSubdir[] = "backup-staging";

}  // namespace

std::string BackupReportJson(const BackupReport& r) {
  boost::json::object o;
  o["backup_id"] = r.backup_id;
  o["last_seq"] = r.last_seq;
  o["size_bytes"] = r.size_bytes;
  o["files"] = r.files;
  o["files_added"] = r.files_added;
  o["bytes_added"] = r.bytes_added;
  o["pruned"] = r.pruned;
  o["kept"] = r.kept;
  return boost::json::serialize(o);
}

LedgerBackupService::LedgerBackupService(std::string data_dir, int keep_days)
    : data_dir_(std::move(data_dir)), keep_days_(keep_days) {}

Status LedgerBackupService::OnOpen(
    rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
    uint64_t last_seq) {
  std::lock_guard<std::mutex> lock(db_mu_);
  db_ = db;
  // A backup killed mid-way leaves its checkpoint: hard links that could
  // keep the table files of a resident erased since alive. Gone at start.
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(data_dir_) / kStagingSubdir,
                              ec);
  if (ec) {
    return Unavailable("cannot remove a stale backup checkpoint in " +
                       data_dir_ + ": " + ec.message());
  }
  return Status::Ok();
}

void LedgerBackupService::OnClose() {
  std::lock_guard<std::mutex> lock(db_mu_);  // waits for a running backup
  db_ = nullptr;
}

Result<BackupReport> LedgerBackupService::Backup(const std::string& to) {
  std::unique_lock<std::mutex> lock(db_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return Conflict("a backup is already running");
  if (db_ == nullptr) return Unavailable("the ledger is not open");
  if (gate_) CITYID_RETURN_IF_ERROR(gate_(0));
  BackupRequest request;
  request.to = to;
  request.staging_dir =
      (std::filesystem::path(data_dir_) / kStagingSubdir).string();
  request.keep_days = keep_days_;
  spdlog::info("backup: starting into {}", to);
  Result<BackupReport> report = BackupLedgerDb(db_, request);
  if (!report.ok()) {
    spdlog::error("backup: failed: {}", report.status().ToString());
    return report;
  }
  spdlog::info(
      "backup: {} at seq {} in {} ({} new files, {} new bytes, {} pruned)",
      report->backup_id, report->last_seq, to, report->files_added,
      report->bytes_added, report->pruned);
  return report;
}

BackupRunner LedgerBackupService::Runner() {
  return [this](const std::string& to) -> Result<std::string> {
    CITYID_ASSIGN_OR_RETURN(BackupReport report, Backup(to));
    return BackupReportJson(report);
  };
}

}  // namespace cityid
