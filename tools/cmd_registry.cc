// `cityid project registry`: the registry projection service (SPEC §4).
#include <spdlog/spdlog.h>

#include "api/metrics.h"
#include "api/registry_routes.h"
#include "api/router.h"
#include "projections/projection.h"
#include "projections/projection_runner.h"
#include "projections/registry.h"
#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/logging.h"
#include "tools/projection_service.h"
#include "tools/service.h"

namespace cityid {
namespace {

int Run(const ProjectionFlags& flags) {
  BlockTerminationSignals();
  auto config = LoadConfig(flags.common, "registry.port");
  if (!config.ok()) return Fail(config.status());
  SetUpLogging("registry", config->GetString("log.level"));
  auto store =
      ProjectionStore::Open(config->GetString("data"), Registry::kName);
  if (!store.ok()) return Fail(store.status());
  Registry registry(store->get(), SystemClock::Default());
  if (flags.print_fingerprint) {
    return PrintFingerprint((*store)->position(), registry.Fingerprint());
  }

  auto pipeline = MakeProjectionPipeline(
      *config, Registry::kName, flags.ledger_url, store->get(), &registry);
  if (!pipeline.ok()) return Fail(pipeline.status());
  auto tokens = LoadTokenStore(*config);
  if (!tokens.ok()) return Fail(tokens.status());
  Metrics metrics;
  Router router(&metrics);
  RegisterRegistryRoutes(router, registry, *pipeline->runner, *tokens, metrics);
  auto options = ServerOptions(*config, "registry.port");
  if (!options.ok()) return Fail(options.status());
  HttpServer server(*options, router.AsHandler());
  return ServeUntilSignal("registry", server, options->address,
                          *pipeline->runner, "");
}

}  // namespace

void AddRegistryCommand(CLI::App* project) {
  AddProjectionCommand(project, "registry",
                       "the card registry projection (port 8081)", Run);
}

}  // namespace cityid
