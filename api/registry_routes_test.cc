#include "api/registry_routes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "api/http_server.h"
#include "api/openapi_testing.h"
#include "api/problem.h"
#include "base/http_client.h"
#include "stream/memory_event_source.h"

namespace cityid {
namespace {
namespace json = boost::json;

constexpr Micros kT = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
constexpr Micros kYear = 365 * kMicrosPerDay;

// A registry service over real loopback HTTP, its state loaded from an
// in-memory history (Load()).
class RegistryRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("registry_routes_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto store = ProjectionStore::Open(dir_.string(), Registry::kName,
                                       ProjectionStoreOptions{.sync = false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    registry_ = std::make_unique<Registry>(store_.get(), &clock_);
    runner_ = std::make_unique<ProjectionRunner>(
        store_.get(), registry_.get(), &source_,
        ProjectionRunnerOptions{.wait = 0});

    MintedToken clerk = MintToken("clerk-1", {Role::kClerk});
    MintedToken auditor = MintToken("auditor-1", {Role::kAuditor});
    MintedToken analyst = MintToken("analyst-1", {Role::kAnalyst});
    clerk_ = clerk.token;
    auditor_ = auditor.token;
    analyst_ = analyst.token;
    tokens_ =
        TokenStore::FromRecords({clerk.record, auditor.record, analyst.record})
            .value();

    RegisterRegistryRoutes(router_, *registry_, *runner_, tokens_, metrics_);
    server_ =
        std::make_unique<HttpServer>(HttpServerOptions{}, router_.AsHandler());
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    runner_.reset();
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // r_1: enrolled (north), card c1 issued, then replaced by c2 (lost), c2
  // suspended. r_2: enrolled, card c3 issued, erased (c3 revoked first).
  void Load() {
    source_.Append(ResidentEnrolled{
        "r_1", std::string(32, 'd'), {"north", "25-34", "es"}, {"passport"}});
    source_.Append(
        CardIssued{"c1", "r_1", "standard", kT, kT + 5 * kYear, "1", 11});
    source_.Append(CardReplaced{"c1", "c2", "r_1", "lost", "youth", kT,
                                kT + 2 * kYear, "1", 22});
    source_.Append(CardSuspended{{"c2", "r_1", "fraud_review"}});
    source_.Append(ResidentEnrolled{
        "r_2", std::string(32, 'e'), {"south", "65+", "en"}, {}});
    source_.Append(
        CardIssued{"c3", "r_2", "senior", kT, kT + 8 * kYear, "2", 33});
    source_.Append(CardRevoked{{"c3", "r_2", "erased"}});
    source_.Append(ResidentErased{"r_2", "request"});
    while (runner_->RunOnce().value() > 0) {
    }
  }

  HttpResponse Get(const std::string& target, const std::string& token = "") {
    HttpHeaders headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    Result<HttpResponse> r = client_->Get(target, headers, 5'000'000);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }

  static json::object Body(const HttpResponse& r) {
    json::value v = json::parse(r.body);
    return v.as_object();
  }

  static void ExpectProblem(const HttpResponse& r, int status,
                            std::string_view slug) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("Content-Type"), kProblemContentType);
    json::object p = Body(r);
    EXPECT_EQ(p.at("type").as_string(),
              std::string(kProblemTypeBase) + std::string(slug));
    EXPECT_EQ(p.at("status").as_int64(), status);
  }

