#include "api/problem.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

namespace cityid {
namespace {

struct Expected {
  Code code;
  int status;
  std::string slug;
};

TEST(ProblemTest, MapsEveryCodeToItsStatusAndType) {
  const std::vector<Expected> table = {
      {Code::kInvalidArgument, 422, "validation-failed"},
      {Code::kMalformed, 400, "malformed-request"},
      {Code::kNotFound, 404, "not-found"},
      {Code::kConflict, 409, "conflict"},
      {Code::kGone, 410, "gone"},
      {Code::kPreconditionFailed, 412, "precondition-failed"},
      {Code::kTooLarge, 413, "too-large"},
      {Code::kIdempotencyMismatch, 422, "idempotency-mismatch"},
      {Code::kUnauthenticated, 401, "unauthenticated"},
      {Code::kPermissionDenied, 403, "permission-denied"},
      {Code::kUnavailable, 503, "unavailable"},
      {Code::kCorruption, 500, "internal"},
      {Code::kInternal, 500, "internal"},
  };
  for (const Expected& e : table) {
    HttpResponse res = ProblemResponse(Status(e.code, "resident r_1 detail"));
    EXPECT_EQ(res.status, e.status) << CodeName(e.code);
    EXPECT_EQ(HttpStatusFor(e.code), e.status);
    EXPECT_EQ(res.Header("Content-Type"), "application/problem+json");
    auto body = boost::json::parse(res.body).as_object();
    EXPECT_EQ(body.size(), 4u);
    EXPECT_EQ(body["type"].as_string(),
              "https://cityid.example/problems/" + e.slug);
    EXPECT_EQ(body["status"].as_int64(), e.status);
    EXPECT_FALSE(body["title"].as_string().empty());
    const bool internal = e.status == 500;
    EXPECT_EQ(body["detail"].as_string() == "resident r_1 detail", !internal)
        << CodeName(e.code);
  }
}

TEST(ProblemTest, UnauthenticatedCarriesBearerChallenge) {
  HttpResponse res =
      ProblemResponse(Status(Code::kUnauthenticated, "no token"));
  EXPECT_EQ(res.Header("WWW-Authenticate"), "Bearer realm=\"cityid\"");
}

TEST(ProblemTest, UnavailableCarriesRetryAfter) {
  EXPECT_EQ(ProblemResponse(Unavailable("disk full")).Header("Retry-After"),
            "1");
}

TEST(ProblemTest, InternalErrorsHideTheirMessage) {
  HttpResponse res = ProblemResponse(Internal("vault key for r_1 at /var/x"));
  EXPECT_EQ(res.body.find("/var/x"), std::string::npos);
}

TEST(ProblemTest, HttpOnlyProblemsUseTheirSlug) {
  HttpResponse res = ProblemResponse(431, "header-too-large", "Too large", "d");
  EXPECT_EQ(res.status, 431);
  auto body = boost::json::parse(res.body).as_object();
  EXPECT_EQ(body["type"].as_string(),
            "https://cityid.example/problems/header-too-large");
}

TEST(ProblemTest, JsonResponseSetsContentType) {
  HttpResponse res = JsonResponse(201, "{}");
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.Header("content-type"), "application/json");
  EXPECT_EQ(res.body, "{}");
}

}  // namespace
}  // namespace cityid
