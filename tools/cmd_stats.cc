// `cityid project stats`: the anonymized uptake statistics service
// (SPEC §4, §6), port 8083, with its dashboard at `/`.
//
// Config keys besides the common ones (defaults in brackets):
//   policy.*                  the attribute domains, shared with the ledger
//                             (tools/policy_config.h; unset: open, learned
//                             from the events). The removed stats.districts,
//                             stats.age_bands, stats.languages and
//                             stats.card_types are refused, naming policy.*.
//                             Changing a domain or the bound rebuilds the
//                             store by replay.
//   stats.k                   suppress every count below it; also the
//                             residents an open domain's value needs before
//                             it is published as a category [10]
//   stats.contribution_bound  per resident, month and measure in releases [1]
//   stats.budget_per_period   epsilon per month for releases; 0 refuses
//                             every release. A budget > 0 needs every
//                             attribute domain closed: with one open the
//                             service refuses to start, naming it. Unset:
//                             "1" when every domain is closed, else 0
//   stats.populations_file    CSV district,population for uptake rates
//                             (relative to the data directory) [none]
//   stats.max_months          months per uptake query [120]
//   stats.max_cells           cells per uptake answer [20000]
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/metrics.h"
#include "api/router.h"
#include "api/stats_routes.h"
#include "api/stats_uptake.h"
#include "projections/projection.h"
#include "projections/projection_runner.h"
#include "projections/stats_projection.h"
#include "projections/stats_releases.h"
#include "tools/commands.h"
#include "tools/logging.h"
#include "tools/policy_config.h"
#include "tools/projection_service.h"
#include "tools/service.h"

namespace cityid {
namespace {

// An integer key in [min, max], or `fallback` when the key is not set.
Result<int64_t> IntOr(const Config& config, const std::string& key,
                      int64_t fallback, int64_t min, int64_t max) {
  if (config.GetString(key).empty()) return fallback;
  CITYID_ASSIGN_OR_RETURN(int64_t v, config.GetInt(key));
  if (v < min || v > max) {
    return InvalidArgument(key + " must be between " + std::to_string(min) +
                           " and " + std::to_string(max));
  }
  return v;
}

Result<StatsProjectionOptions> ProjectionOptionsFrom(const Config& config,
                                                     int64_t k) {
  StatsProjectionOptions o;
  CITYID_ASSIGN_OR_RETURN(o.policy, PolicyFromConfig(config));
  CITYID_ASSIGN_OR_RETURN(
      int64_t bound, IntOr(config, "stats.contribution_bound", 1, 1, 1000));
  o.contribution_bound = static_cast<uint32_t>(bound);
  o.min_category_count = k;
  return o;
}

Result<StatsRouteOptions> RouteOptionsFrom(const Config& config) {
  StatsRouteOptions o;
  CITYID_ASSIGN_OR_RETURN(o.k, IntOr(config, "stats.k", 10, 0, 1'000'000));
  CITYID_ASSIGN_OR_RETURN(int64_t months,
                          IntOr(config, "stats.max_months", 120, 1, 1200));
  CITYID_ASSIGN_OR_RETURN(
      int64_t cells, IntOr(config, "stats.max_cells", 20000, 1, 1'000'000));
  o.limits =
      UptakeLimits{static_cast<size_t>(months), static_cast<size_t>(cells)};
  const std::string file = ResolveDataPath(config, "stats.populations_file");
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in)
      return InvalidArgument("cannot read stats.populations_file " + file);
    std::stringstream text;
    text << in.rdbuf();
    CITYID_ASSIGN_OR_RETURN(o.populations, ParsePopulationsCsv(text.str()));
  }
  return o;
}

Result<StatsReleasesOptions> ReleaseOptionsFrom(
    const Config& config, const StatsProjectionOptions& projection, int64_t k) {
  StatsReleasesOptions o;
  const std::optional<std::string> open = projection.policy.FirstOpenDomain();
  const std::string budget = config.GetString("stats.budget_per_period");
  if (budget.empty()) {
    // Unset: releases when the domains allow them (SPEC §11).
    o.budget_per_period = stats::Rational::Integer(open ? 0 : 1);
  } else {
    auto limit = stats::Rational::Parse(budget);
    if (!limit.ok() || limit->num() < 0) {
      return InvalidArgument(
          "stats.budget_per_period must be a non-negative decimal");
    }
    o.budget_per_period = *limit;
  }
  if (open && o.budget_per_period.num() > 0) {
    return InvalidArgument(
        "stats.budget_per_period > 0 needs closed attribute domains, but "
        "the " +
        *open + " domain is open: set " + PolicyKeyFor(*open) +
        " (SPEC §11, docs/CONFIG.md)");
  }
  o.k = k;
  o.contribution_bound = projection.contribution_bound;
  return o;
}

