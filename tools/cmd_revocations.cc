// `cityid project revocations`: the revocation status list service
// (SPEC §4, §5), port 8082.
//
// Config keys besides the common ones:
//   status_list.size              entries per list, as the ledger's
//                                 (default 131072, never less)
//   status_list.ttl_seconds       JWT ttl and Cache-Control max-age (300)
//   status_list.lifetime_seconds  exp - iat of every signed list (86400)
//   revocations.public_url        base of each list's `sub` URL (default
//                                 http://<bind>:<revocations.port>)
// The signing key is <keys>/statuslist.pem (created when missing); retired
// keys are read from <keys>/statuslist.retired.json.
#include <spdlog/spdlog.h>

#include "api/metrics.h"
#include "api/revocations_routes.h"
#include "api/router.h"
#include "projections/projection.h"
#include "projections/projection_runner.h"
#include "projections/revocation_keys.h"
#include "projections/revocation_publisher.h"
#include "projections/revocations.h"
#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/logging.h"
#include "tools/projection_service.h"
#include "tools/service.h"

namespace cityid {
namespace {

// A positive integer key, or `fallback` when the key is not set.
Result<int64_t> PositiveInt(const Config& config, const std::string& key,
                            int64_t fallback) {
  if (config.GetString(key).empty()) return fallback;
  CITYID_ASSIGN_OR_RETURN(int64_t v, config.GetInt(key));
  if (v <= 0) return InvalidArgument(key + " must be a positive integer");
  return v;
}

Result<RevocationsOptions> ProjectionOptionsFrom(const Config& config) {
  CITYID_ASSIGN_OR_RETURN(int64_t size, PositiveInt(config, "status_list.size",
                                                    kMinStatusListSize));
  if (size < kMinStatusListSize || size > statuslist::kMaxListEntries) {
    return InvalidArgument("status_list.size must be between 131072 and " +
                           std::to_string(statuslist::kMaxListEntries));
  }
  return RevocationsOptions{.list_size = static_cast<uint32_t>(size)};
}

Result<PublisherOptions> PublisherOptionsFrom(const Config& config) {
  PublisherOptions o;
  o.base_url = config.GetString("revocations.public_url");
  if (o.base_url.empty()) {
    o.base_url = "http://" + config.GetString("bind") + ":" +
                 config.GetString("revocations.port");
  }
  CITYID_ASSIGN_OR_RETURN(o.ttl_seconds,
                          PositiveInt(config, "status_list.ttl_seconds", 300));
  CITYID_ASSIGN_OR_RETURN(
      o.lifetime_seconds,
      PositiveInt(config, "status_list.lifetime_seconds", 86400));
  return o;
}

int Run(const ProjectionFlags& flags) {
  BlockTerminationSignals();
  auto config = LoadConfig(flags.common, "revocations.port");
  if (!config.ok()) return Fail(config.status());
  SetUpLogging("revocations", config->GetString("log.level"));
  auto projection_options = ProjectionOptionsFrom(*config);
  if (!projection_options.ok()) return Fail(projection_options.status());
  auto store =
      ProjectionStore::Open(config->GetString("data"), Revocations::kName);
  if (!store.ok()) return Fail(store.status());
  auto revocations = Revocations::Create(store->get(), *projection_options);
  if (!revocations.ok()) return Fail(revocations.status());
  if (flags.print_fingerprint) {
    return PrintFingerprint((*store)->position(),
                            (*revocations)->Fingerprint());
  }

  auto pipeline =
      MakeProjectionPipeline(*config, Revocations::kName, flags.ledger_url,
                             store->get(), revocations->get());
  if (!pipeline.ok()) return Fail(pipeline.status());
  ProjectionRunner& runner = *pipeline->runner;

  auto keys = RevocationKeys::Open(LayoutFor(*config).statuslist_key);
  if (!keys.ok()) return Fail(keys.status());
  auto publisher_options = PublisherOptionsFrom(*config);
  if (!publisher_options.ok()) return Fail(publisher_options.status());
  auto publisher =
      StatusListPublisher::Create(revocations->get(), keys->get(),
                                  SystemClock::Default(), *publisher_options);
  if (!publisher.ok()) return Fail(publisher.status());

  Metrics metrics;
  Router router(&metrics);
  RegisterRevocationsRoutes(router, **publisher, runner, metrics);
  auto options = ServerOptions(*config, "revocations.port");
  if (!options.ok()) return Fail(options.status());
  HttpServer server(*options, router.AsHandler());
  return ServeUntilSignal("revocations", server, options->address, runner,
                          ", signing key " + (*keys)->keys()->current.kid());
}

}  // namespace

void AddRevocationsCommand(CLI::App* project) {
  AddProjectionCommand(project, "revocations",
                       "the revocation status list projection (port 8082)",
                       Run);
}

}  // namespace cityid
