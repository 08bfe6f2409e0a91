// The HTTP API of `cityid project registry` (SPEC §4, §10), port 8081:
//
//   GET /v1/cards/{id}      clerk, auditor  -> {card_id, resident_id, status,
//                           card_type, issued_at, expires_at, status_list,
//                           status_index, version}; 404 when unknown
//   GET /v1/residents/{id}  clerk, auditor  -> {resident_id, attributes,
//                           card_ids, erased, version}; no PII; 404 when
//                           unknown (an erased resident answers 200 with
//                           erased: true: the registry keeps no PII to hide)
//   GET /v1/position        public  -> {seq}: the last applied seq
//   GET /healthz            public  -> 200 {"status": "ok"} while serving
//   GET /readyz             public  -> 200 once the runner has caught up with
//                           the ledger at least once and its last cycle did
//                           not fail with anything but "ledger unavailable"
//                           (ProjectionRunner::Ready); 503 problem otherwise
//   GET /metrics            public  -> Prometheus text (see below)
//
// Times are RFC 3339 UTC. `status` is active | expired | suspended | revoked,
// expired computed from the registry's clock at the time of the request.
// `status_list` is the path of the list on the revocations service,
// "/v1/status-lists/<list id>". Errors are problem+json (api/problem.h):
// 401 without a known token, 403 without the role, 404 for an unknown id.
//
// Metrics: the projection gauges and counters of
// api/projection_service_routes.h (position, head_seq, lag, ready, events
// applied, errors by kind), besides the router's request metrics.
//
// Threading: handlers answer synchronously on the server's strands; they
// only read the registry's committed state and the runner's atomics.
// Everything passed in must outlive the router and the server using it.
#ifndef CITYID_API_REGISTRY_ROUTES_H_
#define CITYID_API_REGISTRY_ROUTES_H_

#include "api/auth.h"
#include "api/metrics.h"
#include "api/router.h"
#include "projections/projection_runner.h"
#include "projections/registry.h"

namespace cityid {

void RegisterRegistryRoutes(Router& router, const Registry& registry,
                            const ProjectionRunner& runner,
                            const TokenStore& tokens, Metrics& metrics);

}  // namespace cityid

#endif  // CITYID_API_REGISTRY_ROUTES_H_
