#include "tools/ledger_backup.h"

#include <rocksdb/utilities/backup_engine.h>
#include <rocksdb/utilities/checkpoint.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "ledger/rocksdb_log.h"

namespace cityid {
namespace fs = std::filesystem;
namespace {

constexpr char kLedgerSubdir[] = "ledger";
constexpr uint64_t kProgressInterval = 1 << 20;
// Named fault-injection point (tests/backup_test.cc): when set, the first
// progress report of a backup creates this file and stalls, so a test can
// kill -9 the process in the middle of copying.
constexpr char kTestStallEnv[] = "CITYID_TEST_BACKUP_STALL_FILE";

Status FromIo(const rocksdb::Status& s, std::string_view what) {
  return FromRocksStatus(s, what);
}

// Table and blob files the backup directory holds, by relative name.
std::map<std::string, uint64_t> SharedFiles(const std::string& dir) {
  std::map<std::string, uint64_t> files;
  for (const char* sub : {"shared_checksum", "shared"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(dir) / sub, ec)) {
      if (e.is_regular_file(ec))
        files[std::string(sub) + "/" + e.path().filename().string()] =
            e.file_size(ec);
    }
  }
  return files;
}

rocksdb::BackupEngineOptions EngineOptions(const std::string& dir) {
  rocksdb::BackupEngineOptions o(dir);
  o.share_table_files = true;
  o.share_files_with_checksum = true;
  o.sync = true;
  o.callback_trigger_interval_size =
      std::getenv(kTestStallEnv) != nullptr ? 1 : kProgressInterval;
  return o;
}

// Every column family of the DB at `path`, opened without compactions: a
// checkpoint (or a stopped ledger) must not rewrite its table files, or the
// next backup would copy them again.
Result<std::unique_ptr<rocksdb::DB>> OpenAllFamilies(
    const std::string& path,
    std::vector<rocksdb::ColumnFamilyHandle*>* handles) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = false;
  db_options.avoid_flush_during_recovery = true;
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, path, &names);
  if (!s.ok()) return FromIo(s, "cannot open " + path);
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.disable_auto_compactions = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names)
    descriptors.emplace_back(name, cf_options);
  rocksdb::DB* db = nullptr;
  s = rocksdb::DB::Open(db_options, path, descriptors, handles, &db);
  if (!s.ok()) return FromIo(s, "cannot open " + path);
  return std::unique_ptr<rocksdb::DB>(db);
}

void CloseAllFamilies(rocksdb::DB* db,
                      std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  for (auto* h : handles)
    db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  handles.clear();
}

Result<uint64_t> LastEventSeq(
    rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  for (auto* h : handles) {
    if (h->GetName() != "events") continue;
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), h));
    it->SeekToLast();
    if (!it->status().ok()) return FromIo(it->status(), "reading events");
    return it->Valid() ? ReadBigEndian64(it->key().ToStringView()) : 0;
  }
  return Corruption("the DB has no events column family");
}

// A consistent cut of the live DB at `dir` (removed first if a killed run
// left it).
Status MakeCheckpoint(rocksdb::DB* db, const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db, &raw);
  if (!s.ok()) return FromIo(s, "checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return FromIo(checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0),
                "checkpoint into " + dir);
}

std::string Metadata(uint64_t last_seq) {
  boost::json::object o;
  o["last_seq"] = last_seq;
  o["format"] = "cityid-ledger-backup-1";
  return boost::json::serialize(o);
}

std::function<void()> ProgressCallback(const BackupRequest& request) {
  auto copied = std::make_shared<uint64_t>(0);
  const char* stall = std::getenv(kTestStallEnv);
  const std::string stall_file = stall != nullptr ? stall : "";
  const uint64_t step = stall != nullptr ? 1 : kProgressInterval;
  return [copied, step, stall_file, progress = request.progress] {
    *copied += step;
    if (progress) progress(*copied);
    if (!stall_file.empty()) {
      FILE* f = std::fopen(stall_file.c_str(), "w");
      if (f != nullptr) std::fclose(f);
      std::this_thread::sleep_for(std::chrono::seconds(120));
    }
  };
}

// Deletes backups older than keep_days, never the newest; returns how many.
Result<uint32_t> Prune(rocksdb::BackupEngine& engine, int keep_days,
                       int64_t now) {
  if (keep_days <= 0) return 0u;
  std::vector<rocksdb::BackupInfo> infos;
  engine.GetBackupInfo(&infos);
  uint32_t pruned = 0;
  const int64_t cutoff = now - static_cast<int64_t>(keep_days) * 86400;
  for (size_t i = 0; i + 1 < infos.size(); ++i) {
    if (infos[i].timestamp >= cutoff) continue;
    rocksdb::IOStatus s = engine.DeleteBackup(infos[i].backup_id);
    if (!s.ok()) return FromIo(s, "deleting an old backup");
    ++pruned;
  }
  if (pruned > 0) {
    rocksdb::IOStatus s = engine.GarbageCollect();
    if (!s.ok()) return FromIo(s, "collecting unused backup files");
  }
  return pruned;
}

