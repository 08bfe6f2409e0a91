// `cityid restore --kafka BOOTSTRAP --data DIR`: rebuilds a ledger's RocksDB
// log from the Kafka events topic (SPEC §1, §8; tools/ledger_restore.h), then
// its vault from the vault topic (ledger/kafka/kafka_vault.h) when the ledger's
// keys are in place.
//
// `cityid restore --from-backup DEST --data DIR [--backup-id N] [--force]`
// (SPEC §14): restores an embedded ledger's backup (tools/ledger_backup.h),
// then erases again every resident of the erasure journal
// (tools/erasure_replay.h).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "ledger/kafka/kafka_vault.h"
#include "ledger/vault/vault.h"
#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/erasure_journal.h"
#include "tools/erasure_replay.h"
#include "tools/event_sources.h"
#include "tools/ledger_backup.h"
#include "tools/ledger_restore.h"
#include "tools/logging.h"
#include "tools/service.h"

namespace cityid {
namespace {

struct RestoreFlags {
  CommonFlags common;
  bool vault_only = false;
  std::string from_backup;
  std::optional<uint32_t> backup_id;
  bool force = false;
  std::string journal;
  bool no_journal = false;
};

Result<RestoreOptions> RestoreOptionsFrom(const Config& config) {
  RestoreOptions o;
  if (config.GetString("kafka.bootstrap").empty())
    return InvalidArgument("restore reads Kafka: give --kafka BOOTSTRAP");
  CITYID_ASSIGN_OR_RETURN(o.kafka, KafkaOptionsFrom(config));
  o.data_dir = LayoutFor(config).data_dir;
  CITYID_ASSIGN_OR_RETURN(int64_t list_size, config.GetInt("status_list.size"));
  if (list_size < 131072)
    return InvalidArgument("status_list.size must be at least 131072");
  o.status_list_size = static_cast<uint32_t>(list_size);
  o.progress = [](uint64_t seq) { spdlog::info("restore: at seq {}", seq); };
  return o;
}

// The vault needs the ledger's KEK (to check each record and recompute its
// blind index): without the keys only the log is restored.
int RestoreVault(const Config& config, const RestoreOptions& options) {
  const DataLayout layout = LayoutFor(config);
  if (!std::filesystem::exists(layout.kek_file)) {
    std::cout << "vault not restored: no key-encryption key at "
              << layout.kek_file
              << "; put the ledger's keys back and run cityid restore "
                 "--vault-only with the same flags\n";
    return 0;
  }
  auto vault = Vault::Open(layout.kek_file, layout.blind_index_key);
  if (!vault.ok()) return Fail(vault.status());
  auto report = RestoreVaultFromKafka(options.kafka, options.data_dir, **vault);
  if (!report.ok()) return Fail(report.status());
  std::cout << "restored the vault of " << report->restored
            << " residents from " << options.kafka.VaultTopic() << " ("
            << report->missing << " live residents without a vault record, "
            << report->digest_mismatch << " records not matching their "
            << "pii_digest, " << report->erased_skipped
            << " records of erased residents skipped)\n";
  return 0;
}

// A progress line on a terminal (stderr) only.
void ShowProgress(const std::string& text) {
  if (::isatty(STDERR_FILENO) == 0) return;
  std::fprintf(stderr, "\r%-78s", text.c_str());
}
void ClearProgress() {
  if (::isatty(STDERR_FILENO) != 0) std::fprintf(stderr, "\r%78s\r", "");
}

int RestoreFromBackup(const RestoreFlags& flags, const Config& config) {
  RestoreRequest request;
  request.from = flags.from_backup;
  request.data_dir = LayoutFor(config).data_dir;
  request.backup_id = flags.backup_id;
  request.force = flags.force;
  // Checked first, so a wrong --journal touches nothing.
  const std::string journal = ErasureJournalPath(config);
  if (!flags.no_journal && !std::filesystem::exists(journal)) {
    return Fail(NotFound("no erasure journal at " + journal +
                         ": give the original ledger's with --journal "
                         "(default <its data>.erasures), or --no-journal if "
                         "it is lost"));
  }
  ShowProgress("restore: verifying and copying the backup ...");
  auto restored = RestoreLedgerBackup(request);
  ClearProgress();
  if (!restored.ok()) return Fail(restored.status());
  std::cout << "restored backup " << restored->backup_id << " (seq 1.."
            << restored->last_seq << ") from " << request.from << " into "
            << (std::filesystem::path(request.data_dir) / "ledger").string()
            << "\n";
  auto replay = ReplayErasureJournal(
      config, !flags.no_journal, [](uint64_t done, uint64_t all) {
        ShowProgress("restore: erasure journal " + std::to_string(done) + "/" +
                     std::to_string(all));
      });
  ClearProgress();
  if (!replay.ok()) {
    std::cout << "the erasure journal is NOT yet re-applied: serve nothing "
                 "from this directory before it is\n";
    return Fail(replay.status());
  }
  std::cout << "erasure journal " << journal << ": " << replay->journaled
            << " residents, " << replay->erased_again << " erased again, "
            << replay->already_erased << " already erased in the backup, "
            << replay->unknown << " enrolled after it; the ledger is at seq "
            << replay->last_seq << "\n";
  return 0;
}

int Run(const RestoreFlags& flags) {
  auto config = LoadConfig(flags.common, "");
  if (!config.ok()) return Fail(config.status());
  SetUpLogging("restore", config->GetString("log.level"));
  if (!flags.journal.empty()) config->Set("backup.journal", flags.journal);
  if (!flags.from_backup.empty()) return RestoreFromBackup(flags, *config);
  auto options = RestoreOptionsFrom(*config);
  if (!options.ok()) return Fail(options.status());
  if (flags.vault_only) return RestoreVault(*config, *options);
  auto report = RestoreLedgerFromKafka(*options);
  if (!report.ok()) return Fail(report.status());
  std::cout << "restored " << report->events << " events (seq 1.."
            << report->events << ") from " << options->kafka.EventsTopic()
            << " into "
            << (std::filesystem::path(options->data_dir) / "ledger").string()
            << ": " << report->residents << " residents, " << report->cards
            << " cards\n";
  return RestoreVault(*config, *options);
}

}  // namespace

void AddRestoreCommand(CLI::App* app) {
  auto flags = std::make_shared<RestoreFlags>();
  CLI::App* cmd = app->add_subcommand(
      "restore",
      "rebuild a ledger from the Kafka topics, or from a backup "
      "(--from-backup)");
  AddCommonFlags(cmd, &flags->common, /*with_port=*/false);
  cmd->add_flag("--vault-only", flags->vault_only,
                "only rebuild the vault of an already restored log");
  cmd->add_option("--from-backup", flags->from_backup,
                  "restore from this backup directory (cityid backup --to)");
  cmd->add_option("--backup-id", flags->backup_id,
                  "the backup to restore (default: the newest)");
  cmd->add_flag("--force", flags->force,
                "replace a non-empty data directory (tokens are kept)");
  cmd->add_option("--journal", flags->journal,
                  "the erasure journal to re-apply (default: backup.journal, "
                  "else <data>.erasures)");
  cmd->add_flag("--no-journal", flags->no_journal,
                "restore even though the erasure journal is missing (lost "
                "with the disk): erasures after the backup are NOT re-applied");
  cmd->callback([flags] { throw CLI::RuntimeError(Run(*flags)); });
}

}  // namespace cityid
