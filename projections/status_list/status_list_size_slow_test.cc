// Compact payload vs the information-theoretic bound at N = 10,000,000.
#include "projections/status_list/size_check.h"

namespace cityid::statuslist {
namespace {

using testing::CheckSizes;

TEST(StatusListSizeSlowTest, TenMillionTenthOfAPercentRevoked) {
  CheckSizes(10'000'000, 0.001, 0.0002);
}
TEST(StatusListSizeSlowTest, TenMillionOnePercentRevoked) {
  CheckSizes(10'000'000, 0.01, 0.002);
}
TEST(StatusListSizeSlowTest, TenMillionFivePercentRevoked) {
  CheckSizes(10'000'000, 0.05, 0.01);
}

}  // namespace
}  // namespace cityid::statuslist
