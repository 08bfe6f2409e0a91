// The routes every projection service answers besides its own (SPEC §3, §4):
//
//   GET /v1/position  public -> {seq}: the last applied seq
//   GET /healthz      public -> 200 {"status": "ok"} while serving
//   GET /readyz       public -> 200 {"status": "ready"} when
//                     ProjectionRunner::Ready(); 503 problem otherwise
//   GET /metrics      public -> Prometheus text
//
// and the projection gauges and counters in `metrics`:
//   cityid_projection_position, cityid_projection_head_seq,
//   cityid_projection_lag, cityid_projection_ready (gauges),
//   cityid_projection_events_applied_total,
//   cityid_projection_errors_total{kind="unavailable"|"other"} (counters).
//
// Every projection service (registry, revocations, stats) registers these.
//
// Threading: handlers answer synchronously and only read the runner's
// atomics. The runner and metrics must outlive the router and its server.
#ifndef CITYID_API_PROJECTION_SERVICE_ROUTES_H_
#define CITYID_API_PROJECTION_SERVICE_ROUTES_H_

#include "api/metrics.h"
#include "api/router.h"
#include "projections/projection_runner.h"

namespace cityid {

void RegisterProjectionServiceRoutes(Router& router,
                                     const ProjectionRunner& runner,
                                     Metrics& metrics);

}  // namespace cityid

#endif  // CITYID_API_PROJECTION_SERVICE_ROUTES_H_
