// BudgetLedger: the privacy budget (total epsilon) spent per period, in exact
// rational arithmetic, refusing any release that would pass the configured
// limit.
//
// Basic sequential composition: the releases of one period together are
// (sum of their epsilons)-differentially private, so the ledger keeps that sum
// at or below the limit. Periods are opaque keys chosen by the caller (e.g.
// "2025-03"); each period has the same limit.
//
// The ledger is bookkeeping only: the caller persists releases and rebuilds
// the ledger from them on start (Record each stored release). Not
// thread-safe; the stats service serialises release creation.
#ifndef CITYID_PROJECTIONS_STATS_BUDGET_H_
#define CITYID_PROJECTIONS_STATS_BUDGET_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"
#include "projections/stats/rational.h"

namespace cityid::stats {

class BudgetLedger {
 public:
  // limit >= 0 per period (a zero limit refuses every release).
  explicit BudgetLedger(Rational limit_per_period) : limit_(limit_per_period) {}

  const Rational& limit() const { return limit_; }
  // Epsilon spent in a period so far (0 if none).
  Rational Spent(std::string_view period) const;
  const std::map<std::string, Rational, std::less<>>& spent_by_period() const {
    return spent_;
  }

  // What Spent(period) would be after charging epsilon, without charging.
  // kInvalidArgument if epsilon <= 0 or the period is empty; kConflict if the
  // sum would exceed the limit (the message says spent, limit and request).
  Result<Rational> Check(std::string_view period,
                         const Rational& epsilon) const;

  // Check, then record the charge; returns the new Spent(period). Nothing is
  // recorded on error.
  Result<Rational> Charge(std::string_view period, const Rational& epsilon);

  // Records a charge from a stored release without the limit check (a
  // restart must account for history even if the limit was lowered since).
  // kInvalidArgument if epsilon <= 0 or the sum overflows.
  Status Record(std::string_view period, const Rational& epsilon);

 private:
  Rational limit_;
  std::map<std::string, Rational, std::less<>> spent_;
};

}  // namespace cityid::stats

#endif  // CITYID_PROJECTIONS_STATS_BUDGET_H_
