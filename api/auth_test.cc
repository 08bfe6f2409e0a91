#include "api/auth.h"

#include <gtest/gtest.h>

#include "api/problem.h"
#include "api/router.h"
#include "base/http_client.h"

namespace cityid {
namespace {

HttpRequest WithAuth(std::string value) {
  HttpRequest r;
  if (!value.empty()) r.headers["Authorization"] = std::move(value);
  return r;
}

class AuthTest : public ::testing::Test {
 protected:
  AuthTest()
      : clerk_(MintToken("clerk-1", {Role::kClerk})),
        boss_(MintToken("super-1", {Role::kSupervisor, Role::kClerk})) {
    auto store = TokenStore::FromRecords({clerk_.record, boss_.record});
    EXPECT_TRUE(store.ok());
    store_ = std::move(store).value();
  }
  MintedToken clerk_, boss_;
  TokenStore store_;
};

TEST_F(AuthTest, MintsPrefixedRandomTokensStoredAsHashes) {
  EXPECT_EQ(clerk_.token.size(), 36u);
  EXPECT_EQ(clerk_.token.rfind("cid_", 0), 0u);
  EXPECT_NE(clerk_.token, boss_.token);
  EXPECT_EQ(clerk_.record.sha256_hex.size(), 64u);
  EXPECT_EQ(clerk_.record.sha256_hex, HashToken(clerk_.token));
  EXPECT_EQ(store_.records()[0].sha256_hex.find(clerk_.token),
            std::string::npos);
}

TEST_F(AuthTest, AuthorizesTokenWithTheRole) {
  auto p = store_.Authorize(WithAuth("Bearer " + clerk_.token), {Role::kClerk});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->token_id, "clerk-1");
  auto scheme_case =
      store_.Authorize(WithAuth("bearer " + boss_.token), {Role::kSupervisor});
  ASSERT_TRUE(scheme_case.ok());
  EXPECT_EQ(scheme_case->token_id, "super-1");
}

TEST_F(AuthTest, MissingOrUnknownTokenIsUnauthenticated) {
  for (const std::string& header :
       {std::string(), std::string("Bearer"), std::string("Basic xyz"),
        std::string("Bearer cid_unknown"), clerk_.token}) {
    auto p = store_.Authorize(WithAuth(header), {Role::kClerk});
    EXPECT_EQ(p.status().code(), Code::kUnauthenticated) << header;
  }
}

TEST_F(AuthTest, WrongRoleIsPermissionDenied) {
  auto p =
      store_.Authorize(WithAuth("Bearer " + clerk_.token), {Role::kSupervisor});
  EXPECT_EQ(p.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(p.status().message().find(clerk_.token), std::string::npos);
}

TEST_F(AuthTest, RoundTripsThroughJson) {
  const std::string json = TokenStore::ToJson(store_.records());
  EXPECT_EQ(json.find(clerk_.token), std::string::npos);
  auto loaded = TokenStore::FromJson(json);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(
      loaded->Authorize(WithAuth("Bearer " + boss_.token), {Role::kSupervisor})
          .ok());
}

TEST_F(AuthTest, RejectsBadRecords) {
  EXPECT_EQ(TokenStore::FromJson("[{").status().code(), Code::kMalformed);
  EXPECT_EQ(
      TokenStore::FromJson(R"([{"id":"a","sha256":"xyz","roles":["clerk"]}])")
          .status()
          .code(),
      Code::kInvalidArgument);
  const std::string h(64, 'a');
  EXPECT_EQ(TokenStore::FromJson(R"([{"id":"a","sha256":")" + h +
                                 R"(","roles":["king"]}])")
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(
      TokenStore::FromRecords({{"a", h, {Role::kClerk}},
                               {"a", std::string(64, 'b'), {Role::kClerk}}})
          .status()
          .code(),
      Code::kInvalidArgument);
  EXPECT_EQ(TokenStore::FromRecords({{"a", h, {}}}).status().code(),
            Code::kInvalidArgument);
}

TEST_F(AuthTest, AnswersOverHttpWith401And403) {
  Router router;
  router.Add(
      "POST", "/v1/secret",
      [this](const HttpRequest& req, const RouteParams&, Responder respond) {
        auto p = store_.Authorize(req, {Role::kSupervisor});
        if (!p.ok()) return respond(ProblemResponse(p.status()));
        respond(JsonResponse(200, "{}"));
      });
  HttpServer server({}, router.AsHandler());
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  auto none = client.Post("/v1/secret", "");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->Header("WWW-Authenticate"), "Bearer realm=\"cityid\"");
  auto clerk = client.Post("/v1/secret", "",
                           {{"Authorization", "Bearer " + clerk_.token}});
  ASSERT_TRUE(clerk.ok());
  EXPECT_EQ(clerk->status, 403);
  auto boss = client.Post("/v1/secret", "",
                          {{"Authorization", "Bearer " + boss_.token}});
  ASSERT_TRUE(boss.ok());
  EXPECT_EQ(boss->status, 200);
}

}  // namespace
}  // namespace cityid
