// Programme policy end to end (SPEC §11, issue 16): a real ledger and a real
// `cityid project stats` over loopback, neither told the city's districts.
// The ledger accepts the city's own codes; the statistics learn them from
// the events and publish exactly the true count of each, with the districts
// below k merged into "other". And a DP budget with an open domain, or a
// removed stats.* key, stops the stats service saying why.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <map>

#include "tests/harness/services.h"

namespace cityid::testing {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

// D01..D08 pass k = 10; D09..D12 are below it, and together (12) make an
// "other" that passes k too, so nothing in the answer is suppressed.
const std::map<std::string, int> kPerDistrict = {
    {"D01", 10}, {"D02", 11}, {"D03", 12}, {"D04", 13},
    {"D05", 14}, {"D06", 15}, {"D07", 16}, {"D08", 17},
    {"D09", 3},  {"D10", 3},  {"D11", 3},  {"D12", 3}};
constexpr int kOther = 12;  // D09..D12

class PolicyDomainsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger_dir_ = dir_.Sub("ledger");
    StartReadyLedger(ledger_dir_, {}, &ledger_port_, &ledger_);
  }

  // Runs `cityid project stats` with `extra`, expecting it to refuse to
  // start; returns its log.
  std::string RefusedStats(const std::vector<std::string>& extra) {
    const std::string dir = dir_.Sub("stats-refused");
    std::unique_ptr<Process> stats =
        StartStats(dir, FreePort(), ledger_dir_, ledger_port_, extra);
    const int status = stats->Wait(std::chrono::seconds(30));
    EXPECT_NE(status, -1) << "the stats service did not stop by itself";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    return ReadFile(dir + "/stats.log");
  }

  // Starts `cityid project stats` on stats_dir_ with `extra` and waits until
  // it has caught up with the ledger.
  void StartCaughtUpStats(const std::vector<std::string>& extra) {
    stats_port_ = FreePort();
    stats_ =
        StartStats(stats_dir_, stats_port_, ledger_dir_, ledger_port_, extra);
    ASSERT_TRUE(WaitForHttp(stats_port_, "/readyz", seconds(60)))
        << ReadFile(stats_dir_ + "/stats.log");
    ASSERT_NO_FATAL_FAILURE(
        WaitCaughtUp(ledger_port_, stats_port_, seconds(60)));
  }

  // Expects the uptake by district to hold exactly `want`: one row per
  // district, enrolled = issued = active = its residents (each holds one
  // standard card, active now). Returns the answer's text.
  std::string ExpectDistrictCounts(const std::map<std::string, int>& want) {
    HttpClient client("127.0.0.1", stats_port_);
    Reply r = Call(client, "GET",
                   "/v1/stats/uptake?group_by=district&measures=enrolled,"
                   "issued,active",
                   Token(ledger_dir_, "analyst"));
    EXPECT_EQ(r.status, 200) << r.raw;
    if (r.status != 200) return r.raw;
    std::map<std::string, json::object> rows;
    for (const json::value& row : r.body.at("rows").as_array()) {
      rows[std::string(row.at("district").as_string())] = row.as_object();
    }
    EXPECT_EQ(rows.size(), want.size()) << r.raw;
    for (const auto& [district, n] : want) {
      if (!rows.count(district)) {
        ADD_FAILURE() << district << " missing: " << r.raw;
        continue;
      }
      for (const char* measure : {"enrolled", "issued", "active"}) {
        const json::value& got = rows[district].at(measure);
        EXPECT_TRUE(got.is_int64() && got.as_int64() == n)
            << district << " " << measure << " is " << got << ", not " << n;
      }
    }
    return r.raw;
  }

  TempDir dir_;
  std::string ledger_dir_;
  uint16_t ledger_port_ = 0;
  std::unique_ptr<Process> ledger_;
  const std::string stats_dir_ = dir_.Sub("stats");
  uint16_t stats_port_ = 0;
  std::unique_ptr<Process> stats_;
};

TEST_F(PolicyDomainsTest, LearnsDistrictsNoConfigNamesAndCountsThemExactly) {
  HttpClient ledger("127.0.0.1", ledger_port_);
  ASSERT_NO_FATAL_FAILURE(
      EnrollPerDistrict(ledger, Token(ledger_dir_, "clerk"), kPerDistrict));
  ASSERT_NO_FATAL_FAILURE(StartCaughtUpStats({}));
  std::map<std::string, int> want;
  for (const auto& [district, n] : kPerDistrict) {
    if (n >= 10) want[district] = n;
  }
  want["other"] = kOther;
  const std::string raw = ExpectDistrictCounts(want);
  // The districts below k are never named.
  for (const char* small : {"D09", "D10", "D11", "D12"}) {
    EXPECT_EQ(raw.find(small), std::string::npos) << small;
  }

  // Closing the domain is a settings change: the store is rebuilt by replay
  // and counts exactly the configured districts, the rest as "other".
  stats_->Signal(SIGTERM);
  ASSERT_NE(stats_->Wait(std::chrono::seconds(30)), -1);
  ASSERT_NO_FATAL_FAILURE(StartCaughtUpStats(
      {"--set", "policy.districts=D01,D02,D03,D04,D05,D06,D07"}));
  want.erase("D08");
  want["other"] = kOther + kPerDistrict.at("D08");
  ExpectDistrictCounts(want);
  EXPECT_NE(ReadFile(stats_dir_ + "/stats.log").find("rebuilding"),
            std::string::npos);
}

TEST_F(PolicyDomainsTest, StatsRefusesABudgetWhileADomainIsOpen) {
  const std::string log = RefusedStats({"--set", "stats.budget_per_period=1",
                                        "--set", "policy.districts=D01,D02"});
  EXPECT_NE(log.find("age_band domain is open"), std::string::npos) << log;
  EXPECT_NE(log.find("policy.age_bands"), std::string::npos) << log;
}

TEST_F(PolicyDomainsTest, StatsRefusesTheRemovedStatsDomainKeys) {
  const std::string log =
      RefusedStats({"--set", "stats.districts=north,south"});
  EXPECT_NE(log.find("set policy.districts instead"), std::string::npos) << log;
}

}  // namespace
}  // namespace cityid::testing
