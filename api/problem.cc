#include "api/problem.h"

#include <boost/json.hpp>
#include <utility>

namespace cityid {
namespace {

struct ProblemKind {
  int http_status;
  std::string_view slug;
  std::string_view title;
};

// The one table: cityid::Code -> HTTP status, type slug, title.
ProblemKind KindOf(Code code) {
  switch (code) {
    case Code::kOk:
      return {200, "ok", "OK"};
    case Code::kInvalidArgument:
      return {422, "validation-failed", "Validation failed"};
    case Code::kMalformed:
      return {400, "malformed-request", "Malformed request"};
    case Code::kNotFound:
      return {404, "not-found", "Not found"};
    case Code::kConflict:
      return {409, "conflict", "State conflict"};
    case Code::kGone:
      return {410, "gone", "Gone"};
    case Code::kPreconditionFailed:
      return {412, "precondition-failed", "Version precondition failed"};
    case Code::kTooLarge:
      return {413, "too-large", "Content too large"};
    case Code::kIdempotencyMismatch:
      return {422, "idempotency-mismatch",
              "Idempotency key reused with another request"};
    case Code::kUnauthenticated:
      return {401, "unauthenticated", "Authentication required"};
    case Code::kPermissionDenied:
      return {403, "permission-denied", "Permission denied"};
    case Code::kUnavailable:
      return {503, "unavailable", "Service unavailable"};
    case Code::kCorruption:
      return {500, "internal", "Internal error"};
    case Code::kInternal:
      return {500, "internal", "Internal error"};
  }
  return {500, "internal", "Internal error"};
}

}  // namespace

int HttpStatusFor(Code code) { return KindOf(code).http_status; }

std::string_view ProblemSlug(Code code) { return KindOf(code).slug; }

std::string ProblemType(Code code) {
  return std::string(kProblemTypeBase) + std::string(ProblemSlug(code));
}

HttpResponse ProblemResponse(int http_status, std::string_view slug,
                             std::string_view title, std::string_view detail) {
  boost::json::object body{
      {"type", std::string(kProblemTypeBase) + std::string(slug)},
      {"title", title},
      {"status", http_status},
      {"detail", detail}};
  HttpResponse res;
  res.status = http_status;
  res.headers["Content-Type"] = std::string(kProblemContentType);
  res.body = boost::json::serialize(body);
  return res;
}

HttpResponse ProblemResponse(const Status& status) {
  const ProblemKind kind = KindOf(status.code());
  const bool internal = status.code() == Code::kCorruption ||
                        status.code() == Code::kInternal ||
                        status.code() == Code::kOk;
  HttpResponse res = ProblemResponse(
      kind.http_status, kind.slug, kind.title,
      internal ? "internal error; see the server log" : status.message());
  if (kind.http_status == 401)
    res.headers["WWW-Authenticate"] = "Bearer realm=\"cityid\"";
  if (kind.http_status == 503) res.headers["Retry-After"] = "1";
  return res;
}

HttpResponse JsonResponse(int http_status, std::string body) {
  HttpResponse res;
  res.status = http_status;
  res.headers["Content-Type"] = std::string(kJsonContentType);
  res.body = std::move(body);
  return res;
}

}  // namespace cityid
