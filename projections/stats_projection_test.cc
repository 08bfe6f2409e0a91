#include "projections/stats_projection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "projections/projection_runner.h"
#include "projections/stats/release.h"
#include "projections/stats_releases.h"
#include "stream/memory_event_source.h"
#include "stream/sample_history.h"

namespace cityid {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Micros Day(const char* date) { return *ParseDate(date); }
constexpr Micros kYear = 365 * kMicrosPerDay;
const Attributes kNorth{"north", "25-34", "es"};
const Attributes kSouth{"south", "35-44", "en"};
const std::vector<std::string> kMonths = {"2026-01", "2026-02", "2026-03",
                                          "2026-04", "2026-05", "2026-06"};

ProgrammePolicy Domains() {
  ProgrammePolicy p;
  p.districts.values = {"north", "south", "east"};
  p.age_bands.values = {"18-24", "25-34", "35-44"};
  p.languages.values = {"en", "es", "ar"};
  p.card_types.values = {"standard", "youth", "senior"};
  return p;
}

// Districts left open (learned from the events); the rest closed.
ProgrammePolicy OpenDistricts() {
  ProgrammePolicy p = Domains();
  p.districts.values.clear();
  return p;
}

CardStatusChange Change(const std::string& card, const char* reason) {
  return CardStatusChange{card, "r_1", reason};
}

class StatsProjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("stats_projection_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    ASSERT_TRUE(Open().ok());
  }
  void TearDown() override {
    Close();
    std::filesystem::remove_all(dir_);
  }
  void Close() {
    runner_.reset();
    stats_.reset();
    store_.reset();
  }

  Status Open(uint32_t bound = 1, ProgrammePolicy domains = Domains(),
              size_t batch_limit = 1000, int64_t min_category_count = 10) {
    Close();
    auto store = ProjectionStore::Open(dir_.string(), StatsProjection::kName,
                                       ProjectionStoreOptions{.sync = false});
    if (!store.ok()) return store.status();
    store_ = std::move(store).value();
    auto stats = StatsProjection::Create(
        store_.get(),
        StatsProjectionOptions{std::move(domains), bound, min_category_count});
    if (!stats.ok()) return stats.status();
    stats_ = std::move(stats).value();
    runner_ = std::make_unique<ProjectionRunner>(
        store_.get(), stats_.get(), &source_,
        ProjectionRunnerOptions{.batch_limit = batch_limit, .wait = 0});
    return Status::Ok();
  }

  void CatchUp() {
    while (true) {
      Result<size_t> n = runner_->RunOnce();
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      if (*n == 0) return;
    }
  }

  // The count of `measure` in one cell; card_type "" for resident measures.
  int64_t Count(const std::string& measure, const std::string& month,
                const Attributes& a, const std::string& card_type,
                StatsCounts which = StatsCounts::kExact) {
    auto tables = stats_->Counts({measure}, kMonths, which);
    EXPECT_TRUE(tables.ok()) << tables.status().ToString();
    if (!tables.ok()) return -1;
    std::vector<std::string> labels = {month, a.district, a.age_band,
                                       a.language};
    if (!card_type.empty()) labels.push_back(card_type);
    auto cell = tables->at(measure).CellOf(labels);
    EXPECT_TRUE(cell.ok()) << cell.status().ToString();
    return cell.ok() ? tables->at(measure).count(*cell) : -1;
  }
  // Sum of a measure's table over every cell of one month.
  int64_t MonthTotal(const std::string& measure, const std::string& month) {
    auto tables = stats_->Counts({measure}, kMonths, StatsCounts::kExact);
    EXPECT_TRUE(tables.ok());
    auto by_month = tables->at(measure).Marginal({"month"});
    EXPECT_TRUE(by_month.ok());
    return by_month->count(*by_month->CellOf({month}));
  }

  void Enroll(const std::string& rid, const Attributes& a, Micros at) {
    source_.Append(ResidentEnrolled{rid, std::string(32, 'd'), a, {}}, at);
  }
  void Issue(const std::string& card, const std::string& rid, Micros at,
             Micros expires, const std::string& type = "standard") {
    source_.Append(CardIssued{card, rid, type, at, expires, "1", 7}, at);
  }

