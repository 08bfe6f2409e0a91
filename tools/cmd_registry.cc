// `cityid project registry`: the registry projection service (SPEC §4).
#include <spdlog/spdlog.h>

#include <iostream>

#include "api/metrics.h"
#include "api/registry_routes.h"
#include "api/router.h"
#include "projections/projection.h"
#include "projections/projection_runner.h"
#include "projections/registry.h"
#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/event_sources.h"
#include "tools/logging.h"
#include "tools/service.h"

namespace cityid {
namespace {

struct RegistryFlags {
  CommonFlags common;
  std::string ledger_url;
  bool print_fingerprint = false;
};

int Run(const RegistryFlags& flags) {
  BlockTerminationSignals();
  auto config = LoadConfig(flags.common, "registry.port");
  if (!config.ok()) return Fail(config.status());
  SetUpLogging("registry", config->GetString("log.level"));
  auto store =
      ProjectionStore::Open(config->GetString("data"), Registry::kName);
  if (!store.ok()) return Fail(store.status());
  Registry registry(store->get(), SystemClock::Default());
  if (flags.print_fingerprint) {
    auto fp = registry.Fingerprint();
    if (!fp.ok()) return Fail(fp.status());
    std::cout << (*store)->position() << " " << *fp << "\n";
    return 0;
  }

  auto source = MakeEventSource(*config, Registry::kName, flags.ledger_url);
  if (!source.ok()) return Fail(source.status());
  ProjectionRunnerOptions runner_options;
  auto batch_limit = config->GetInt("projection.batch_limit");
  if (!batch_limit.ok() || *batch_limit < 1) {
    return Fail(
        InvalidArgument("projection.batch_limit must be a positive integer"));
  }
  runner_options.batch_limit = static_cast<size_t>(*batch_limit);
  ProjectionRunner runner(store->get(), &registry, source->get(),
                          runner_options);

  auto tokens = LoadTokenStore(*config);
  if (!tokens.ok()) return Fail(tokens.status());
  Metrics metrics;
  Router router(&metrics);
  RegisterRegistryRoutes(router, registry, runner, *tokens, metrics);
  auto options = ServerOptions(*config, "registry.port");
  if (!options.ok()) return Fail(options.status());
  HttpServer server(*options, router.AsHandler());
  if (Status s = server.Start(); !s.ok()) return Fail(s);
  runner.Start();
  spdlog::info("registry serving on {}:{} from position {}", options->address,
               server.port(), runner.position());
  const int sig = WaitForTerminationSignal();
  spdlog::info("registry stopping on signal {}", sig);
  server.Stop();
  runner.Stop();
  return 0;
}

}  // namespace

void AddRegistryCommand(CLI::App* project) {
  auto flags = std::make_shared<RegistryFlags>();
  CLI::App* cmd = project->add_subcommand(
      "registry", "the card registry projection (port 8081)");
  AddCommonFlags(cmd, &flags->common, /*with_port=*/true);
  cmd->add_option("--ledger-url", flags->ledger_url,
                  "ledger base URL (config key: ledger.url)");
  cmd->add_flag(
      "--print-fingerprint", flags->print_fingerprint,
      "print the committed position and state fingerprint, then exit");
  cmd->callback([flags] { throw CLI::RuntimeError(Run(*flags)); });
}

}  // namespace cityid
