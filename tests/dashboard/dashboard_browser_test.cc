// The stats dashboard in a real browser (issue 7): a real ledger loaded
// through its HTTP API, a real `cityid project stats`, and Debian's headless
// Chromium driven by chromedriver. The test waits for the charts, checks
// that the district bars and the table show exactly the API's numbers with
// suppressed cells marked, that the token does not stay in the URL, and
// keeps a screenshot in <build>/artifacts/dashboard.png.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "tests/dashboard/webdriver.h"
#include "tests/harness/services.h"

namespace cityid::testing {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

// Residents (each with a standard card) per district: north and south pass
// k = 10; east and west are below it; central has nobody. These districts
// are the programme's closed domain (policy.districts, SPEC §11).
const std::map<std::string, int> kResidents = {
    {"north", 14}, {"south", 12}, {"east", 4}, {"west", 2}};
const std::vector<std::string> kClosedDistricts = {
    "--set", "policy.districts=north,south,east,west,central"};

// Districts no config names, learned by the statistics from the events:
// D01..D08 pass k = 10; D09 does not, and is merged into "other".
const std::map<std::string, int> kLearned = {
    {"D01", 10}, {"D02", 11}, {"D03", 12}, {"D04", 13}, {"D05", 14},
    {"D06", 15}, {"D07", 16}, {"D08", 17}, {"D09", 3}};

class DashboardBrowserTest : public ::testing::Test {
 protected:
  // The ledger and the statistics read the same policy: `policy` (--set
  // flags), or none (every domain open).
  void StartLedgerWith(std::vector<std::string> policy) {
    policy_ = std::move(policy);
    ledger_dir_ = dir_.Sub("ledger");
    ASSERT_NO_FATAL_FAILURE(
        StartReadyLedger(ledger_dir_, policy_, &ledger_port_, &ledger_));
    analyst_ = Token(ledger_dir_, "analyst");
  }

  void LoadResidents(const std::map<std::string, int>& per_district) {
    HttpClient ledger("127.0.0.1", ledger_port_);
    EnrollPerDistrict(ledger, Token(ledger_dir_, "clerk"), per_district);
  }

  void StartStats() {
    const std::string stats_dir = dir_.Sub("stats");
    std::ofstream(dir_.Sub("populations.csv"))
        << "district,population\nnorth,100\nsouth,60\neast,40\nwest,30\n";
    stats_port_ = FreePort();
    std::vector<std::string> extra = policy_;
    extra.insert(extra.end(), {"--set", "stats.populations_file=" +
                                            dir_.Sub("populations.csv")});
    stats_ = cityid::testing::StartStats(stats_dir, stats_port_, ledger_dir_,
                                         ledger_port_, extra);
    ASSERT_TRUE(WaitForHttp(stats_port_, "/readyz", seconds(60)))
        << ReadFile(stats_dir + "/stats.log");
    WaitCaughtUp(ledger_port_, stats_port_, seconds(30));
  }

  // What the dashboard's district view asks for, straight from the API.
  json::object ApiByDistrict() {
    HttpClient stats("127.0.0.1", stats_port_);
    Reply r =
        Call(stats, "GET", "/v1/stats/uptake?group_by=district", analyst_);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body.as_object();
  }

  std::unique_ptr<WebDriver> Browser() {
    WebDriverOptions o;
    o.profile_dir = dir_.Sub("chromium-profile");
    o.log_path = dir_.Sub("chromedriver.log");
    auto wd = WebDriver::Start(o);
    EXPECT_TRUE(wd.ok()) << wd.status().ToString() << "\n"
                         << ReadFile(o.log_path);
    return wd.ok() ? std::move(wd).value() : nullptr;
  }

  // Opens the page with the analyst's token and waits for the district bars.
  void OpenDashboard(WebDriver& browser) {
    ASSERT_TRUE(browser.Navigate(Url("#token=" + analyst_)).ok());
    Status loaded = browser.WaitFor(
        "return document.body.dataset.loaded === 'true' && "
        "document.querySelectorAll('[data-testid=\"district-bar\"]').length "
        "> 0;",
        seconds(30));
    ASSERT_TRUE(loaded.ok()) << loaded.ToString();
  }

  std::string Url(const std::string& fragment = "") const {
    return "http://127.0.0.1:" + std::to_string(stats_port_) + "/" + fragment;
  }

