// `cityid restore --kafka BOOTSTRAP --data DIR`: rebuilds a ledger's RocksDB
// log from the Kafka events topic (SPEC §1, §8; tools/ledger_restore.h), then
// its vault from the vault topic (ledger/kafka/kafka_vault.h) when the ledger's
// keys are in place.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "ledger/kafka/kafka_vault.h"
#include "ledger/vault/vault.h"
#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/event_sources.h"
#include "tools/ledger_restore.h"
#include "tools/logging.h"
#include "tools/service.h"

namespace cityid {
namespace {

struct RestoreFlags {
  CommonFlags common;
  bool vault_only = false;
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

int Run(const RestoreFlags& flags) {
  auto config = LoadConfig(flags.common, "");
  if (!config.ok()) return Fail(config.status());
  SetUpLogging("restore", config->GetString("log.level"));
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
      "rebuild a ledger's RocksDB log (and vault) from the Kafka topics");
  AddCommonFlags(cmd, &flags->common, /*with_port=*/false);
  cmd->add_flag("--vault-only", flags->vault_only,
                "only rebuild the vault of an already restored log");
  cmd->callback([flags] { throw CLI::RuntimeError(Run(*flags)); });
}

}  // namespace cityid