// Opens the stats store; a store built with other domains or another bound
// is derived data, so it is removed and rebuilt by replay from the ledger.
Result<std::unique_ptr<ProjectionStore>> OpenStore(
    const Config& config, const StatsProjectionOptions& options,
    std::unique_ptr<StatsProjection>* projection) {
  const std::string data = config.GetString("data");
  for (int attempt = 0;; ++attempt) {
    CITYID_ASSIGN_OR_RETURN(
        std::unique_ptr<ProjectionStore> store,
        ProjectionStore::Open(data, StatsProjection::kName));
    auto created = StatsProjection::Create(store.get(), options);
    if (created.ok()) {
      *projection = std::move(created).value();
      return store;
    }
    if (created.status().code() != Code::kPreconditionFailed || attempt > 0) {
      return created.status();
    }
    const std::string path = store->path();
    spdlog::warn("stats: settings changed; rebuilding {} by replay", path);
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) return Unavailable("cannot remove " + path + ": " + ec.message());
  }
}

int Serve(const ProjectionFlags& flags, const Config& config,
          ProjectionStore& store, StatsProjection& projection,
          StatsRouteOptions route_options,
          const StatsReleasesOptions& release_options) {
  auto pipeline = MakeProjectionPipeline(config, StatsProjection::kName,
                                         flags.ledger_url, &store, &projection);
  if (!pipeline.ok()) return Fail(pipeline.status());
  ProjectionRunner& runner = *pipeline->runner;

  auto releases = StatsReleases::Open(config.GetString("data"), release_options,
                                      SystemClock::Default());
  if (!releases.ok()) return Fail(releases.status());
  auto tokens = LoadTokenStore(config);
  if (!tokens.ok()) return Fail(tokens.status());
  Metrics metrics;
  Router router(&metrics);
  RegisterStatsRoutes(router, projection, **releases, runner, *tokens, metrics,
                      std::move(route_options));
  auto options = ServerOptions(config, "stats.port");
  if (!options.ok()) return Fail(options.status());
  HttpServer server(*options, router.AsHandler());
  return ServeUntilSignal(
      "stats", server, options->address, runner,
      ", " + std::to_string((*releases)->count()) + " stored releases");
}

int Run(const ProjectionFlags& flags) {
  BlockTerminationSignals();
  auto config = LoadConfig(flags.common, "stats.port");
  if (!config.ok()) return Fail(config.status());
  SetUpLogging("stats", config->GetString("log.level"));
  auto route_options = RouteOptionsFrom(*config);
  if (!route_options.ok()) return Fail(route_options.status());
  auto projection_options = ProjectionOptionsFrom(*config, route_options->k);
  if (!projection_options.ok()) return Fail(projection_options.status());
  // Checked before the store opens: a budget the domains cannot carry
  // stops the service at once, saying which domain is open.
  auto release_options =
      ReleaseOptionsFrom(*config, *projection_options, route_options->k);
  if (!release_options.ok()) return Fail(release_options.status());
  std::unique_ptr<StatsProjection> projection;
  auto store = OpenStore(*config, *projection_options, &projection);
  if (!store.ok()) return Fail(store.status());
  if (flags.print_fingerprint) {
    // Only the fingerprint on stdout: tools and tests read it.
    return PrintFingerprint((*store)->position(), projection->Fingerprint());
  }
  spdlog::info("stats: {}", DescribePolicy(projection_options->policy));
  return Serve(flags, *config, **store, *projection,
               std::move(route_options).value(), *release_options);
}

}  // namespace

void AddStatsCommand(CLI::App* project) {
  AddProjectionCommand(
      project, "stats",
      "the anonymized uptake statistics projection (port 8083)", Run);
}

}  // namespace cityid
