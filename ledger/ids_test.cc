#include "ledger/ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace cityid {
namespace {

TEST(IdsTest, ResidentIdsAreRandomHexWithPrefix) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewResidentId();
    EXPECT_TRUE(std::regex_match(id, std::regex("r_[0-9a-f]{24}"))) << id;
    EXPECT_TRUE(IsValidResidentId(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_FALSE(IsValidResidentId("r_0123"));
  EXPECT_FALSE(IsValidResidentId("x_0123456789abcdef01234567"));
  EXPECT_FALSE(IsValidResidentId("r_0123456789ABCDEF01234567"));
}

TEST(IdsTest, LuhnCheckDigitMatchesKnownValues) {
  EXPECT_EQ(LuhnCheckDigit("7992739871"), '3');  // the textbook example
  EXPECT_EQ(LuhnCheckDigit("000000000000"), '0');
}

TEST(IdsTest, CardIdsAreLuhnValidAndNotSequential) {
  std::set<std::string> seen;
  std::string prev;
  int adjacent = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewCardId();
    ASSERT_EQ(id.size(), 13u);
    EXPECT_TRUE(IsValidCardId(id)) << id;
    if (!prev.empty() &&
        std::stoull(id.substr(0, 12)) == std::stoull(prev.substr(0, 12)) + 1) {
      ++adjacent;
    }
    prev = id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(adjacent, 0);
}

TEST(IdsTest, RejectsCardIdWithWrongCheckDigitOrShape) {
  std::string id = NewCardId();
  std::string bad = id;
  bad.back() = static_cast<char>('0' + (bad.back() - '0' + 1) % 10);
  EXPECT_FALSE(IsValidCardId(bad));
  EXPECT_FALSE(IsValidCardId(id.substr(1)));
  EXPECT_FALSE(IsValidCardId("12345678901a3"));
  // A single-digit typo is always caught by Luhn.
  std::string typo = id;
  typo[3] = static_cast<char>('0' + (typo[3] - '0' + 5) % 10);
  EXPECT_FALSE(IsValidCardId(typo));
}

TEST(IdsTest, EventIdsAreUuidV4) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewEventId();
    EXPECT_TRUE(
        std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-["
                                        "89ab][0-9a-f]{3}-[0-9a-f]{12}")))
        << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace cityid