  std::filesystem::path dir_;
  FakeClock clock_{kT + kMicrosPerDay};
  MemoryEventSource source_;
  std::unique_ptr<ProjectionStore> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::string clerk_, auditor_, analyst_;
  TokenStore tokens_;
  Metrics metrics_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(RegistryRoutesTest, CardAnswersItsStatusAndWireFields) {
  Load();
  HttpResponse r = Get("/v1/cards/c2", clerk_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), kJsonContentType);
  json::object card = Body(r);
  EXPECT_EQ(card.at("card_id").as_string(), "c2");
  EXPECT_EQ(card.at("resident_id").as_string(), "r_1");
  EXPECT_EQ(card.at("status").as_string(), "suspended");
  EXPECT_EQ(card.at("card_type").as_string(), "youth");
  EXPECT_EQ(card.at("issued_at").as_string(), "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(card.at("expires_at").as_string(), FormatRfc3339(kT + 2 * kYear));
  EXPECT_EQ(card.at("status_list").as_string(), "/v1/status-lists/1");
  EXPECT_EQ(card.at("status_index").as_int64(), 22);
  EXPECT_EQ(card.at("version").as_int64(), 4);
}

TEST_F(RegistryRoutesTest, CardStatusesIncludeRevokedAndExpired) {
  Load();
  EXPECT_EQ(Body(Get("/v1/cards/c1", auditor_)).at("status").as_string(),
            "revoked");
  source_.Append(CardReinstated{{"c2", "r_1", "cleared"}});
  ASSERT_TRUE(runner_->RunOnce().ok());
  EXPECT_EQ(Body(Get("/v1/cards/c2", auditor_)).at("status").as_string(),
            "active");
  clock_.Set(kT + 2 * kYear);
  EXPECT_EQ(Body(Get("/v1/cards/c2", auditor_)).at("status").as_string(),
            "expired");
}

TEST_F(RegistryRoutesTest, CardRefusesMissingWrongAndUnroledTokens) {
  Load();
  HttpResponse none = Get("/v1/cards/c2");
  ExpectProblem(none, 401, "unauthenticated");
  EXPECT_NE(none.Header("WWW-Authenticate"), "");
  ExpectProblem(Get("/v1/cards/c2", "cid_not_a_real_token"), 401,
                "unauthenticated");
  ExpectProblem(Get("/v1/cards/c2", analyst_), 403, "permission-denied");
}

TEST_F(RegistryRoutesTest, UnknownCardIs404Problem) {
  Load();
  ExpectProblem(Get("/v1/cards/9999", clerk_), 404, "not-found");
}

TEST_F(RegistryRoutesTest, ResidentHasAttributesAndCardIdsButNoPii) {
  Load();
  HttpResponse r = Get("/v1/residents/r_1", auditor_);
  ASSERT_EQ(r.status, 200) << r.body;
  json::object res = Body(r);
  EXPECT_EQ(res.at("resident_id").as_string(), "r_1");
  json::object attrs = res.at("attributes").as_object();
  EXPECT_EQ(attrs.at("district").as_string(), "north");
  EXPECT_EQ(attrs.at("age_band").as_string(), "25-34");
  EXPECT_EQ(attrs.at("language").as_string(), "es");
  EXPECT_EQ(res.at("card_ids"), (json::array{"c1", "c2"}));
  EXPECT_FALSE(res.at("erased").as_bool());
  // Exactly these fields: nothing about the person, no digest, no documents.
  std::set<std::string> keys;
  for (const auto& kv : res) keys.insert(std::string(kv.key()));
  EXPECT_EQ(keys, (std::set<std::string>{"resident_id", "attributes",
                                         "card_ids", "erased", "version"}));
}

TEST_F(RegistryRoutesTest, ErasedResidentShowsErasedWithoutAttributes) {
  Load();
  json::object res = Body(Get("/v1/residents/r_2", clerk_));
  EXPECT_TRUE(res.at("erased").as_bool());
  EXPECT_EQ(res.at("attributes").at("district").as_string(), "");
  EXPECT_EQ(res.at("card_ids"), (json::array{"c3"}));
  EXPECT_EQ(Body(Get("/v1/cards/c3", clerk_)).at("status").as_string(),
            "revoked");
}

TEST_F(RegistryRoutesTest, ResidentChecksRolesAndUnknownIds) {
  Load();
  ExpectProblem(Get("/v1/residents/r_1"), 401, "unauthenticated");
  ExpectProblem(Get("/v1/residents/r_1", analyst_), 403, "permission-denied");
  ExpectProblem(Get("/v1/residents/r_404", clerk_), 404, "not-found");
}

TEST_F(RegistryRoutesTest, PositionReportsLastAppliedSeq) {
  EXPECT_EQ(Body(Get("/v1/position")).at("seq").as_int64(), 0);
  Load();
  EXPECT_EQ(Body(Get("/v1/position")).at("seq").as_int64(), 8);
}

TEST_F(RegistryRoutesTest, HealthzIsAlwaysOkAndReadyzWaitsForCatchUp) {
  EXPECT_EQ(Get("/healthz").status, 200);
  ExpectProblem(Get("/readyz"), 503, "unavailable");
  Load();  // ends with an empty fetch: caught up
  EXPECT_EQ(Get("/readyz").status, 200);
  source_.AppendRaw(20, "garbage");  // a gap: the runner refuses it
  EXPECT_FALSE(runner_->RunOnce().ok());
  ExpectProblem(Get("/readyz"), 503, "unavailable");
}

TEST_F(RegistryRoutesTest, MetricsReportPositionLagAndAppliedEvents) {
  for (const char* id : {"r_1", "r_2", "r_3"}) {
    source_.Append(ResidentEnrolled{id, std::string(32, 'd'), {}, {}});
  }
  // A service of its own around a runner that takes two events per batch.
  ProjectionRunner runner(store_.get(), registry_.get(), &source_,
                          ProjectionRunnerOptions{.batch_limit = 2, .wait = 0});
  Metrics metrics;
  Router router;
  RegisterRegistryRoutes(router, *registry_, runner, tokens_, metrics);
  HttpServer server(HttpServerOptions{}, router.AsHandler());
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  auto scrape = [&] { return client.Get("/metrics", {}, 5'000'000).value(); };

  ASSERT_EQ(runner.RunOnce().value(), 2u);
  HttpResponse r = scrape();
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\ncityid_projection_position 2\n"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\ncityid_projection_head_seq 3\n"), std::string::npos);
  EXPECT_NE(r.body.find("\ncityid_projection_lag 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("\ncityid_projection_ready 0\n"), std::string::npos);
  EXPECT_NE(r.body.find("\ncityid_projection_events_applied_total 2\n"),
            std::string::npos);
  ASSERT_EQ(runner.RunOnce().value(), 1u);
  r = scrape();
  EXPECT_NE(r.body.find("\ncityid_projection_lag 0\n"), std::string::npos);
  EXPECT_NE(r.body.find("\ncityid_projection_events_applied_total 3\n"),
            std::string::npos);
  // Reached the head the feed reported: caught up, hence ready.
  EXPECT_NE(r.body.find("\ncityid_projection_ready 1\n"), std::string::npos);
  server.Stop();
}

TEST_F(RegistryRoutesTest, EveryRouteMatchesOpenApi) {
  testing_util::ExpectRoutesMatchOpenApi(router_, "registry");
}

}  // namespace
}  // namespace cityid
