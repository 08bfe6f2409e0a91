// The HTTP API of `cityid project revocations` (SPEC §4, §5, §10), port 8082.
// Every route is public: a status list reveals nothing but two bits per
// random slot.
//
//   GET /v1/status-lists/{list}
//       -> 200 the IETF Token Status List JWT, application/statuslist+jwt
//          (the default, and for Accept: application/statuslist+jwt, */*)
//       -> 200 the compact form, application/vnd.cityid.status+bin, when
//          Accept names that type (with a q not below the JWT's)
//       -> 406 problem when Accept allows neither
//   GET /v1/status-lists/{list}?since=VERSION
//       -> 200 a signed delta from VERSION to the current version,
//          application/vnd.cityid.status-delta+bin; or the full compact list
//          (application/vnd.cityid.status+bin) when no delta can say it:
//          VERSION too old, unknown, or already the current one
//       -> 400 problem when VERSION is not a non-negative integer
//   Both: `ETag` (form, list, version, since, iat, kid), `Cache-Control:
//   public, max-age=<min(ttl, seconds to exp)>`, `Vary: Accept`,
//   `Access-Control-Allow-Origin: *`; 304 (no body) when If-None-Match
//   names the current ETag (or is "*"); 404 problem for an unknown list.
//   GET /v1/keys -> the JWKS (application/jwk-set+json): the current key and
//       the retired keys whose lists may still be unexpired
//   GET /v1/position, /healthz, /readyz, /metrics: as every projection
//       (api/projection_service_routes.h)
//
// Metrics besides the projection ones: cityid_statuslist_signatures and
// cityid_statuslist_cache_hits (gauges: totals since start).
//
// Threading: handlers answer synchronously on the server's strands; a cache
// miss signs on the strand (milliseconds for a 131,072-entry list).
// Everything passed in must outlive the router and the server using it.
#ifndef CITYID_API_REVOCATIONS_ROUTES_H_
#define CITYID_API_REVOCATIONS_ROUTES_H_

#include <string_view>

#include "api/metrics.h"
#include "api/router.h"
#include "projections/projection_runner.h"
#include "projections/revocation_publisher.h"

namespace cityid {

inline constexpr std::string_view kJwkSetMediaType = "application/jwk-set+json";

void RegisterRevocationsRoutes(Router& router, StatusListPublisher& publisher,
                               const ProjectionRunner& runner,
                               Metrics& metrics);

// Content negotiation for a full list (exposed for tests): the form an
// Accept header asks for, or nullopt when it allows neither (406).
std::optional<PublishedForm> ChooseListForm(std::string_view accept);

// True when an If-None-Match header value matches `etag` (weak comparison,
// RFC 9110 §13.1.2): "*" or one of its comma-separated tags.
bool IfNoneMatchMatches(std::string_view if_none_match, std::string_view etag);

}  // namespace cityid

#endif  // CITYID_API_REVOCATIONS_ROUTES_H_
