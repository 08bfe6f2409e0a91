// The HTTP API of `cityid project stats` (SPEC §4, §6, §10), port 8083:
//
//   GET  /v1/stats/uptake?group_by=&from=&to=&measures=   analyst
//        -> 200 {"suppressed_below": k, "rows": [...], "totals": [...],
//           "group_by", "from", "to"} (api/stats_uptake.h), or the CSV form
//           (text/csv) when the Accept header asks for text/csv; 422 problem
//           for a bad group_by, from, to or measures
//   POST /v1/stats/releases                               analyst
//        body {"group_by": [..] or "a,b", "period": "YYYY-MM",
//              "epsilon": "0.5" (a JSON number is accepted too),
//              "measures": [..] (optional, as for uptake)}
//        -> 201 the stored release (projections/stats/release.h: mechanism,
//           epsilon, contribution bound, sensitivity, scale, k, and the
//           budget spent in its period including it), Location header;
//           409 problem when the period's budget cannot pay for epsilon;
//           422 for a bad field, a period after the current month;
//           400 for a body that is not a JSON object
//   GET  /v1/stats/releases/{id}                          analyst
//        -> 200 exactly the bytes the POST answered; 404 when unknown
//   GET  /, /dashboard.js, /dashboard.css                 public
//        the dashboard (api/dashboard/), static, with a strict
//        Content-Security-Policy (same origin only) and no-referrer
//   GET  /v1/position, /healthz, /readyz, /metrics        public
//        as every projection (api/projection_service_routes.h)
//
// Errors are problem+json (api/problem.h); 401 without a known token, 403
// without the analyst role. Counts come from the stats projection's
// committed state; releases use its contribution-bounded counts.
//
// Threading: handlers answer synchronously on the server's strands. An
// uptake query reads one snapshot of the store and runs the suppression
// search (bounded by UptakeLimits); release creation is serialised by
// StatsReleases. Everything passed in must outlive the router and server.
#ifndef CITYID_API_STATS_ROUTES_H_
#define CITYID_API_STATS_ROUTES_H_

#include <cstdint>
#include <map>
#include <string>

#include "api/auth.h"
#include "api/metrics.h"
#include "api/router.h"
#include "api/stats_uptake.h"
#include "base/clock.h"
#include "projections/projection_runner.h"
#include "projections/stats_projection.h"
#include "projections/stats_releases.h"

namespace cityid {

struct StatsRouteOptions {
  int64_t k = 10;  // stats.k: no published count below it
  // District -> eligible population (stats.populations_file); empty: no
  // uptake rates.
  std::map<std::string, int64_t> populations;
  UptakeLimits limits;
  const Clock* clock = nullptr;  // default SystemClock::Default()
};

void RegisterStatsRoutes(Router& router, const StatsProjection& projection,
                         StatsReleases& releases,
                         const ProjectionRunner& runner,
                         const TokenStore& tokens, Metrics& metrics,
                         StatsRouteOptions options);

}  // namespace cityid

#endif  // CITYID_API_STATS_ROUTES_H_