  TempDir dir_;
  std::vector<std::string> policy_;
  std::string ledger_dir_, analyst_;
  uint16_t ledger_port_ = 0, stats_port_ = 0;
  std::unique_ptr<Process> ledger_, stats_;
};

// What the page rendered: district bars, table cells and the time chart.
constexpr char kRendered[] = R"JS(
  const bars = Array.from(document.querySelectorAll('[data-testid="district-bar"]'))
      .map((b) => ({district: b.dataset.category, value: b.dataset.value ?? null,
                    suppressed: b.dataset.suppressed === 'true'}));
  const cells = Array.from(document.querySelectorAll('[data-testid="cell"]'))
      .map((c) => ({district: c.dataset.district, measure: c.dataset.measure,
                    value: c.dataset.value ?? null, suppressed: c.dataset.suppressed === 'true',
                    marked: c.classList.contains('suppressed'), text: c.textContent}));
  return {bars, cells,
          time_bars: document.querySelectorAll('[data-testid="time-bar"]').length,
          time_svg: document.querySelector('[data-testid="time-svg"]') !== null,
          k: document.querySelector('[data-testid="k-value"]').textContent};
)JS";

TEST_F(DashboardBrowserTest, RendersTheApiNumbersAndMarksSuppressedCells) {
  ASSERT_NO_FATAL_FAILURE(StartLedgerWith(kClosedDistricts));
  ASSERT_NO_FATAL_FAILURE(LoadResidents(kResidents));
  ASSERT_NO_FATAL_FAILURE(StartStats());
  const json::object api = ApiByDistrict();
  const json::array& rows = api.at("rows").as_array();
  std::unique_ptr<WebDriver> browser = Browser();
  ASSERT_NE(browser, nullptr);

  ASSERT_NO_FATAL_FAILURE(OpenDashboard(*browser));
  auto rendered = browser->Execute(kRendered);
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  const json::object& page = rendered->as_object();

  EXPECT_EQ(page.at("k").as_string(), "10");
  EXPECT_TRUE(page.at("time_svg").as_bool());
  EXPECT_EQ(page.at("time_bars").as_int64(), 24);  // 12 months × issued, active

  // District bars: "active" per district, exactly as the API says.
  const json::array& bars = page.at("bars").as_array();
  ASSERT_EQ(bars.size(), rows.size());
  int suppressed = 0, published = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json::object& row = rows[i].as_object();
    const json::object& bar = bars[i].as_object();
    EXPECT_EQ(bar.at("district"), row.at("district"));
    if (row.at("active").is_null()) {
      EXPECT_TRUE(bar.at("suppressed").as_bool()) << row.at("district");
      ++suppressed;
    } else {
      EXPECT_EQ(bar.at("value").as_string(),
                std::to_string(row.at("active").as_int64()));
      ++published;
    }
  }
  EXPECT_GE(published, 2);   // north and south
  EXPECT_GE(suppressed, 3);  // east, west, central (and other)

  // The table: every measure of every district, suppressed ones marked.
  std::map<std::pair<std::string, std::string>, json::object> cells;
  for (const json::value& c : page.at("cells").as_array()) {
    cells[{std::string(c.at("district").as_string()),
           std::string(c.at("measure").as_string())}] = c.as_object();
  }
  for (const json::value& r : rows) {
    const std::string district(r.at("district").as_string());
    for (const char* measure : {"enrolled", "issued", "active", "revoked"}) {
      auto it = cells.find({district, measure});
      ASSERT_NE(it, cells.end()) << district << " " << measure;
      const json::value& want = r.at(measure);
      if (want.is_null()) {
        EXPECT_TRUE(it->second.at("marked").as_bool()) << district << measure;
        EXPECT_EQ(it->second.at("text").as_string(), "suppressed (<10)");
      } else {
        EXPECT_FALSE(it->second.at("marked").as_bool());
        EXPECT_EQ(it->second.at("value").as_string(),
                  std::to_string(want.as_int64()));
      }
    }
  }
  EXPECT_EQ(cells.at({"north", "issued"}).at("value").as_string(), "14");

  // The token left the URL but stayed in session storage.
  auto href = browser->Execute("return window.location.href;");
  ASSERT_TRUE(href.ok());
  EXPECT_EQ(href->as_string().find("token"), std::string::npos)
      << href->as_string();
  EXPECT_EQ(href->as_string().find(analyst_), std::string::npos);
  auto kept = browser->Execute(
      "return sessionStorage.getItem('cityid.analyst_token') === arguments[0] "
      "&& localStorage.length === 0;",
      json::array{analyst_});
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->as_bool());

  auto png = browser->Screenshot();
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  ASSERT_GT(png->size(), 8u);
  EXPECT_EQ(png->substr(1, 3), "PNG");
  std::filesystem::create_directories(CITYID_ARTIFACT_DIR);
  const std::string path = std::string(CITYID_ARTIFACT_DIR) + "/dashboard.png";
  std::ofstream(path, std::ios::binary) << *png;
  std::cout << "screenshot: " << path << "\n";
}