  std::filesystem::path dir_;
  MemoryEventSource source_;
  std::unique_ptr<ProjectionStore> store_;
  std::unique_ptr<StatsProjection> stats_;
  std::unique_ptr<ProjectionRunner> runner_;
};

TEST_F(StatsProjectionTest, CountsEveryEventTypeInItsMonthAndCell) {
  Enroll("r_1", kNorth, Day("2026-01-10"));
  Issue("c1", "r_1", Day("2026-01-10"), Day("2031-01-10"));
  source_.Append(CardRenewed{"c1", "r_1", Day("2032-02-01")},
                 Day("2026-02-03"));
  source_.Append(CardSuspended{Change("c1", "review")}, Day("2026-03-05"));
  source_.Append(CardReinstated{Change("c1", "cleared")}, Day("2026-03-20"));
  source_.Append(CardReplaced{"c1", "c2", "r_1", "lost", "youth",
                              Day("2026-04-02"), Day("2028-04-02"), "1", 9},
                 Day("2026-04-02"));
  source_.Append(PiiAccessed{"r_1", "tok", "pickup"}, Day("2026-04-03"));
  source_.Append(CardRevoked{Change("c2", "erased")}, Day("2026-05-07"));
  source_.Append(ResidentErased{"r_1", "request"}, Day("2026-05-07"));
  CatchUp();

  EXPECT_EQ(Count("enrolled", "2026-01", kNorth, ""), 1);
  EXPECT_EQ(Count("issued", "2026-01", kNorth, "standard"), 1);
  EXPECT_EQ(Count("renewed", "2026-02", kNorth, "standard"), 1);
  EXPECT_EQ(Count("suspended", "2026-03", kNorth, "standard"), 1);
  EXPECT_EQ(Count("replaced", "2026-04", kNorth, "standard"), 1);
  EXPECT_EQ(Count("revoked", "2026-05", kNorth, "youth"), 1);
  EXPECT_EQ(Count("erased", "2026-05", kNorth, ""), 1);
  // Nothing else anywhere: a replacement is not an issuance, and the old
  // card of a replacement is not counted as revoked.
  for (const std::string& m : StatsMeasures()) {
    if (m == "active") continue;
    int64_t total = 0;
    for (const std::string& month : kMonths) total += MonthTotal(m, month);
    EXPECT_EQ(total, 1) << m;
  }
  // Active at each month end: suspended on 03-05 but reinstated on 03-20;
  // replaced by a youth card in April; revoked in May.
  EXPECT_EQ(Count("active", "2026-01", kNorth, "standard"), 1);
  EXPECT_EQ(Count("active", "2026-02", kNorth, "standard"), 1);
  EXPECT_EQ(Count("active", "2026-03", kNorth, "standard"), 1);
  EXPECT_EQ(Count("active", "2026-04", kNorth, "standard"), 0);
  EXPECT_EQ(Count("active", "2026-04", kNorth, "youth"), 1);
  EXPECT_EQ(MonthTotal("active", "2026-05"), 0);
  EXPECT_EQ(MonthTotal("active", "2026-06"), 0);
}

