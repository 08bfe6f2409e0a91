#include "projections/stats/linear_determinacy.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace cityid::stats {
namespace {

// 2x2 table: cells 0..3 (row-major), row totals 4, 5, column totals 6, 7,
// grand total 8.
std::vector<SumConstraint> TwoByTwo() {
  return {
      {4, {0, 1}}, {5, {2, 3}}, {6, {0, 2}}, {7, {1, 3}}, {8, {0, 1, 2, 3}}};
}

TEST(DeterminedUnknowns, AllFourCellsOfATwoByTwoTableAreUndetermined) {
  std::vector<bool> unknown{true,  true,  true,  true, false,
                            false, false, false, false};
  std::vector<bool> det = DeterminedUnknowns(TwoByTwo(), unknown);
  for (bool d : det) EXPECT_FALSE(d);
}

TEST(DeterminedUnknowns, TwoCellsInOneRowAreRecoveredThroughTheirColumns) {
  std::vector<bool> unknown{true,  true,  false, false, false,
                            false, false, false, false};
  std::vector<bool> det = DeterminedUnknowns(TwoByTwo(), unknown);
  EXPECT_TRUE(det[0]);
  EXPECT_TRUE(det[1]);
}

TEST(DeterminedUnknowns, SuppressingTheColumnTotalsTooProtectsTheRow) {
  std::vector<bool> unknown{true,  true, false, false, false,
                            false, true, true,  false};
  std::vector<bool> det = DeterminedUnknowns(TwoByTwo(), unknown);
  for (bool d : det) EXPECT_FALSE(d);
}

TEST(DeterminedUnknowns, KnownVariablesAreNeverReported) {
  std::vector<bool> unknown(9, false);
  for (bool d : DeterminedUnknowns(TwoByTwo(), unknown)) EXPECT_FALSE(d);
}

TEST(DeterminedUnknowns, CheckedInt64AndBigIntegerAgree) {
  // Random 3-D tables with all two-way marginals are not totally unimodular,
  // so elimination produces entries other than 0 and ±1.
  std::mt19937 rng(7);
  for (int iter = 0; iter < 30; ++iter) {
    const size_t n = 4;  // 4x4x4 cells, then 3 * 16 two-way totals
    std::vector<SumConstraint> cons;
    size_t next = n * n * n;
    for (size_t summed = 0; summed < 3; ++summed) {
      const size_t o1 = summed == 0 ? 1 : 0, o2 = summed == 2 ? 1 : 2;
      for (size_t a = 0; a < n; ++a) {
        for (size_t b = 0; b < n; ++b) {
          SumConstraint c{next++, {}};
          for (size_t x = 0; x < n; ++x) {
            size_t coord[3];
            coord[o1] = a, coord[o2] = b, coord[summed] = x;
            c.parts.push_back((coord[0] * n + coord[1]) * n + coord[2]);
          }
          cons.push_back(std::move(c));
        }
      }
    }
    std::vector<bool> unknown(next);
    std::bernoulli_distribution coin(0.35);
    for (size_t v = 0; v < next; ++v) unknown[v] = coin(rng);
    EXPECT_EQ(DeterminedUnknowns(cons, unknown, Arithmetic::kAuto),
              DeterminedUnknowns(cons, unknown, Arithmetic::kBigInt));
  }
}

}  // namespace
}  // namespace cityid::stats
