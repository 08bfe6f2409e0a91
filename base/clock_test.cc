#include "base/clock.h"

#include <gtest/gtest.h>

namespace cityid {
namespace {

TEST(ClockTest, FormatsEpochAsRfc3339) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(1'700'000'000'123'456),
            "2023-11-14T22:13:20.123456Z");
}

TEST(ClockTest, ParsesWhatItFormats) {
  const Micros t = 1'799'999'999'000'001;
  EXPECT_EQ(*ParseRfc3339(FormatRfc3339(t)), t);
  EXPECT_EQ(*ParseRfc3339("2023-11-14T22:13:20Z"), 1'700'000'000'000'000);
}

TEST(ClockTest, RejectsNonUtcAndGarbage) {
  EXPECT_FALSE(ParseRfc3339("2023-11-14T22:13:20+01:00").ok());
  EXPECT_FALSE(ParseRfc3339("yesterday").ok());
}

TEST(ClockTest, ParsesDatesAndRejectsImpossibleOnes) {
  EXPECT_EQ(*ParseDate("1970-01-02"), kMicrosPerDay);
  EXPECT_EQ(FormatDate(kMicrosPerDay * 365), "1971-01-01");
  EXPECT_FALSE(ParseDate("2023-02-30").ok());
  EXPECT_FALSE(ParseDate("2023-2-3").ok());
  EXPECT_EQ(FormatMonth(0), "1970-01");
}

TEST(ClockTest, FakeClockAdvances) {
  FakeClock c(10);
  c.Advance(5);
  EXPECT_EQ(c.Now(), 15);
}

}  // namespace
}  // namespace cityid
