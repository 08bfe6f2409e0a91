#include "tools/loadgen/city_model.h"

#include <gtest/gtest.h>

#include <array>

namespace cityid::loadgen {
namespace {

// Runs the model as if the ledger accepted everything; counts by kind.
std::array<int, kOpKinds> Simulate(CityModel& city, int steps) {
  std::array<int, kOpKinds> counts{};
  Op op;
  for (int i = 0; i < steps && city.Next(&op); ++i) {
    ++counts[static_cast<int>(op.kind)];
    city.Complete(op, true, "id" + std::to_string(i));
  }
  return counts;
}

TEST(CityModelTest, BulkModeEnrollsAndIssuesEveryResidentThenStops) {
  CityModel city({.residents = 50, .bulk = true});
  const auto counts = Simulate(city, 1000);
  EXPECT_EQ(counts[0], 50);
  EXPECT_EQ(counts[1], 50);
  EXPECT_EQ(counts[0] + counts[1], 100);  // nothing else, then Next() false
  EXPECT_EQ(city.active_cards(), 50u);
}

TEST(CityModelTest, EnrollmentWaveComesFirstAndRenewalsFollowExpiry) {
  CityModel city({.residents = 2000, .validity_years = 1.0});
  const auto early = Simulate(city, 1000);
  EXPECT_GT(early[0] + early[1], 950);  // launch: enrollments and cards
  EXPECT_EQ(early[2], 0);               // nothing near expiry yet
  const auto later = Simulate(city, 20000);
  EXPECT_GT(later[2], 1000);  // renewals once cards near expiry
  EXPECT_GT(later[3], 0);     // some replacements
  EXPECT_GT(later[4], 0);     // some revocations
  EXPECT_GT(city.sim_years(), 1.0);
}

TEST(CityModelTest, FailedCommandLeavesTheCardInCirculation) {
  CityModel city({.residents = 1, .replace_per_year = 1000});
  Op op;
  ASSERT_TRUE(city.Next(&op));
  city.Complete(op, true, "res_1");
  ASSERT_TRUE(city.Next(&op));
  ASSERT_EQ(op.kind, OpKind::kIssue);
  city.Complete(op, true, "card_1");
  ASSERT_TRUE(city.Next(&op));
  EXPECT_EQ(city.active_cards(), 0u);  // in flight
  city.Complete(op, false, "");
  EXPECT_EQ(city.active_cards(), 1u);
  EXPECT_EQ(city.card_id(op.card), "card_1");
}

}  // namespace
}  // namespace cityid::loadgen
