// RFC 9457 problem details: every error answer of every cityid service is an
// `application/problem+json` body {type, title, status, detail}.
//
// `type` is a stable URI per error kind,
// https://cityid.example/problems/<slug>; clients switch on it, never on
// `title` or `detail`. This file holds the ONE table mapping each cityid::Code
// to its HTTP status, slug and title.
//
// Privacy: `detail` is the Status message, which by contract (base/status.h,
// ledger/ledger.h) names only ids. For kInternal and kCorruption the message
// is replaced by a generic text, since it may describe internals.
#ifndef CITYID_API_PROBLEM_H_
#define CITYID_API_PROBLEM_H_

#include <string>
#include <string_view>

#include "base/http_client.h"  // HttpResponse
#include "base/status.h"

namespace cityid {

inline constexpr std::string_view kProblemTypeBase =
    "https://cityid.example/problems/";
inline constexpr std::string_view kProblemContentType =
    "application/problem+json";
inline constexpr std::string_view kJsonContentType = "application/json";

// The HTTP status of a non-OK code (kOk -> 200).
int HttpStatusFor(Code code);
// "not-found", "validation-failed", ...: the last segment of the type URI.
std::string_view ProblemSlug(Code code);
// The full type URI of a code.
std::string ProblemType(Code code);

// The problem+json answer for a non-OK Status, with the extra headers its
// status calls for: 401 carries `WWW-Authenticate: Bearer realm="cityid"`,
// 503 carries `Retry-After: 1`.
HttpResponse ProblemResponse(const Status& status);

// A problem for HTTP-level errors that have no cityid::Code (405, 431, ...).
// `slug` names the kind ("method-not-allowed").
HttpResponse ProblemResponse(int http_status, std::string_view slug,
                             std::string_view title, std::string_view detail);

// A JSON answer: `body` is serialized JSON text.
HttpResponse JsonResponse(int http_status, std::string body);

}  // namespace cityid

#endif  // CITYID_API_PROBLEM_H_