TEST_F(DashboardBrowserTest, AsksForTheTokenAndRefusesAWrongOne) {
  ASSERT_NO_FATAL_FAILURE(StartLedgerWith(kClosedDistricts));
  ASSERT_NO_FATAL_FAILURE(StartStats());
  std::unique_ptr<WebDriver> browser = Browser();
  ASSERT_NE(browser, nullptr);
  ASSERT_TRUE(browser->Navigate(Url()).ok());
  ASSERT_TRUE(browser
                  ->WaitFor("return !document.querySelector('[data-testid="
                            "\"token-form\"]').hidden;",
                            seconds(15))
                  .ok());
  auto type_and_submit = [&](const std::string& token) {
    auto input = browser->Find("#token");
    ASSERT_TRUE(input.ok()) << input.status().ToString();
    ASSERT_TRUE(browser->Type(*input, token).ok());
    auto button = browser->Find("#token-form button[type=submit]");
    ASSERT_TRUE(button.ok());
    ASSERT_TRUE(browser->Click(*button).ok());
  };
  type_and_submit("cid_not-a-real-token-at-all-xxxxxxxxxx");
  EXPECT_TRUE(browser
                  ->WaitFor("return document.querySelector('[data-testid="
                            "\"login-error\"]').textContent.length > 0;",
                            seconds(15))
                  .ok());
  auto cleared = browser->Execute(
      "return sessionStorage.getItem('cityid.analyst_token');");
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(cleared->is_null());

  type_and_submit(analyst_);
  EXPECT_TRUE(browser
                  ->WaitFor("return document.body.dataset.loaded === 'true';",
                            seconds(30))
                  .ok());
}

// The district chart's x-axis labels: each one's shown text and full name.
constexpr char kLabels[] = R"JS(
  return Array.from(document.querySelectorAll('[data-testid="district-label"]'))
      .map((t) => ({shown: t.firstChild ? t.firstChild.nodeValue : '',
                    name: t.dataset.label}));
)JS";

TEST_F(DashboardBrowserTest, LabelsEveryDistrictLearnedFromTheEvents) {
  ASSERT_NO_FATAL_FAILURE(StartLedgerWith({}));  // no policy: domains open
  ASSERT_NO_FATAL_FAILURE(LoadResidents(kLearned));
  ASSERT_NO_FATAL_FAILURE(StartStats());
  const json::object api = ApiByDistrict();
  const json::array& rows = api.at("rows").as_array();
  std::vector<std::string> districts;
  for (const json::value& r : rows) {
    districts.emplace_back(r.at("district").as_string());
  }
  EXPECT_EQ(districts,
            (std::vector<std::string>{"D01", "D02", "D03", "D04", "D05", "D06",
                                      "D07", "D08", "other"}));
  std::unique_ptr<WebDriver> browser = Browser();
  ASSERT_NE(browser, nullptr);
  ASSERT_NO_FATAL_FAILURE(OpenDashboard(*browser));
  auto labels = browser->Execute(kLabels);
  ASSERT_TRUE(labels.ok()) << labels.status().ToString();
  const json::array& shown = labels->as_array();
  // One label per bar, in the API's order, each showing its whole name.
  ASSERT_EQ(shown.size(), districts.size());
  for (size_t i = 0; i < shown.size(); ++i) {
    EXPECT_EQ(shown[i].at("name").as_string(), districts[i]);
    EXPECT_EQ(shown[i].at("shown").as_string(), districts[i]);
  }
  auto bars = browser->Execute(
      "return Array.from(document.querySelectorAll("
      "'[data-testid=\"district-bar\"]')).map((b) => b.dataset.category);");
  ASSERT_TRUE(bars.ok());
  ASSERT_EQ(bars->as_array().size(), districts.size());
  for (size_t i = 0; i < districts.size(); ++i) {
    EXPECT_EQ(bars->as_array()[i].as_string(), districts[i]);
  }
}

}  // namespace
}  // namespace cityid::testing
