// Compact payload vs the information-theoretic bound at N = 1,000,000
// (the 10,000,000 cases are in status_list_size_slow_test.cc).
#include "projections/status_list/size_check.h"

namespace cityid::statuslist {
namespace {

using testing::CheckSizes;

TEST(StatusListSizeTest, OneMillionTenthOfAPercentRevoked) {
  CheckSizes(1'000'000, 0.001, 0);
}
TEST(StatusListSizeTest, OneMillionOnePercentRevoked) {
  CheckSizes(1'000'000, 0.01, 0);
}
TEST(StatusListSizeTest, OneMillionFivePercentRevoked) {
  CheckSizes(1'000'000, 0.05, 0);
}
TEST(StatusListSizeTest, OneMillionWithSuspensionsToo) {
  CheckSizes(1'000'000, 0.001, 0.0002);
  CheckSizes(1'000'000, 0.01, 0.002);
  CheckSizes(1'000'000, 0.05, 0.01);
}
TEST(StatusListSizeTest, OneMillionAtTheWorstRiceDensities) {
  // Rice coding's redundancy peaks near 38% density (FORMAT.md); past 50% the
  // complement is coded.
  CheckSizes(1'000'000, 0.38, 0);
  CheckSizes(1'000'000, 0.62, 0);
  CheckSizes(1'000'000, 0.30, 0.30);
}

}  // namespace
}  // namespace cityid::statuslist
