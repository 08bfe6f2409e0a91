#include "projections/stats/count_table.h"

#include <gtest/gtest.h>

namespace cityid::stats {
namespace {

CountTable MonthByDistrict() {
  CountTable t =
      *CountTable::Create({{"month", {"2025-01", "2025-02", "2025-03"}},
                           {"district", {"north", "south"}}});
  for (size_t c = 0; c < t.cell_count(); ++c) t.Set(c, int64_t(c + 1));  // 1..6
  return t;
}

TEST(CountTable, AddressesCellsByCategoryRowMajor) {
  CountTable t = MonthByDistrict();
  EXPECT_EQ(t.cell_count(), 6u);
  EXPECT_EQ(*t.CellOf({"2025-02", "south"}), 3u);
  EXPECT_EQ(t.Labels(3), (std::vector<std::string>{"2025-02", "south"}));
  EXPECT_EQ(t.Coordinates(3), (std::vector<size_t>{1, 1}));
  EXPECT_EQ(t.CellAt({1, 1}), 3u);
  EXPECT_EQ(t.CellOf({"2025-02", "west"}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(t.CellOf({"2025-02"}).status().code(), Code::kInvalidArgument);
}

TEST(CountTable, RejectsBadDomains) {
  EXPECT_FALSE(CountTable::Create({{"a", {}}}).ok());
  EXPECT_FALSE(CountTable::Create({{"a", {"x", "x"}}}).ok());
  EXPECT_FALSE(CountTable::Create({{"a", {"x"}}, {"a", {"y"}}}).ok());
  EXPECT_FALSE(CountTable::Create({{"", {"x"}}}).ok());
  std::vector<std::string> big(2048, "");
  for (size_t i = 0; i < big.size(); ++i) big[i] = std::to_string(i);
  EXPECT_FALSE(
      CountTable::Create({{"a", big}, {"b", big}, {"c", {"x", "y"}}}).ok());
  EXPECT_EQ(CountTable::Create({})->cell_count(), 1u);  // a grand total
}

TEST(CountTable, MarginalSumsOutAndReorders) {
  CountTable t = MonthByDistrict();
  CountTable by_district = *t.Marginal({"district"});
  EXPECT_EQ(by_district.counts(), (std::vector<int64_t>{1 + 3 + 5, 2 + 4 + 6}));
  EXPECT_EQ(t.Marginal({})->counts(), (std::vector<int64_t>{21}));
  CountTable swapped = *t.Marginal({"district", "month"});
  EXPECT_EQ(swapped.count(*swapped.CellOf({"south", "2025-01"})), 2);
  EXPECT_FALSE(t.Marginal({"age_band"}).ok());
  EXPECT_FALSE(t.Marginal({"month", "month"}).ok());
}

TEST(CountTable, RestrictKeepsChosenCategoriesInOrder) {
  CountTable t = MonthByDistrict();
  CountTable r = *t.Restrict("month", {"2025-03", "2025-02"});
  EXPECT_EQ(r.dimensions()[0].categories,
            (std::vector<std::string>{"2025-03", "2025-02"}));
  EXPECT_EQ(r.counts(), (std::vector<int64_t>{5, 6, 3, 4}));
  EXPECT_FALSE(t.Restrict("month", {"2024-12"}).ok());
  EXPECT_FALSE(t.Restrict("month", {}).ok());
  EXPECT_FALSE(t.Restrict("year", {"2025"}).ok());
}

}  // namespace
}  // namespace cityid::stats