TEST_F(StatsProjectionTest, ActiveFollowsExpiryRenewalAndSuspension) {
  Enroll("r_1", kNorth, Day("2026-01-10"));
  // Expires mid-March: active at the end of January and February only.
  Issue("c1", "r_1", Day("2026-01-10"), Day("2026-03-15"));
  CatchUp();
  EXPECT_EQ(MonthTotal("active", "2026-01"), 1);
  EXPECT_EQ(MonthTotal("active", "2026-02"), 1);
  EXPECT_EQ(MonthTotal("active", "2026-03"), 0);
  // Renewed in April, after it expired: active again from April.
  source_.Append(CardRenewed{"c1", "r_1", Day("2026-05-20")},
                 Day("2026-04-01"));
  CatchUp();
  EXPECT_EQ(MonthTotal("active", "2026-03"), 0);
  EXPECT_EQ(MonthTotal("active", "2026-04"), 1);
  EXPECT_EQ(MonthTotal("active", "2026-05"), 0);
  // Renewed again while active: the end moves from May to later.
  source_.Append(CardRenewed{"c1", "r_1", Day("2030-01-01")},
                 Day("2026-04-10"));
  // Suspended in June: not active at the end of June.
  source_.Append(CardSuspended{Change("c1", "review")}, Day("2026-06-02"));
  CatchUp();
  EXPECT_EQ(MonthTotal("active", "2026-04"), 1);
  EXPECT_EQ(MonthTotal("active", "2026-05"), 1);
  EXPECT_EQ(MonthTotal("active", "2026-06"), 0);
  // A card expiring on the first instant of a month is active at the end of
  // the month before.
  Enroll("r_2", kSouth, Day("2026-01-01"));
  Issue("c2", "r_2", Day("2026-01-01"), Day("2026-03-01"));
  CatchUp();
  EXPECT_EQ(Count("active", "2026-02", kSouth, "standard"), 1);
  EXPECT_EQ(Count("active", "2026-03", kSouth, "standard"), 0);
}

TEST_F(StatsProjectionTest, AttributeUpdateMovesLaterEventsAndActiveCard) {
  Enroll("r_1", kNorth, Day("2026-01-10"));
  Issue("c1", "r_1", Day("2026-01-10"), Day("2031-01-10"));
  source_.Append(ResidentUpdated{"r_1", "", true, kSouth}, Day("2026-02-11"));
  source_.Append(CardRenewed{"c1", "r_1", Day("2032-01-10")},
                 Day("2026-03-01"));
  CatchUp();
  EXPECT_EQ(Count("active", "2026-01", kNorth, "standard"), 1);
  EXPECT_EQ(Count("active", "2026-02", kNorth, "standard"), 0);
  EXPECT_EQ(Count("active", "2026-02", kSouth, "standard"), 1);
  EXPECT_EQ(Count("active", "2026-06", kSouth, "standard"), 1);
  EXPECT_EQ(Count("renewed", "2026-03", kSouth, "standard"), 1);
  EXPECT_EQ(Count("issued", "2026-01", kNorth, "standard"), 1);
}

TEST_F(StatsProjectionTest, ValuesOutsideTheDomainsCountAsOther) {
  Enroll("r_1", Attributes{"harbour", "90+", "tlh"}, Day("2026-01-10"));
  Issue("c1", "r_1", Day("2026-01-10"), Day("2031-01-10"), "diplomatic");
  CatchUp();
  const Attributes other{"other", "other", "other"};
  EXPECT_EQ(Count("enrolled", "2026-01", other, ""), 1);
  EXPECT_EQ(Count("issued", "2026-01", other, "other"), 1);
  auto dump = stats_->Dump();
  ASSERT_TRUE(dump.ok());
  for (const char* raw : {"harbour", "90+", "tlh", "diplomatic"}) {
    EXPECT_THAT(*dump, Not(HasSubstr(raw)));
  }
}

// The district categories Counts() and Dimensions() publish.
std::vector<std::string> DistrictCategories(const StatsProjection& stats) {
  auto dims = stats.Dimensions(kMonths, false);
  EXPECT_TRUE(dims.ok()) << dims.status().ToString();
  return dims.ok() ? (*dims)[1].categories : std::vector<std::string>();
}

TEST_F(StatsProjectionTest, OpenDomainLearnsCategoriesFromTheEvents) {
  ASSERT_TRUE(Open(1, OpenDistricts(), 1000, /*min_category_count=*/2).ok());
  const Attributes d01{"D01", "25-34", "es"}, d02{"D02", "25-34", "es"};
  Enroll("r_1", d01, Day("2026-01-10"));
  Enroll("r_2", d02, Day("2026-01-11"));
  Enroll("r_3", d02, Day("2026-01-12"));
  Enroll("r_4", d01, Day("2026-02-01"));
  Issue("c1", "r_1", Day("2026-01-10"), Day("2031-01-10"));
  CatchUp();
  EXPECT_EQ(DistrictCategories(*stats_),
            (std::vector<std::string>{"D01", "D02", "other"}));
  EXPECT_EQ(Count("enrolled", "2026-01", d01, ""), 1);
  EXPECT_EQ(Count("enrolled", "2026-01", d02, ""), 2);
  EXPECT_EQ(Count("enrolled", "2026-02", d01, ""), 1);
  EXPECT_EQ(Count("active", "2026-03", d01, "standard"), 1);
  EXPECT_EQ(Count("enrolled", "2026-01", {"other", "25-34", "es"}, ""), 0);
}

