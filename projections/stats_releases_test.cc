#include "projections/stats_releases.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "projections/stats/release.h"

namespace cityid {
namespace {

stats::Rational Eps(const char* text) { return *stats::Rational::Parse(text); }

class StatsReleasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("stats_releases_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    releases_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open(const char* limit = "1") {
    releases_.reset();
    StatsReleasesOptions options;
    options.budget_per_period = Eps(limit);
    options.store.sync = false;
    auto r = StatsReleases::Open(dir_.string(), options, &clock_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    releases_ = std::move(r).value();
  }

  // A release of "issued" by district over a fixed table.
  Result<std::string> Create(const char* period, const char* epsilon) {
    ReleaseRequest request{{"district"}, period, Eps(epsilon), {"issued"}};
    return releases_->Create(
        request, []() -> Result<std::vector<stats::CountTable>> {
          CITYID_ASSIGN_OR_RETURN(
              stats::CountTable t,
              stats::CountTable::Create({{"district", {"north", "south"}}}));
          t.Set(0, 500);
          t.Set(1, 3);
          return std::vector<stats::CountTable>{t};
        });
  }

  std::filesystem::path dir_;
  FakeClock clock_{1'767'225'600'000'000};
  std::unique_ptr<StatsReleases> releases_;
};

TEST_F(StatsReleasesTest, ServesTheStoredBytesAgainAcrossRestarts) {
  auto text = Create("2026-01", "0.5");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  auto release = stats::ParseRelease(*text);
  ASSERT_TRUE(release.ok());
  EXPECT_EQ(release->mechanism, "discrete_laplace");
  EXPECT_EQ(release->epsilon, "0.5");
  EXPECT_EQ(release->budget_spent.ToString(), "0.5");
  EXPECT_EQ(release->budget_limit.ToString(), "1");
  ASSERT_EQ(release->rows.size(), 2u);
  EXPECT_TRUE(release->IsSuppressed(1, 0) || *release->rows[1].values[0] >= 10);

  for (int i = 0; i < 3; ++i) {
    auto again = releases_->Get(release->id);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *text);
  }
  Open();
  auto after_restart = releases_->Get(release->id);
  ASSERT_TRUE(after_restart.ok());
  EXPECT_EQ(*after_restart, *text);
  EXPECT_EQ(releases_->Get("rel_000000000000000000000000").status().code(),
            Code::kNotFound);
  EXPECT_EQ(releases_->Get("../etc").status().code(), Code::kNotFound);
}

TEST_F(StatsReleasesTest, RefusesReleasesPastThePeriodBudget) {
  ASSERT_TRUE(Create("2026-01", "0.5").ok());
  ASSERT_TRUE(Create("2026-01", "0.25").ok());
  auto refused = Create("2026-01", "0.5");
  EXPECT_EQ(refused.status().code(), Code::kConflict);
  EXPECT_EQ(releases_->count(), 2u);
  EXPECT_EQ(releases_->Spent("2026-01").ToString(), "0.75");
  // Exactly the rest is still allowed; other periods have their own budget.
  EXPECT_TRUE(Create("2026-01", "0.25").ok());
  EXPECT_TRUE(Create("2026-02", "1").ok());
  EXPECT_EQ(Create("2026-02", "0.001").status().code(), Code::kConflict);
}

TEST_F(StatsReleasesTest, RestartAccountsForEveryStoredRelease) {
  ASSERT_TRUE(Create("2026-01", "0.75").ok());
  Open();
  EXPECT_EQ(releases_->Spent("2026-01").ToString(), "0.75");
  EXPECT_EQ(Create("2026-01", "0.5").status().code(), Code::kConflict);
  // A lowered limit still counts what was spent before.
  Open("0.5");
  EXPECT_EQ(releases_->Spent("2026-01").ToString(), "0.75");
  EXPECT_EQ(Create("2026-01", "0.1").status().code(), Code::kConflict);
}

TEST_F(StatsReleasesTest, FailedCountsChargeNothing) {
  ReleaseRequest request{{"district"}, "2026-01", Eps("0.5"), {"issued"}};
  auto r = releases_->Create(request,
                             []() -> Result<std::vector<stats::CountTable>> {
                               return Unavailable("store down");
                             });
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_TRUE(releases_->Spent("2026-01").IsZero());
}

}  // namespace
}  // namespace cityid