Result<BackupReport> BackUpCheckpoint(const std::string& checkpoint,
                                      const BackupRequest& request) {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::DB> db,
                          OpenAllFamilies(checkpoint, &handles));
  BackupReport report;
  Result<uint64_t> seq = LastEventSeq(db.get(), handles);
  if (!seq.ok()) {
    CloseAllFamilies(db.get(), handles);
    return seq.status();
  }
  report.last_seq = *seq;
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngine::Open(
      EngineOptions(request.to), rocksdb::Env::Default(), &raw);
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  const auto before = SharedFiles(request.to);
  if (s.ok()) {
    rocksdb::CreateBackupOptions options;
    options.flush_before_backup = false;  // the checkpoint was flushed
    options.progress_callback = ProgressCallback(request);
    rocksdb::BackupID id = 0;
    s = engine->CreateNewBackupWithMetadata(options, db.get(),
                                            Metadata(report.last_seq), &id);
    report.backup_id = id;
  }
  CloseAllFamilies(db.get(), handles);
  db.reset();
  if (!s.ok()) return FromIo(s, "backup into " + request.to);
  for (const auto& [name, size] : SharedFiles(request.to)) {
    if (before.count(name) > 0) continue;
    ++report.files_added;
    report.bytes_added += size;
  }
  const int64_t now =
      request.now_unix_seconds != 0
          ? request.now_unix_seconds
          : std::chrono::duration_cast<std::chrono::seconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  CITYID_ASSIGN_OR_RETURN(report.pruned,
                          Prune(*engine, request.keep_days, now));
  rocksdb::BackupInfo info;
  if (engine->GetBackupInfo(report.backup_id, &info).ok()) {
    report.size_bytes = info.size;
    report.files = info.number_files;
  }
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  report.kept = static_cast<uint32_t>(infos.size());
  return report;
}

bool IsEmptyDir(const std::string& dir) {
  std::error_code ec;
  return !fs::exists(dir, ec) || fs::is_empty(dir, ec);
}

// Everything in data_dir but the token files goes (restore --force).
Status ClearDataDir(const std::string& data_dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name == "tokens.json" || name == "auth.json") continue;
    fs::remove_all(e.path(), ec);
    if (ec) return Unavailable("cannot remove " + e.path().string());
  }
  return Status::Ok();
}

Result<rocksdb::BackupInfo> ChooseBackup(
    const rocksdb::BackupEngineReadOnly& engine,
    const RestoreRequest& request) {
  std::vector<rocksdb::BackupInfo> infos;
  engine.GetBackupInfo(&infos);
  if (infos.empty()) return NotFound("no backup in " + request.from);
  if (!request.backup_id) return infos.back();
  for (const auto& info : infos) {
    if (info.backup_id == *request.backup_id) return info;
  }
  return NotFound("no backup " + std::to_string(*request.backup_id) + " in " +
                  request.from);
}

}  // namespace

uint64_t BackupLastSeq(const std::string& app_metadata) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(app_metadata, ec);
  if (ec || !v.is_object()) return 0;
  const auto* seq = v.as_object().if_contains("last_seq");
  if (seq == nullptr) return 0;
  auto n = seq->to_number<uint64_t>(ec);
  return ec ? 0 : n;
}

Result<BackupReport> BackupLedgerDb(rocksdb::DB* db,
                                    const BackupRequest& request) {
  if (request.to.empty()) return InvalidArgument("no backup directory");
  if (request.staging_dir.empty())
    return InvalidArgument("no staging directory");
  std::error_code ec;
  fs::create_directories(request.to, ec);
  if (ec) return Unavailable("cannot create " + request.to);
  CITYID_RETURN_IF_ERROR(MakeCheckpoint(db, request.staging_dir));
  Result<BackupReport> report = BackUpCheckpoint(request.staging_dir, request);
  fs::remove_all(request.staging_dir, ec);
  return report;
}

Result<std::unique_ptr<rocksdb::DB>> OpenLedgerDbForBackup(
    const std::string& data_dir,
    std::vector<rocksdb::ColumnFamilyHandle*>* handles) {
  const std::string path = (fs::path(data_dir) / kLedgerSubdir).string();
  if (!fs::exists(path)) return NotFound("no ledger at " + path);
  return OpenAllFamilies(path, handles);
}

Result<RestoredBackup> RestoreLedgerBackup(const RestoreRequest& request) {
  if (!IsEmptyDir(request.data_dir) && !request.force)
    return Conflict(request.data_dir +
                    " is not empty: restore into an empty directory, or "
                    "give --force to replace it");
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngineReadOnly::Open(
      EngineOptions(request.from), rocksdb::Env::Default(), &raw);
  if (!s.ok()) return FromIo(s, "cannot open backups in " + request.from);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  CITYID_ASSIGN_OR_RETURN(rocksdb::BackupInfo info,
                          ChooseBackup(*engine, request));
  s = engine->VerifyBackup(info.backup_id, /*verify_with_checksum=*/true);
  if (!s.ok()) {
    return Corruption("backup " + std::to_string(info.backup_id) +
                      " fails verification: " + s.ToString());
  }
  std::error_code ec;
  fs::create_directories(request.data_dir, ec);
  if (ec) return Unavailable("cannot create " + request.data_dir);
  CITYID_RETURN_IF_ERROR(ClearDataDir(request.data_dir));
  const std::string db_dir =
      (fs::path(request.data_dir) / kLedgerSubdir).string();
  s = engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), info.backup_id,
                                  db_dir, db_dir);
  if (!s.ok()) return FromIo(s, "restore into " + db_dir);
  return RestoredBackup{info.backup_id, BackupLastSeq(info.app_metadata),
                        info.timestamp};
}

}  // namespace cityid