TEST_F(StatsProjectionTest,
       OpenDomainMergesCategoriesBelowTheThresholdIntoOther) {
  ASSERT_TRUE(Open(1, OpenDistricts(), 1000, /*min_category_count=*/3).ok());
  const Attributes big{"D01", "25-34", "es"}, small{"D02", "25-34", "es"};
  for (const char* rid : {"r_1", "r_2", "r_3"}) {
    Enroll(rid, big, Day("2026-01-10"));
  }
  Enroll("r_4", small, Day("2026-01-10"));
  Enroll("r_5", small, Day("2026-01-11"));
  // Not a category the store can hold (the ledger refuses it today; an
  // older history may carry it): counted under "other", never stored raw.
  Enroll("r_6", Attributes{"D09/annex", "25-34", "es"}, Day("2026-01-12"));
  Issue("c4", "r_4", Day("2026-01-10"), Day("2031-01-10"));
  CatchUp();
  EXPECT_EQ(DistrictCategories(*stats_),
            (std::vector<std::string>{"D01", "other"}));
  const Attributes other{"other", "25-34", "es"};
  EXPECT_EQ(Count("enrolled", "2026-01", big, ""), 3);
  EXPECT_EQ(Count("enrolled", "2026-01", other, ""), 3);
  EXPECT_EQ(Count("issued", "2026-01", other, "standard"), 1);
  auto dump = stats_->Dump();
  ASSERT_TRUE(dump.ok());
  EXPECT_THAT(*dump, Not(HasSubstr("annex")));

  // A third resident moved into D02 publishes it, with its own counts; an
  // erasure does not unpublish it (the count is of residents ever in it).
  Enroll("r_7", big, Day("2026-02-01"));
  source_.Append(ResidentUpdated{"r_7", "", true, small}, Day("2026-02-02"));
  source_.Append(ResidentErased{"r_5", "request"}, Day("2026-02-03"));
  CatchUp();
  EXPECT_EQ(DistrictCategories(*stats_),
            (std::vector<std::string>{"D01", "D02", "other"}));
  EXPECT_EQ(Count("enrolled", "2026-01", small, ""), 2);
  EXPECT_EQ(Count("enrolled", "2026-01", other, ""), 1);
  EXPECT_EQ(Count("active", "2026-02", small, "standard"), 1);
  EXPECT_EQ(Count("erased", "2026-02", small, ""), 1);
}

TEST_F(StatsProjectionTest, BoundsContributionsPerResidentMonthAndMeasure) {
  ASSERT_TRUE(Open(/*bound=*/2).ok());
  Enroll("r_1", kNorth, Day("2026-01-02"));
  Issue("c1", "r_1", Day("2026-01-02"), Day("2031-01-02"));
  CatchUp();
  // Four renewals in January, each committed in its own batch and with a
  // restart in between: the persisted counters still admit only two.
  for (int i = 0; i < 4; ++i) {
    source_.Append(CardRenewed{"c1", "r_1", Day("2031-02-01") + i},
                   Day("2026-01-20"));
    CatchUp();
    ASSERT_TRUE(Open(/*bound=*/2).ok());
  }
  source_.Append(CardRenewed{"c1", "r_1", Day("2031-03-01")},
                 Day("2026-02-20"));
  CatchUp();
  EXPECT_EQ(Count("renewed", "2026-01", kNorth, "standard"), 4);
  EXPECT_EQ(
      Count("renewed", "2026-01", kNorth, "standard", StatsCounts::kBounded),
      2);
  EXPECT_EQ(
      Count("renewed", "2026-02", kNorth, "standard", StatsCounts::kBounded),
      1);
  EXPECT_EQ(
      Count("active", "2026-02", kNorth, "standard", StatsCounts::kBounded), 1);
}

