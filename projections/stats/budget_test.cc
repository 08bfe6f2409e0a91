#include "projections/stats/budget.h"

#include <gtest/gtest.h>

namespace cityid::stats {
namespace {

Rational R(const char* s) { return *Rational::Parse(s); }

TEST(BudgetLedger, RefusesAReleasePastThePeriodBudget) {
  BudgetLedger ledger(R("1"));
  EXPECT_EQ(*ledger.Charge("2025-03", R("0.5")), R("0.5"));
  EXPECT_EQ(*ledger.Charge("2025-03", R("0.3")), R("0.8"));
  Result<Rational> refused = ledger.Charge("2025-03", R("0.3"));
  ASSERT_EQ(refused.status().code(), Code::kConflict);
  EXPECT_EQ(refused.status().message(),
            "privacy budget for period 2025-03 exhausted: spent 0.8 of 1, a "
            "release with "
            "epsilon 0.3 would exceed it");
  EXPECT_EQ(ledger.Spent("2025-03"), R("0.8"));  // nothing charged
  EXPECT_EQ(*ledger.Charge("2025-03", R("0.2")),
            R("1"));  // exactly the limit is fine
  EXPECT_EQ(ledger.Charge("2025-03", R("0.000001")).status().code(),
            Code::kConflict);
}

TEST(BudgetLedger, SumsTenthsExactly) {
  // 10 x 0.1 == 1 exactly; in binary floating point it would be
  // 0.9999999999999999.
  BudgetLedger ledger(R("1"));
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(ledger.Charge("2025-03", R("0.1")).ok()) << i;
  EXPECT_EQ(ledger.Spent("2025-03"), R("1"));
}

TEST(BudgetLedger, PeriodsAreIndependentAndCheckDoesNotCharge) {
  BudgetLedger ledger(R("0.5"));
  EXPECT_EQ(*ledger.Check("2025-03", R("0.5")), R("0.5"));
  EXPECT_EQ(ledger.Spent("2025-03"), Rational());
  ASSERT_TRUE(ledger.Charge("2025-03", R("0.5")).ok());
  EXPECT_TRUE(ledger.Charge("2025-04", R("0.5")).ok());
  EXPECT_EQ(ledger.spent_by_period().size(), 2u);
}

TEST(BudgetLedger, RejectsNonPositiveEpsilonAndEmptyPeriod) {
  BudgetLedger ledger(R("1"));
  EXPECT_EQ(ledger.Charge("2025-03", Rational()).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ledger.Charge("2025-03", R("-0.1")).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ledger.Charge("", R("0.1")).status().code(),
            Code::kInvalidArgument);
}

TEST(BudgetLedger, RecordRestoresHistoryEvenPastALoweredLimit) {
  BudgetLedger ledger(R("0.5"));
  ASSERT_TRUE(ledger.Record("2025-03", R("0.4")).ok());
  ASSERT_TRUE(ledger.Record("2025-03", R("0.4")).ok());
  EXPECT_EQ(ledger.Spent("2025-03"), R("0.8"));
  EXPECT_EQ(ledger.Charge("2025-03", R("0.1")).status().code(),
            Code::kConflict);
}

}  // namespace
}  // namespace cityid::stats
