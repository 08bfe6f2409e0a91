// `cityid project stats`: the anonymized uptake statistics service
// (SPEC §4, §6), port 8083, with its dashboard at `/`.
//
// Config keys besides the common ones (defaults in brackets):
//   stats.k                   suppress every count below it [10]
//   stats.districts           district categories
//                             [north,south,east,west,central]
//   stats.age_bands           [18-24,25-34,35-44,45-54,55-64,65+]
//   stats.languages           [en,es,zh,ar,fr,pt]
//   stats.card_types          [standard,youth,senior]
//                             (each list gets "other" for values outside it;
//                             changing a list or the bound rebuilds the
//                             store by replay)
//   stats.contribution_bound  per resident, month and measure in releases [1]
//   stats.budget_per_period   epsilon per month for releases ["1"]; 0
//                             refuses every release
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
#include "tools/projection_service.h"
#include "tools/service.h"

namespace cityid {
namespace {

// A list key, or `fallback` when the key is not set.
std::vector<std::string> ListOr(const Config& config, const std::string& key,
                                std::vector<std::string> fallback) {
  std::vector<std::string> v = config.GetList(key);
  return v.empty() ? fallback : v;
}

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

Result<StatsProjectionOptions> ProjectionOptionsFrom(const Config& config) {
  StatsProjectionOptions o;
  o.domains.districts = ListOr(config, "stats.districts",
                               {"north", "south", "east", "west", "central"});
  o.domains.age_bands =
      ListOr(config, "stats.age_bands",
             {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"});
  o.domains.languages =
      ListOr(config, "stats.languages", {"en", "es", "zh", "ar", "fr", "pt"});
  o.domains.card_types =
      ListOr(config, "stats.card_types", {"standard", "youth", "senior"});
  CITYID_ASSIGN_OR_RETURN(
      int64_t bound, IntOr(config, "stats.contribution_bound", 1, 1, 1000));
  o.contribution_bound = static_cast<uint32_t>(bound);
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
  const std::string budget = config.GetString("stats.budget_per_period");
  if (!budget.empty()) {
    auto limit = stats::Rational::Parse(budget);
    if (!limit.ok() || limit->num() < 0) {
      return InvalidArgument(
          "stats.budget_per_period must be a non-negative decimal");
    }
    o.budget_per_period = *limit;
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
          StatsRouteOptions route_options) {
  auto pipeline = MakeProjectionPipeline(config, StatsProjection::kName,
                                         flags.ledger_url, &store, &projection);
  if (!pipeline.ok()) return Fail(pipeline.status());
  ProjectionRunner& runner = *pipeline->runner;

  auto release_options =
      ReleaseOptionsFrom(config, projection.options(), route_options.k);
  if (!release_options.ok()) return Fail(release_options.status());
  auto releases = StatsReleases::Open(config.GetString("data"),
                                      *release_options, SystemClock::Default());
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
  auto projection_options = ProjectionOptionsFrom(*config);
  if (!projection_options.ok()) return Fail(projection_options.status());
  auto route_options = RouteOptionsFrom(*config);
  if (!route_options.ok()) return Fail(route_options.status());
  std::unique_ptr<StatsProjection> projection;
  auto store = OpenStore(*config, *projection_options, &projection);
  if (!store.ok()) return Fail(store.status());
  if (flags.print_fingerprint) {
    return PrintFingerprint((*store)->position(), projection->Fingerprint());
  }
  return Serve(flags, *config, **store, *projection,
               std::move(route_options).value());
}

}  // namespace

void AddStatsCommand(CLI::App* project) {
  AddProjectionCommand(
      project, "stats",
      "the anonymized uptake statistics projection (port 8083)", Run);
}

}  // namespace cityid
