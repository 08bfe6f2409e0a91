// `cityid ledger`: the command service (SPEC §1, §3). Embedded mode by
// default; Kafka mode when kafka.bootstrap is set (tools/kafka_ledger.h).
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <mutex>
#include <type_traits>

#include "api/ledger_routes.h"
#include "api/ledger_write_metrics.h"
#include "api/metrics.h"
#include "api/router.h"
#include "ledger/ledger.h"
#include "tools/backup_service.h"
#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/erasure_journal.h"
#include "tools/event_sources.h"
#include "tools/kafka_ledger.h"
#include "tools/ledger_integrity.h"
#include "tools/ledger_options.h"
#include "tools/logging.h"
#include "tools/policy_config.h"
#include "tools/service.h"

namespace cityid {

Result<LedgerOptions> LedgerOptionsFrom(const Config& config) {
  const DataLayout layout = LayoutFor(config);
  LedgerOptions o;
  o.data_dir = layout.data_dir;
  o.kek_file = layout.kek_file;
  o.blind_index_key_file = layout.blind_index_key;
  o.pii_fields = config.GetList("privacy.pii_fields");
  CITYID_ASSIGN_OR_RETURN(o.policy, PolicyFromConfig(config));
  CITYID_ASSIGN_OR_RETURN(int64_t standard,
                          config.GetInt("card.standard_days"));
  CITYID_ASSIGN_OR_RETURN(int64_t youth, config.GetInt("card.youth_days"));
  CITYID_ASSIGN_OR_RETURN(int64_t senior, config.GetInt("card.senior_days"));
  CITYID_ASSIGN_OR_RETURN(int64_t grace, config.GetInt("card.grace_days"));
  o.cards = CardPolicy{static_cast<int>(standard), static_cast<int>(youth),
                       static_cast<int>(senior), static_cast<int>(grace)};
  CITYID_ASSIGN_OR_RETURN(int64_t list_size, config.GetInt("status_list.size"));
  if (list_size < 131072)
    return InvalidArgument("status_list.size must be at least 131072");
  o.status_list_size = static_cast<uint32_t>(list_size);
  // Retention (privacy, SPEC §6): 0 days = off.
  CITYID_ASSIGN_OR_RETURN(int64_t retention, config.GetInt("retention.days"));
  CITYID_ASSIGN_OR_RETURN(int64_t sweep_s,
                          config.GetInt("retention.sweep_interval_s"));
  if (retention < 0 || retention > 36500 || sweep_s < 0)
    return InvalidArgument(
        "retention.days must be 0-36500, "
        "retention.sweep_interval_s >= 0");
  o.retention_days = static_cast<int>(retention);
  o.retention_sweep_interval = sweep_s * kMicrosPerSecond;
  // Free-space floor (ledger/free_space.h).
  CITYID_ASSIGN_OR_RETURN(int64_t min_free,
                          config.GetInt("ledger.min_free_bytes"));
  if (min_free < 0)
    return InvalidArgument("ledger.min_free_bytes must be >= 0");
  o.min_free_bytes = static_cast<uint64_t>(min_free);
  // Reads (ledger/rocksdb_log.h RocksLogOptions).
  CITYID_ASSIGN_OR_RETURN(int64_t cache_mb,
                          config.GetInt("ledger.block_cache_mb"));
  if (cache_mb < 1 || cache_mb > 65536)
    return InvalidArgument("ledger.block_cache_mb must be 1-65536");
  o.storage.block_cache_bytes = static_cast<size_t>(cache_mb) << 20;
  return o;
}

namespace {

// Kafka mode settings: the shared kafka.* keys (tools/event_sources.h) plus
// the ledger's own timeouts and reconciliation depth (docs/KAFKA.md).
Result<KafkaLedgerOptions> KafkaLedgerOptionsFrom(const Config& config) {
  KafkaLedgerOptions o;
  CITYID_ASSIGN_OR_RETURN(o.kafka, KafkaOptionsFrom(config));
  auto int_key = [&](const std::string& key, auto* out) -> Status {
    if (!config.Has(key)) return Status::Ok();
    CITYID_ASSIGN_OR_RETURN(int64_t v, config.GetInt(key));
    if (v <= 0) return InvalidArgument(key + " must be positive");
    *out = static_cast<std::remove_pointer_t<decltype(out)>>(v);
    return Status::Ok();
  };
  CITYID_RETURN_IF_ERROR(
      int_key("kafka.commit_timeout_ms", &o.kafka.commit_timeout_ms));
  CITYID_RETURN_IF_ERROR(
      int_key("kafka.request_timeout_ms", &o.kafka.request_timeout_ms));
  CITYID_RETURN_IF_ERROR(
      int_key("kafka.transaction_timeout_ms", &o.kafka.transaction_timeout_ms));
  CITYID_RETURN_IF_ERROR(int_key("kafka.max_events_per_transaction",
                                 &o.kafka.max_events_per_transaction));
  CITYID_RETURN_IF_ERROR(
      int_key("kafka.reconcile_compare", &o.reconcile_compare));
  if (config.Has("kafka.transactional_id_prefix"))
    o.kafka.transactional_id_prefix =
        config.GetString("kafka.transactional_id_prefix");
  if (config.Has("kafka.ce_source"))
    o.kafka.ce_source = config.GetString("kafka.ce_source");
  return o;
}

// Set by the Kafka keeper when the ledger must not run (a topic that would
// drop history); the main thread then stops and exits with it.
std::mutex g_fatal_mu;
Status g_fatal;

Status FatalStatus() {
  std::lock_guard<std::mutex> lock(g_fatal_mu);
  return g_fatal;
}

Result<std::unique_ptr<Ledger>> OpenLedger(const Config& config,
                                           const LedgerOptions& options) {
  if (config.GetString("kafka.bootstrap").empty()) return Ledger::Open(options);
  CITYID_ASSIGN_OR_RETURN(KafkaLedgerOptions kafka,
                          KafkaLedgerOptionsFrom(config));
  kafka.on_fatal = [](const Status& s) {
    {
      std::lock_guard<std::mutex> lock(g_fatal_mu);
      g_fatal = s;
    }
    kill(getpid(), SIGTERM);  // WaitForTerminationSignal returns
  };
  spdlog::info(
      "ledger: Kafka mode, bootstrap {}, topic {}, transactional.id {}",
      kafka.kafka.bootstrap, kafka.kafka.EventsTopic(),
      kafka.kafka.TransactionalId());
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<KafkaLedger> ledger,
                          KafkaLedger::Open(options, std::move(kafka)));
  return std::unique_ptr<Ledger>(std::move(ledger));
}

int Run(const CommonFlags& flags) {
  BlockTerminationSignals();
  auto config = LoadConfig(flags, "ledger.port");
  if (!config.ok()) return Fail(config.status());
  SetUpLogging("ledger", config->GetString("log.level"));
  bool created = false;
  if (Status s = BootstrapDataDir(LayoutFor(*config), &created); !s.ok())
    return Fail(s);
  auto options = LedgerOptionsFrom(*config);
  if (!options.ok()) return Fail(options.status());
  spdlog::info("ledger: {}", DescribePolicy(options->policy));
  auto integrity = LedgerIntegrity::Create(*config);  // Merkle log, checkpoints
  if (!integrity.ok()) return Fail(integrity.status());
  options->extensions.push_back(integrity->get());
  // Group-commit metrics (api/ledger_write_metrics.h); both outlive the
  // ledger, which is declared after them.
  Metrics metrics;
  LedgerWriteMetrics write_metrics(metrics);
  options->extensions.push_back(&write_metrics);
  // Backups and the erasure journal (SPEC §14, tools/backup_service.h).
  auto keep_days = config->GetInt("backup.keep_days");
  if (!keep_days.ok()) return Fail(keep_days.status());
  LedgerBackupService backups(options->data_dir, static_cast<int>(*keep_days));
  options->extensions.push_back(&backups);
  ErasureJournal journal(ErasureJournalPath(*config));
  if (IsInsideDirectory(journal.path(), options->data_dir))
    return Fail(
        InvalidArgument("backup.journal must lie outside the data "
                        "directory, or backups would carry it"));
  if (Status s = journal.CreateIfMissing(); !s.ok()) return Fail(s);
  options->on_erased = [&journal](const std::vector<std::string>& ids) {
    return journal.Append(ids);
  };
  auto ledger = OpenLedger(*config, *options);
  if (!ledger.ok()) return Fail(ledger.status());
  if (Status s = (*integrity)->Start(); !s.ok()) return Fail(s);
  auto tokens = LoadTokenStore(*config);
  if (!tokens.ok()) return Fail(tokens.status());

  Router router(&metrics);
  RegisterLedgerRoutes(router, **ledger, *tokens, metrics);
  (*integrity)->RegisterRoutes(router);
  BackupRoutes backup_routes(backups.Runner());  // outlives the server
  backup_routes.Register(router, *tokens);
  auto server_options = ServerOptions(*config, "ledger.port");
  if (!server_options.ok()) return Fail(server_options.status());
  HttpServer server(*server_options, router.AsHandler());
  if (Status s = server.Start(); !s.ok()) return Fail(s);
  spdlog::info("ledger serving on {}:{} at seq {}", server_options->address,
               server.port(), (*ledger)->LastSeq());
  const int sig = WaitForTerminationSignal();
  spdlog::info("ledger stopping on signal {}", sig);
  server.Stop();  // in-flight commands are answered first
  (*ledger)->Close();
  spdlog::info("ledger stopped at seq {}", (*ledger)->LastSeq());
  if (Status fatal = FatalStatus(); !fatal.ok()) return Fail(fatal);
  return 0;
}

}  // namespace

void AddLedgerCommand(CLI::App* app) {
  auto flags = std::make_shared<CommonFlags>();
  CLI::App* cmd =
      app->add_subcommand("ledger", "the command service (port 8080)");
  AddCommonFlags(cmd, flags.get(), /*with_port=*/true);
  cmd->callback([flags] { throw CLI::RuntimeError(Run(*flags)); });
}

}  // namespace cityid
