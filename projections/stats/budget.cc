#include "projections/stats/budget.h"

namespace cityid::stats {

Rational BudgetLedger::Spent(std::string_view period) const {
  auto it = spent_.find(period);
  return it == spent_.end() ? Rational() : it->second;
}

Result<Rational> BudgetLedger::Check(std::string_view period,
                                     const Rational& epsilon) const {
  if (period.empty()) return InvalidArgument("privacy budget: empty period");
  if (!epsilon.IsPositive())
    return InvalidArgument("privacy budget: epsilon must be > 0");
  Rational spent = Spent(period);
  Result<Rational> after = spent.Add(epsilon);
  if (!after.ok() || limit_ < *after) {
    return Conflict("privacy budget for period " + std::string(period) +
                    " exhausted: spent " + spent.ToString() + " of " +
                    limit_.ToString() + ", a release with epsilon " +
                    epsilon.ToString() + " would exceed it");
  }
  return after;
}

Result<Rational> BudgetLedger::Charge(std::string_view period,
                                      const Rational& epsilon) {
  CITYID_ASSIGN_OR_RETURN(Rational after, Check(period, epsilon));
  spent_.insert_or_assign(std::string(period), after);
  return after;
}

Status BudgetLedger::Record(std::string_view period, const Rational& epsilon) {
  if (period.empty()) return InvalidArgument("privacy budget: empty period");
  if (!epsilon.IsPositive())
    return InvalidArgument("privacy budget: epsilon must be > 0");
  CITYID_ASSIGN_OR_RETURN(Rational after, Spent(period).Add(epsilon));
  spent_.insert_or_assign(std::string(period), after);
  return Status::Ok();
}

}  // namespace cityid::stats
