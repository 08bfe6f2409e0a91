#include "api/stats_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "api/http_server.h"
#include "api/openapi_testing.h"
#include "api/problem.h"
#include "base/http_client.h"
#include "stream/memory_event_source.h"

namespace cityid {
namespace {
namespace json = boost::json;
using ::testing::HasSubstr;

constexpr Micros kT = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
constexpr Micros kYear = 365 * kMicrosPerDay;

// A stats service over real loopback HTTP. Load() enrolls residents with
// one standard card each in January 2026: north 14, south 11, east 3, west 2
// (and nobody in central): some cells pass k = 10, some do not.
class StatsRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("stats_routes_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto store = ProjectionStore::Open(dir_.string(), StatsProjection::kName,
                                       ProjectionStoreOptions{.sync = false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ProgrammePolicy policy;
    policy.districts.values = {"north", "south", "east", "west", "central"};
    policy.age_bands.values = {"18-24", "25-34", "65+"};
    policy.languages.values = {"en", "es"};
    projection_ = StatsProjection::Create(store_.get(), {policy, 1}).value();
    runner_ = std::make_unique<ProjectionRunner>(
        store_.get(), projection_.get(), &source_,
        ProjectionRunnerOptions{.wait = 0});
    StatsReleasesOptions release_options;
    release_options.store.sync = false;
    releases_ =
        StatsReleases::Open(dir_.string(), release_options, &clock_).value();

    MintedToken clerk = MintToken("clerk-1", {Role::kClerk});
    MintedToken analyst = MintToken("analyst-1", {Role::kAnalyst});
    clerk_ = clerk.token;
    analyst_ = analyst.token;
    tokens_ = TokenStore::FromRecords({clerk.record, analyst.record}).value();

    StatsRouteOptions options;
    options.populations = {{"north", 100}, {"south", 50}, {"east", 80}};
    options.clock = &clock_;
    RegisterStatsRoutes(router_, *projection_, *releases_, *runner_, tokens_,
                        metrics_, options);
    server_ =
        std::make_unique<HttpServer>(HttpServerOptions{}, router_.AsHandler());
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
    Load();
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    releases_.reset();
    runner_.reset();
    projection_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Load() {
    int n = 0;
    for (auto [district, count] :
         {std::pair{"north", 14}, {"south", 11}, {"east", 3}, {"west", 2}}) {
      for (int i = 0; i < count; ++i, ++n) {
        const std::string rid = "r_" + std::to_string(n);
        const std::string card = "c_" + std::to_string(n);
        source_.Append(
            ResidentEnrolled{
                rid, std::string(32, 'd'), {district, "25-34", "es"}, {}},
            kT + n);
        source_.Append(
            CardIssued{card, rid, "standard", kT + n, kT + 5 * kYear, "1", 7},
            kT + n);
      }
    }
    while (runner_->RunOnce().value() > 0) {
    }
  }

  HttpResponse Request(const std::string& method, const std::string& target,
                       const std::string& token, const std::string& body = "",
                       HttpHeaders headers = {}) {
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    if (!body.empty()) headers["Content-Type"] = "application/json";
    Result<HttpResponse> r =
        client_->Request(method, target, body, headers, 10'000'000);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }
  HttpResponse Get(const std::string& target, const std::string& token = "",
                   HttpHeaders headers = {}) {
    return Request("GET", target, token, "", std::move(headers));
  }

  static json::object Body(const HttpResponse& r) {
    return json::parse(r.body).as_object();
  }
  static void ExpectProblem(const HttpResponse& r, int status,
                            std::string_view slug) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("Content-Type"), kProblemContentType);
    EXPECT_EQ(Body(r).at("type").as_string(),
              std::string(kProblemTypeBase) + std::string(slug));
  }
  // The row of `district` in an uptake answer.
  static json::object Row(const json::object& body, const char* district) {
    for (const json::value& row : body.at("rows").as_array()) {
      if (row.at("district") == district) return row.as_object();
    }
    ADD_FAILURE() << "no row for " << district;
    return {};
  }