TEST_F(StatsProjectionTest, ErasureForgetsTheResidentButKeepsTheCounts) {
  Enroll("r_1", kNorth, Day("2026-01-10"));
  Issue("c1", "r_1", Day("2026-01-10"), Day("2031-01-10"));
  source_.Append(CardRevoked{Change("c1", "erased")}, Day("2026-02-01"));
  source_.Append(ResidentErased{"r_1", "request"}, Day("2026-02-01"));
  CatchUp();
  auto dump = stats_->Dump();
  ASSERT_TRUE(dump.ok());
  EXPECT_THAT(*dump, Not(HasSubstr("r_1")));
  EXPECT_THAT(*dump, Not(HasSubstr("c1")));
  EXPECT_EQ(Count("erased", "2026-02", kNorth, ""), 1);
  EXPECT_EQ(Count("issued", "2026-01", kNorth, "standard"), 1);
}

TEST_F(StatsProjectionTest, UnknownCardIsCorruptionAndCommitsNothing) {
  source_.Append(CardRevoked{Change("nope", "fraud")}, Day("2026-01-01"));
  Result<size_t> n = runner_->RunOnce();
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Code::kCorruption);
  EXPECT_EQ(store_->position(), 0u);
}

TEST_F(StatsProjectionTest, RefusesAStoreBuiltWithOtherSettings) {
  Enroll("r_1", kNorth, Day("2026-01-10"));
  CatchUp();
  ProgrammePolicy fewer = Domains();
  fewer.districts.values.pop_back();
  EXPECT_EQ(Open(1, fewer).code(), Code::kPreconditionFailed);
  EXPECT_EQ(Open(1, OpenDistricts()).code(), Code::kPreconditionFailed);
  EXPECT_EQ(Open(3).code(), Code::kPreconditionFailed);
  EXPECT_TRUE(Open(1).ok());
  // The publication threshold applies when reading: not a setting.
  EXPECT_TRUE(Open(1, Domains(), 1000, /*min_category_count=*/3).ok());
  ProgrammePolicy bad = Domains();
  bad.districts.values.push_back("a/b");
  EXPECT_EQ(Open(1, bad).code(), Code::kInvalidArgument);
}

TEST_F(StatsProjectionTest, BatchSizeDoesNotChangeTheState) {
  AppendSampleHistory(source_, 0, 120);
  ASSERT_TRUE(Open(1, Domains(), /*batch_limit=*/1000).ok());
  CatchUp();
  auto whole = stats_->Fingerprint();
  ASSERT_TRUE(whole.ok());
  Close();
  std::filesystem::remove_all(dir_);
  ASSERT_TRUE(Open(1, Domains(), /*batch_limit=*/7).ok());
  CatchUp();
  auto pieces = stats_->Fingerprint();
  ASSERT_TRUE(pieces.ok());
  EXPECT_EQ(*whole, *pieces);
  // And the history adds up: every resident enrolled once.
  auto tables = stats_->Counts({"enrolled"}, {"2026-01"}, StatsCounts::kExact);
  ASSERT_TRUE(tables.ok());
  int64_t enrolled = 0;
  for (int64_t c : tables->at("enrolled").counts()) enrolled += c;
  EXPECT_EQ(enrolled, 120);
}

TEST(MonthRangeTest, ListsConsecutiveMonthsAndRejectsBadBounds) {
  auto months = MonthRange("2025-11", "2026-02", 12);
  ASSERT_TRUE(months.ok());
  EXPECT_EQ(*months, (std::vector<std::string>{"2025-11", "2025-12", "2026-01",
                                               "2026-02"}));
  EXPECT_FALSE(MonthRange("2026-02", "2025-11", 12).ok());
  EXPECT_FALSE(MonthRange("2026-13", "2026-12", 12).ok());
  EXPECT_FALSE(MonthRange("2026-1", "2026-12", 12).ok());
  EXPECT_FALSE(MonthRange("2020-01", "2026-12", 12).ok());
  EXPECT_EQ(AddMonths("2026-01", -1), "2025-12");
  EXPECT_EQ(AddMonths("2026-12", 1), "2027-01");
}

}  // namespace
}  // namespace cityid
