// `cityid restore --kafka BOOTSTRAP --data DIR`: rebuilds a ledger's RocksDB
// log from the Kafka events topic (SPEC §1, §8; tools/ledger_restore.h).
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/event_sources.h"
#include "tools/ledger_restore.h"
#include "tools/logging.h"
#include "tools/service.h"

namespace cityid {
namespace {

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

int Run(const CommonFlags& flags) {
  auto config = LoadConfig(flags, "");
  if (!config.ok()) return Fail(config.status());
  SetUpLogging("restore", config->GetString("log.level"));
  auto options = RestoreOptionsFrom(*config);
  if (!options.ok()) return Fail(options.status());
  auto report = RestoreLedgerFromKafka(*options);
  if (!report.ok()) return Fail(report.status());
  std::cout << "restored " << report->events << " events (seq 1.."
            << report->events << ") from " << options->kafka.EventsTopic()
            << " into "
            << (std::filesystem::path(options->data_dir) / "ledger").string()
            << ": " << report->residents << " residents, " << report->cards
            << " cards\n"
            << "not in Kafka, so not restored: the vault (PII) and "
               "idempotency records; put the original keys/ directory back "
               "before starting the ledger\n";
  return 0;
}

}  // namespace

void AddRestoreCommand(CLI::App* app) {
  auto flags = std::make_shared<CommonFlags>();
  CLI::App* cmd = app->add_subcommand(
      "restore", "rebuild a ledger's RocksDB log from the Kafka events topic");
  AddCommonFlags(cmd, flags.get(), /*with_port=*/false);
  cmd->callback([flags] { throw CLI::RuntimeError(Run(*flags)); });
}

}  // namespace cityid
