// `cityid backup --data DIR --to DEST`: an online, consistent, incremental
// backup of an embedded ledger (SPEC §14, tools/ledger_backup.h).
//
// A ledger serving DIR holds its DB's lock, so the backup is taken by it:
// this command first tries to open DIR's DB itself; when the DB is locked it
// asks the running ledger (POST /v1/admin/backups at --ledger, default
// ledger.url, with the admin token from DIR/tokens.json or --token). Opening
// first means a ledger of another data directory on that URL is never asked.
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "base/http_client.h"
#include "tools/backup_service.h"
#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/event_sources.h"
#include "tools/ledger_backup.h"
#include "tools/logging.h"
#include "tools/service.h"

namespace cityid {
namespace {

constexpr Micros kBackupTimeout = 6 * 3600 * kMicrosPerSecond;

struct BackupFlags {
  CommonFlags common;
  std::string to;
  std::string ledger_url;
  std::string token;
};

// One progress line on a terminal (stderr), nothing otherwise.
class ProgressLine {
 public:
  ProgressLine() : enabled_(::isatty(STDERR_FILENO) != 0) {}
  void Show(const std::string& text) {
    if (!enabled_) return;
    std::fprintf(stderr, "\r%-78s", text.c_str());
    drawn_ = true;
  }
  void Clear() {
    if (drawn_) std::fprintf(stderr, "\r%78s\r", "");
    drawn_ = false;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
};

Result<BackupReport> BackupOffline(rocksdb::DB* db, const Config& config,
                                   const std::string& to, ProgressLine& line) {
  CITYID_ASSIGN_OR_RETURN(int64_t keep_days, config.GetInt("backup.keep_days"));
  BackupRequest request;
  request.to = to;
  request.staging_dir =
      (std::filesystem::path(LayoutFor(config).data_dir) / "backup-staging")
          .string();
  request.keep_days = static_cast<int>(keep_days);
  request.progress = [&line](uint64_t bytes) {
    line.Show("backup: " + std::to_string(bytes >> 20) + " MiB copied");
  };
  return BackupLedgerDb(db, request);
}

Result<BackupReport> ReportFromJson(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return Malformed("the ledger's answer is not JSON");
  const boost::json::object& o = v.as_object();
  auto num = [&](const char* key) -> uint64_t {
    const auto* x = o.if_contains(key);
    if (x == nullptr) return 0;
    boost::system::error_code e;
    uint64_t n = x->to_number<uint64_t>(e);
    return e ? 0 : n;
  };
  BackupReport r;
  r.backup_id = static_cast<uint32_t>(num("backup_id"));
  r.last_seq = num("last_seq");
  r.size_bytes = num("size_bytes");
  r.files = static_cast<uint32_t>(num("files"));
  r.files_added = num("files_added");
  r.bytes_added = num("bytes_added");
  r.pruned = static_cast<uint32_t>(num("pruned"));
  r.kept = static_cast<uint32_t>(num("kept"));
  return r;
}

Result<BackupReport> BackupThroughLedger(const BackupFlags& flags,
                                         const Config& config,
                                         const std::string& to,
                                         ProgressLine& line) {
  const std::string url = flags.ledger_url.empty()
                              ? config.GetString("ledger.url")
                              : flags.ledger_url;
  std::string host;
  uint16_t port = 0;
  CITYID_RETURN_IF_ERROR(ParseHttpUrl(url, &host, &port));
  std::string token = flags.token;
  if (token.empty()) {
    CITYID_ASSIGN_OR_RETURN(
        token, ReadRoleToken(LayoutFor(config).tokens_file, "admin"));
  }
  line.Show("backup: the ledger at " + url + " is copying ...");
  HttpClient client(host, port);
  boost::json::object body;
  body["to"] = to;
  CITYID_ASSIGN_OR_RETURN(
      HttpResponse response,
      client.Post("/v1/admin/backups", boost::json::serialize(body),
                  {{"Authorization", "Bearer " + token},
                   {"Content-Type", "application/json"}},
                  kBackupTimeout));
  if (response.status != 200) {
    return Unavailable("the ledger at " + url + " answered " +
                       std::to_string(response.status) + ": " + response.body);
  }
  return ReportFromJson(response.body);
}

Result<BackupReport> TakeBackup(const BackupFlags& flags, const Config& config,
                                ProgressLine& line) {
  const std::string to = std::filesystem::absolute(flags.to).string();
  const DataLayout layout = LayoutFor(config);
  if (IsInsideDirectory(to, layout.data_dir))
    return InvalidArgument("--to must lie outside the data directory");
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  auto db = OpenLedgerDbForBackup(layout.data_dir, &handles);
  if (db.ok()) {
    Result<BackupReport> report = BackupOffline(db->get(), config, to, line);
    for (auto* h : handles)
      (*db)->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    return report;
  }
  if (db.status().code() != Code::kUnavailable) return db.status();
  // Locked: a ledger serves this directory.
  Result<BackupReport> report = BackupThroughLedger(flags, config, to, line);
  if (report.ok() || report.status().code() != Code::kUnavailable)
    return report;
  return Unavailable("cannot open the DB (" + db.status().message() +
                     ") nor ask its ledger (" + report.status().message() +
                     ")");
}

int Run(const BackupFlags& flags) {
  auto config = LoadConfig(flags.common, "");
  if (!config.ok()) return Fail(config.status());
  SetUpLogging("backup", config->GetString("log.level"));
  ProgressLine line;
  auto report = TakeBackup(flags, *config, line);
  line.Clear();
  if (!report.ok()) return Fail(report.status());
  std::cout << "backup " << report->backup_id << " of seq 1.."
            << report->last_seq << " in " << flags.to << ": " << report->files
            << " files, " << report->size_bytes
            << " bytes; new this run: " << report->files_added
            << " table files, " << report->bytes_added << " bytes; pruned "
            << report->pruned << ", " << report->kept << " kept\n";
  return 0;
}

}  // namespace

void AddBackupCommand(CLI::App* app) {
  auto flags = std::make_shared<BackupFlags>();
  CLI::App* cmd = app->add_subcommand(
      "backup", "an online, incremental backup of an embedded ledger");
  AddCommonFlags(cmd, &flags->common, /*with_port=*/false);
  cmd->add_option("--to", flags->to, "the backup directory (DEST)")->required();
  cmd->add_option("--ledger", flags->ledger_url,
                  "the running ledger's URL (default: ledger.url)");
  cmd->add_option("--token", flags->token,
                  "an admin token (default: DIR/tokens.json)");
  cmd->callback([flags] { throw CLI::RuntimeError(Run(*flags)); });
}

}  // namespace cityid