  std::filesystem::path dir_;
  FakeClock clock_{kT + 14 * kMicrosPerDay};
  MemoryEventSource source_;
  std::unique_ptr<ProjectionStore> store_;
  std::unique_ptr<StatsProjection> projection_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::unique_ptr<StatsReleases> releases_;
  std::string clerk_, analyst_;
  TokenStore tokens_;
  Metrics metrics_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(StatsRoutesTest, UptakeByDistrictPublishesNothingBelowK) {
  HttpResponse r = Get(
      "/v1/stats/uptake?group_by=district&from=2026-01&to=2026-01", analyst_);
  ASSERT_EQ(r.status, 200) << r.body;
  json::object body = Body(r);
  EXPECT_EQ(body.at("suppressed_below").as_int64(), 10);
  EXPECT_EQ(body.at("rows").as_array().size(), 6u);  // five districts + other
  EXPECT_EQ(Row(body, "north").at("issued").as_int64(), 14);
  EXPECT_EQ(Row(body, "north").at("active").as_int64(), 14);
  EXPECT_EQ(Row(body, "south").at("enrolled").as_int64(), 11);
  for (const char* small : {"east", "west", "central", "other"}) {
    EXPECT_TRUE(Row(body, small).at("issued").is_null()) << small;
  }
  // No published number anywhere — cells or totals — is below k.
  auto check = [](const json::array& rows) {
    for (const json::value& row : rows) {
      for (const auto& field : row.as_object()) {
        if (field.value().is_int64()) {
          EXPECT_GE(field.value().as_int64(), 10) << field.key();
        }
      }
    }
  };
  check(body.at("rows").as_array());
  for (const json::value& t : body.at("totals").as_array()) {
    check(t.at("rows").as_array());
  }
  // The grand total is published; the suppressed cells sum to 5, spread
  // over four unknowns, so none can be recovered from it.
  const json::value& grand = body.at("totals").as_array().back();
  EXPECT_TRUE(grand.at("group_by").as_array().empty());
  EXPECT_EQ(grand.at("rows").as_array()[0].at("issued").as_int64(), 30);
}

TEST_F(StatsRoutesTest, UptakeRatesUseConfiguredPopulations) {
  json::object body = Body(Get(
      "/v1/stats/uptake?group_by=district&from=2026-01&to=2026-01", analyst_));
  EXPECT_EQ(Row(body, "north").at("population").as_int64(), 100);
  EXPECT_EQ(Row(body, "north").at("uptake_rate").as_double(), 0.14);
  EXPECT_EQ(Row(body, "south").at("uptake_rate").as_double(), 0.22);
  // Suppressed active count, or no population: no rate.
  EXPECT_TRUE(Row(body, "east").at("uptake_rate").is_null());
  EXPECT_TRUE(Row(body, "other").at("population").is_null());
  // Not for groupings finer than month × district.
  json::object by_age = Body(
      Get("/v1/stats/uptake?group_by=district,age_band&from=2026-01&to=2026-01",
          analyst_));
  EXPECT_FALSE(
      by_age.at("rows").as_array()[0].as_object().contains("uptake_rate"));
}

TEST_F(StatsRoutesTest, AnswersCsvWhenAsked) {
  HttpResponse r =
      Get("/v1/stats/uptake?group_by=district&from=2026-01&to=2026-01",
          analyst_, {{"Accept", "text/csv"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.Header("Content-Type"), HasSubstr("text/csv"));
  EXPECT_EQ(r.body.substr(0, r.body.find("\r\n")),
            "district,enrolled,issued,renewed,replaced,suspended,revoked,"
            "erased,active,uptake_rate");
  EXPECT_THAT(r.body, HasSubstr("\r\nnorth,14,14,,,,,,14,0.14\r\n"));
  EXPECT_THAT(r.body, HasSubstr("\r\neast,,,,,,,,,\r\n"));
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 7);
}

TEST_F(StatsRoutesTest, ActiveWithoutMonthIsTheCountAtTheEndOfTheRange) {
  json::object body = Body(Get(
      "/v1/stats/uptake?group_by=district&from=2025-11&to=2026-01", analyst_));
  EXPECT_EQ(Row(body, "north").at("active").as_int64(), 14);
  EXPECT_EQ(body.at("from").as_string(), "2025-11");
  json::object by_month =
      Body(Get("/v1/stats/uptake?from=2025-11&to=2026-01", analyst_));
  const json::array& rows = by_month.at("rows").as_array();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows[0].at("active").is_null());  // 0 before January
  EXPECT_EQ(rows[2].at("month").as_string(), "2026-01");
  EXPECT_EQ(rows[2].at("active").as_int64(), 30);
}

TEST_F(StatsRoutesTest, BadParametersAreValidationProblems) {
  for (const char* target : {
           "/v1/stats/uptake?group_by=street",
           "/v1/stats/uptake?group_by=district,district",
           "/v1/stats/uptake?group_by=",
           "/v1/stats/uptake?from=2026-13",
           "/v1/stats/uptake?from=2026-02&to=2026-01",
           "/v1/stats/uptake?from=1990-01&to=2026-01",
           "/v1/stats/uptake?colour=red",
           "/v1/stats/uptake?group_by=card_type&measures=enrolled",
           "/v1/stats/uptake?measures=happiness",
       }) {
    ExpectProblem(Get(target, analyst_), 422, "validation-failed");
  }
}

TEST_F(StatsRoutesTest, OnlyAnalystsReadStatistics) {
  const std::string release =
      R"({"group_by":["district"],"period":"2026-01","epsilon":"0.5"})";
  ExpectProblem(Get("/v1/stats/uptake"), 401, "unauthenticated");
  ExpectProblem(Get("/v1/stats/uptake", clerk_), 403, "permission-denied");
  ExpectProblem(Request("POST", "/v1/stats/releases", "", release), 401,
                "unauthenticated");
  ExpectProblem(Request("POST", "/v1/stats/releases", clerk_, release), 403,
                "permission-denied");
  ExpectProblem(Get("/v1/stats/releases/rel_000000000000000000000000", clerk_),
                403, "permission-denied");
  EXPECT_EQ(releases_->count(), 0u);
}

TEST_F(StatsRoutesTest, ReleaseIsStoredAndServedAgainByteForByte) {
  HttpResponse created =
      Request("POST", "/v1/stats/releases", analyst_,
              R"({"group_by":"district","period":"2026-01","epsilon":"0.5",)"
              R"("measures":["issued","active"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  json::object r = Body(created);
  EXPECT_EQ(r.at("mechanism").as_string(), "discrete_laplace");
  EXPECT_EQ(r.at("epsilon").as_string(), "0.5");
  EXPECT_EQ(r.at("contribution_bound").as_int64(), 1);
  EXPECT_EQ(r.at("sensitivity").as_int64(), 2);
  EXPECT_EQ(r.at("budget").at("spent").as_string(), "0.5");
  EXPECT_EQ(r.at("budget").at("limit").as_string(), "1");
  EXPECT_EQ(r.at("rows").as_array().size(), 6u);
  const std::string id(r.at("id").as_string());
  EXPECT_EQ(created.Header("Location"), "/v1/stats/releases/" + id);
  for (int i = 0; i < 3; ++i) {
    HttpResponse again = Get("/v1/stats/releases/" + id, analyst_);
    ASSERT_EQ(again.status, 200);
    EXPECT_EQ(again.body, created.body);
  }
  ExpectProblem(
      Get("/v1/stats/releases/rel_000000000000000000000000", analyst_), 404,
      "not-found");
}

TEST_F(StatsRoutesTest, ReleasePastTheBudgetIsAConflict) {
  const std::string first =
      R"({"group_by":["district"],"period":"2026-01","epsilon":0.75})";
  ASSERT_EQ(Request("POST", "/v1/stats/releases", analyst_, first).status, 201);
  HttpResponse refused = Request(
      "POST", "/v1/stats/releases", analyst_,
      R"({"group_by":["district"],"period":"2026-01","epsilon":"0.5"})");
  ExpectProblem(refused, 409, "conflict");
  EXPECT_THAT(Body(refused).at("detail").as_string().c_str(),
              HasSubstr("2026-01"));
  EXPECT_EQ(releases_->count(), 1u);
  // Another month has its own budget.
  EXPECT_EQ(
      Request("POST", "/v1/stats/releases", analyst_,
              R"({"group_by":["district"],"period":"2025-12","epsilon":"1"})")
          .status,
      201);
}

TEST_F(StatsRoutesTest, BadReleaseRequestsAreRefused) {
  ExpectProblem(Request("POST", "/v1/stats/releases", analyst_, "not json"),
                400, "malformed-request");
  for (
      const char* body : {
          R"({"group_by":["district"],"period":"2026-02","epsilon":"0.5"})",
          R"({"group_by":["district"],"period":"2026-01","epsilon":"-1"})",
          R"({"group_by":["district"],"period":"2026-01","epsilon":"1e-3"})",
          R"({"group_by":["street"],"period":"2026-01","epsilon":"0.5"})",
          R"({"group_by":["district"],"period":"2026-01"})",
          R"({"group_by":["card_type"],"period":"2026-01","epsilon":"0.5","measures":["erased"]})",
          R"({"group_by":["district"],"period":"2026-01","epsilon":"0.5","noise":"none"})",
      }) {
    ExpectProblem(Request("POST", "/v1/stats/releases", analyst_, body), 422,
                  "validation-failed");
  }
  EXPECT_EQ(releases_->count(), 0u);
  EXPECT_TRUE(releases_->Spent("2026-01").IsZero());
}

TEST_F(StatsRoutesTest, ServesTheDashboardAsStaticPublicContent) {
  HttpResponse page = Get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.Header("Content-Type"), HasSubstr("text/html"));
  EXPECT_THAT(page.body, HasSubstr("data-testid=\"chart-district\""));
  EXPECT_THAT(page.Header("Content-Security-Policy"),
              HasSubstr("default-src 'none'"));
  EXPECT_EQ(page.Header("Referrer-Policy"), "no-referrer");
  HttpResponse js = Get("/dashboard.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_THAT(js.Header("Content-Type"), HasSubstr("javascript"));
  EXPECT_THAT(js.body, HasSubstr("sessionStorage"));
  EXPECT_EQ(Get("/dashboard.css").status, 200);
  // Nothing loaded from elsewhere.
  EXPECT_THAT(page.body, ::testing::Not(HasSubstr("http://")));
  EXPECT_THAT(page.body, ::testing::Not(HasSubstr("https://")));
}

TEST_F(StatsRoutesTest, ServesPositionHealthAndMetrics) {
  HttpResponse position = Get("/v1/position");
  ASSERT_EQ(position.status, 200);
  EXPECT_EQ(Body(position).at("seq").as_int64(), 60);
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_THAT(Get("/metrics").body, HasSubstr("cityid_projection_position"));
}

TEST(PopulationsCsvTest, ReadsDistrictPopulationsAndRejectsBadLines) {
  auto p = ParsePopulationsCsv(
      "district,population\r\n# estimates 2025\nnorth,1200\n\nsouth,800\n");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p,
            (std::map<std::string, int64_t>{{"north", 1200}, {"south", 800}}));
  EXPECT_FALSE(ParsePopulationsCsv("north,12\nnorth,13\n").ok());
  EXPECT_FALSE(ParsePopulationsCsv("north,-1\n").ok());
  EXPECT_FALSE(ParsePopulationsCsv("north,12\nsouth,many\n").ok());
  EXPECT_FALSE(ParsePopulationsCsv("north\n").ok());
}

TEST_F(StatsRoutesTest, EveryRouteMatchesOpenApi) {
  testing_util::ExpectRoutesMatchOpenApi(router_, "stats");
}

}  // namespace
}  // namespace cityid
