#include "api/revocations_routes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "api/http_server.h"
#include "api/openapi_testing.h"
#include "api/problem.h"
#include "base/http_client.h"
#include "projections/status_list/verifier.h"
#include "stream/memory_event_source.h"

namespace cityid {
namespace {
namespace json = boost::json;
namespace sl = statuslist;

constexpr Micros kT = 1'795'737'600'000'000;  // 2026-11-27T00:00:00Z
constexpr int64_t kDay = 86400;
constexpr char kBin[] = "application/vnd.cityid.status+bin";

// A revocations service over real loopback HTTP, fed by an in-memory
// history.
class RevocationsRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("revocations_routes_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = ProjectionStore::Open(dir_.string(), Revocations::kName,
                                   ProjectionStoreOptions{.sync = false})
                 .value();
    revocations_ = Revocations::Create(store_.get()).value();
    runner_ = std::make_unique<ProjectionRunner>(
        store_.get(), revocations_.get(), &source_,
        ProjectionRunnerOptions{.wait = 0});
    keys_ = std::make_unique<RevocationKeys>(
        KeySet{*sl::SigningKey::FromSeed(std::string(32, '\3')), {}});
    publisher_ =
        StatusListPublisher::Create(revocations_.get(), keys_.get(), &clock_,
                                    {.base_url = "http://127.0.0.1:8082",
                                     .ttl_seconds = 300,
                                     .lifetime_seconds = kDay})
            .value();
    RegisterRevocationsRoutes(router_, *publisher_, *runner_, metrics_);
    server_ =
        std::make_unique<HttpServer>(HttpServerOptions{}, router_.AsHandler());
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    publisher_.reset();
    runner_.reset();
    revocations_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static CardStatusChange Change(const std::string& card) {
    return CardStatusChange{card, "r_1", "fraud"};
  }
  // Cards c10, c20, c30 at indices 10, 20, 30 of list 1; c20 revoked and
  // c30 suspended.
  void Load() {
    for (uint32_t i : {10u, 20u, 30u}) {
      source_.Append(CardIssued{"c" + std::to_string(i), "r_1", "standard", kT,
                                kT + kDay, "1", i});
    }
    source_.Append(CardRevoked{Change("c20")});
    source_.Append(CardSuspended{Change("c30")});
    CatchUp();
  }
  void CatchUp() {
    while (runner_->RunOnce().value() > 0) {
    }
  }

  HttpResponse Get(const std::string& target, HttpHeaders headers = {}) {
    Result<HttpResponse> r = client_->Get(target, headers, 5'000'000);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }
  sl::Verifier Verifier() {
    HttpResponse keys = Get("/v1/keys");
    EXPECT_EQ(keys.status, 200);
    EXPECT_EQ(keys.Header("Content-Type"), kJwkSetMediaType);
    return sl::Verifier::FromJwksJson(keys.body).value();
  }
  static void ExpectProblem(const HttpResponse& r, int status,
                            std::string_view slug) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("Content-Type"), kProblemContentType);
    EXPECT_EQ(json::parse(r.body).at("type").as_string(),
              std::string(kProblemTypeBase) + std::string(slug));
  }

  std::filesystem::path dir_;
  FakeClock clock_{kT};
  MemoryEventSource source_;
  std::unique_ptr<ProjectionStore> store_;
  std::unique_ptr<Revocations> revocations_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::unique_ptr<RevocationKeys> keys_;
  std::unique_ptr<StatusListPublisher> publisher_;
  Metrics metrics_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(RevocationsRoutesTest, JwtVerifiesWithTheLibraryAgainstServedKeys) {
  Load();
  HttpResponse r = Get("/v1/status-lists/1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/statuslist+jwt");
  EXPECT_EQ(r.Header("Cache-Control"), "public, max-age=300");
  EXPECT_EQ(r.Header("Vary"), "Accept");
  sl::LoadedList list = Verifier().Load(r.body, clock_.Now()).value();
  EXPECT_EQ(list.form(), sl::ListForm::kStandardJwt);
  EXPECT_EQ(list.subject(), "http://127.0.0.1:8082/v1/status-lists/1");
  EXPECT_EQ(list.ttl(), 300);
  EXPECT_EQ(list.exp(), list.iat() + kDay);
  EXPECT_EQ(list.size(), kMinStatusListSize);
  EXPECT_EQ(list.Lookup(10, clock_.Now()).value(), sl::EntryStatus::kValid);
  EXPECT_EQ(list.Lookup(20, clock_.Now()).value(), sl::EntryStatus::kRevoked);
  EXPECT_EQ(list.Lookup(30, clock_.Now()).value(), sl::EntryStatus::kSuspended);
}

