#include "projections/stats/contribution.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace cityid::stats {
namespace {

TEST(ContributionBounder, CountsAtMostTheBoundPerResidentPeriodAndMeasure) {
  ContributionBounder b(2);
  EXPECT_TRUE(b.Admit("r_1", "2025-03", "replaced"));
  EXPECT_TRUE(b.Admit("r_1", "2025-03", "replaced"));
  EXPECT_FALSE(b.Admit("r_1", "2025-03", "replaced"));
  EXPECT_EQ(b.Counted("r_1", "2025-03", "replaced"), 2u);
  // Other periods, measures and residents have their own allowance.
  EXPECT_TRUE(b.Admit("r_1", "2025-04", "replaced"));
  EXPECT_TRUE(b.Admit("r_1", "2025-03", "issued"));
  EXPECT_TRUE(b.Admit("r_2", "2025-03", "replaced"));
  EXPECT_EQ(b.Counted("r_3", "2025-03", "replaced"), 0u);
}

TEST(ContributionBounder, BoundedTablesChangeByAtMostTheBoundPerResident) {
  // The property the noise scale relies on: removing any one resident moves
  // a measure's table by at most `bound` in L1.
  constexpr uint32_t kBound = 3;
  std::mt19937 rng(11);
  struct Event {
    int resident;
    int cell;
  };
  std::vector<Event> events;
  for (int i = 0; i < 2000; ++i) {
    events.push_back({std::uniform_int_distribution<int>(0, 49)(rng),
                      std::uniform_int_distribution<int>(0, 9)(rng)});
  }
  auto table = [&](int without) {
    ContributionBounder b(kBound);
    std::map<int, int64_t> cells;
    for (const Event& e : events) {
      if (e.resident == without) continue;
      if (b.Admit("r_" + std::to_string(e.resident), "2025-03", "issued"))
        ++cells[e.cell];
    }
    return cells;
  };
  std::map<int, int64_t> all = table(-1);
  for (int r = 0; r < 50; ++r) {
    std::map<int, int64_t> without = table(r);
    int64_t l1 = 0;
    for (int c = 0; c < 10; ++c) l1 += std::llabs(all[c] - without[c]);
    EXPECT_LE(l1, kBound) << "resident " << r;
  }
}

TEST(ContributionBounder, CapsSnapshotCountsAndForgetsResidents) {
  ContributionBounder b(1);
  EXPECT_EQ(b.Cap(0), 0u);
  EXPECT_EQ(b.Cap(3), 1u);
  EXPECT_TRUE(b.Admit("r_9", "2025-03", "issued"));
  EXPECT_TRUE(b.Admit("r_9", "2025-04", "issued"));
  EXPECT_EQ(b.residents(), 1u);
  EXPECT_EQ(b.ForgetResident("r_9"), 2u);
  EXPECT_EQ(b.residents(), 0u);
  EXPECT_EQ(b.ForgetResident("r_9"), 0u);
}

}  // namespace
}  // namespace cityid::stats
