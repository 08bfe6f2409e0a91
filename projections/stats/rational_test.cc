#include "projections/stats/rational.h"

#include <gtest/gtest.h>

namespace cityid::stats {
namespace {

TEST(Rational, ParsesDecimalsExactly) {
  EXPECT_EQ(*Rational::Parse("0.5"), *Rational::Make(1, 2));
  EXPECT_EQ(*Rational::Parse("0.125"), *Rational::Make(1, 8));
  EXPECT_EQ(*Rational::Parse("2"), Rational::Integer(2));
  EXPECT_EQ(*Rational::Parse("0.30"), *Rational::Make(3, 10));
  EXPECT_EQ(*Rational::Parse("-1.25"), *Rational::Make(-5, 4));
  EXPECT_EQ(*Rational::Parse("1/3"), *Rational::Make(1, 3));
  EXPECT_EQ(*Rational::Parse("4/6"), *Rational::Make(2, 3));
}

TEST(Rational, RejectsMalformedText) {
  for (const char* bad :
       {"", ".5", "1.", "1e3", "abc", "0x10", "1/0", "1/", "/2", "--1",
        "0.1234567890123456789", "99999999999999999999"}) {
    EXPECT_EQ(Rational::Parse(bad).status().code(), Code::kInvalidArgument)
        << bad;
  }
}

TEST(Rational, TenthPlusTwoTenthsIsExactlyThreeTenths) {
  Rational sum = *Rational::Parse("0.1")->Add(*Rational::Parse("0.2"));
  EXPECT_EQ(sum, *Rational::Parse("0.3"));
  EXPECT_EQ(sum.ToString(), "0.3");
}

TEST(Rational, PrintsExactDecimalsOrFractions) {
  EXPECT_EQ(Rational::Make(3, 8)->ToString(), "0.375");
  EXPECT_EQ(Rational::Make(-1, 20)->ToString(), "-0.05");
  EXPECT_EQ(Rational::Integer(16).ToString(), "16");
  EXPECT_EQ(Rational::Make(10, 3)->ToString(), "10/3");
  EXPECT_EQ(Rational::Make(1, 2)->ToFractionString(), "1/2");
  for (const char* s : {"0.375", "-0.05", "16", "10/3", "123.000001"}) {
    EXPECT_EQ(*Rational::Parse(Rational::Parse(s)->ToString()),
              *Rational::Parse(s))
        << s;
  }
}

TEST(Rational, ArithmeticAndComparison) {
  Rational half = *Rational::Make(1, 2), third = *Rational::Make(1, 3);
  EXPECT_EQ(*half.Sub(third), *Rational::Make(1, 6));
  EXPECT_EQ(*half.Mul(third), *Rational::Make(1, 6));
  EXPECT_EQ(*half.Div(third), *Rational::Make(3, 2));
  EXPECT_TRUE(third < half);
  EXPECT_TRUE(half <= half);
  EXPECT_EQ(half.Compare(third), 1);
  EXPECT_FALSE(half.Div(Rational()).ok());
}

TEST(Rational, ReportsOverflowInsteadOfWrapping) {
  Rational big = Rational::Integer(INT64_MAX);
  EXPECT_EQ(big.Add(Rational::Integer(1)).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(big.Mul(Rational::Integer(2)).status().code(),
            Code::kInvalidArgument);
  EXPECT_FALSE(Rational::Make(INT64_MIN, 1).ok());
  EXPECT_FALSE(Rational::Make(1, 0).ok());
}

}  // namespace
}  // namespace cityid::stats