TEST_F(RevocationsRoutesTest, ETagRevalidationAnswers304UntilTheListChanges) {
  Load();
  HttpResponse first = Get("/v1/status-lists/1");
  const std::string etag = first.Header("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_NE(etag.find(keys_->keys()->current.kid()), std::string::npos);
  HttpResponse again = Get("/v1/status-lists/1", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.Header("ETag"), etag);
  EXPECT_EQ(Get("/v1/status-lists/1", {{"If-None-Match", "W/" + etag}}).status,
            304);
  EXPECT_EQ(Get("/v1/status-lists/1", {{"If-None-Match", "*"}}).status, 304);

  source_.Append(CardRevoked{Change("c10")});
  CatchUp();
  HttpResponse changed = Get("/v1/status-lists/1", {{"If-None-Match", etag}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.Header("ETag"), etag);
  EXPECT_EQ(publisher_->signatures(), 2u);  // one per version, not per GET
}

TEST_F(RevocationsRoutesTest, MaxAgeNeverOutlivesTheList) {
  Load();
  Get("/v1/status-lists/1");
  clock_.Advance((kDay / 2 - 100) * kMicrosPerSecond);
  EXPECT_EQ(Get("/v1/status-lists/1").Header("Cache-Control"),
            "public, max-age=300");
  EXPECT_EQ(publisher_->signatures(), 1u);
}

TEST_F(RevocationsRoutesTest, AcceptSelectsTheCompactForm) {
  Load();
  HttpResponse r = Get("/v1/status-lists/1", {{"Accept", kBin}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), kBin);
  sl::LoadedList list = Verifier().Load(r.body, clock_.Now()).value();
  EXPECT_EQ(list.form(), sl::ListForm::kCompact);
  EXPECT_EQ(list.list_id(), 1u);
  EXPECT_EQ(list.version(), 3u);
  EXPECT_EQ(list.Lookup(20, clock_.Now()).value(), sl::EntryStatus::kRevoked);
  EXPECT_NE(r.Header("ETag"), Get("/v1/status-lists/1").Header("ETag"));
}

TEST_F(RevocationsRoutesTest, SinceServesADeltaThatReachesTheCurrentList) {
  Load();
  sl::Verifier verifier = Verifier();
  sl::LoadedList held =
      verifier
          .Load(Get("/v1/status-lists/1", {{"Accept", kBin}}).body,
                clock_.Now())
          .value();
  source_.Append(CardReinstated{Change("c30")});
  source_.Append(CardRevoked{Change("c10")});
  CatchUp();
  HttpResponse delta =
      Get("/v1/status-lists/1?since=" + std::to_string(held.version()));
  ASSERT_EQ(delta.status, 200) << delta.body;
  EXPECT_EQ(delta.Header("Content-Type"),
            "application/vnd.cityid.status-delta+bin");
  ASSERT_TRUE(verifier.ApplyDelta(delta.body, clock_.Now(), &held).ok());
  sl::LoadedList fresh =
      verifier
          .Load(Get("/v1/status-lists/1", {{"Accept", kBin}}).body,
                clock_.Now())
          .value();
  EXPECT_EQ(held.version(), fresh.version());
  EXPECT_TRUE(held.list().statuses == fresh.list().statuses);
}

TEST_F(RevocationsRoutesTest, SinceTheCurrentVersionGivesTheFullCompactList) {
  Load();
  HttpResponse r = Get("/v1/status-lists/1?since=3");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), kBin);
  EXPECT_EQ(Get("/v1/status-lists/1?since=0").Header("Content-Type"), kBin);
}

TEST_F(RevocationsRoutesTest, BadSinceIs400AndUnknownListIs404) {
  Load();
  ExpectProblem(Get("/v1/status-lists/1?since=abc"), 400, "malformed-request");
  ExpectProblem(Get("/v1/status-lists/1?since=-1"), 400, "malformed-request");
  ExpectProblem(Get("/v1/status-lists/2"), 404, "not-found");
  ExpectProblem(Get("/v1/status-lists/2?since=1"), 404, "not-found");
  ExpectProblem(Get("/v1/status-lists/..%2Fx"), 404, "not-found");
}

TEST_F(RevocationsRoutesTest, UnsatisfiableAcceptIs406) {
  Load();
  ExpectProblem(Get("/v1/status-lists/1", {{"Accept", "text/html"}}), 406,
                "not-acceptable");
}

TEST_F(RevocationsRoutesTest, ServesPositionHealthReadinessAndMetrics) {
  Load();
  HttpResponse pos = Get("/v1/position");
  EXPECT_EQ(json::parse(pos.body).at("seq").as_int64(), 5);
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Get("/readyz").status, 200);
  Get("/v1/status-lists/1");
  HttpResponse m = Get("/metrics");
  EXPECT_NE(m.body.find("cityid_statuslist_signatures 1"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("cityid_projection_position 5"), std::string::npos);
}

TEST(RevocationsNegotiationTest, ChoosesTheFormFromAccept) {
  EXPECT_EQ(ChooseListForm(""), PublishedForm::kJwt);
  EXPECT_EQ(ChooseListForm("*/*"), PublishedForm::kJwt);
  EXPECT_EQ(ChooseListForm("application/statuslist+jwt"), PublishedForm::kJwt);
  EXPECT_EQ(ChooseListForm(kBin), PublishedForm::kCompact);
  EXPECT_EQ(ChooseListForm(std::string(kBin) + ", */*;q=0.5"),
            PublishedForm::kCompact);
  EXPECT_EQ(
      ChooseListForm(std::string(kBin) + ";q=0.2, application/statuslist+jwt"),
      PublishedForm::kJwt);
  EXPECT_EQ(ChooseListForm("text/html"), std::nullopt);
  EXPECT_EQ(ChooseListForm("application/statuslist+jwt;q=0"), std::nullopt);
}

TEST(RevocationsNegotiationTest, IfNoneMatchUsesWeakComparison) {
  EXPECT_TRUE(IfNoneMatchMatches("\"a\"", "\"a\""));
  EXPECT_TRUE(IfNoneMatchMatches("\"x\", W/\"a\"", "\"a\""));
  EXPECT_TRUE(IfNoneMatchMatches("*", "\"a\""));
  EXPECT_FALSE(IfNoneMatchMatches("", "\"a\""));
  EXPECT_FALSE(IfNoneMatchMatches("\"b\"", "\"a\""));
}

TEST_F(RevocationsRoutesTest, EveryRouteMatchesOpenApi) {
  testing_util::ExpectRoutesMatchOpenApi(router_, "revocations");
}

}  // namespace
}  // namespace cityid
