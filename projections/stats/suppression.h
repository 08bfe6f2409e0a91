// Small-cell suppression with complementary suppression.
//
// A response publishes a table's cells and some of its marginal totals (e.g.
// per-district totals, per-month totals and the grand total). Suppress():
//   1. suppresses every cell and every published total below k (primary);
//   2. then suppresses more cells (smallest first), and totals only when no
//      cell can do it, until no primary-suppressed value can be recovered
//      exactly from the published cells and totals by any linear
//      combination (subtraction along a row, a column, a marginal, or any
//      mix of them) — checked exactly by linear_determinacy.h.
// The guarantee is exactly that: every primary value is undetermined by the
// published linear equations. Bounds an attacker gets from non-negativity
// (a value known to lie in [0, 3], say) are not assessed; differentially
// private releases (release.h) are the answer where that matters, as are
// differences between separate responses, which suppression cannot control.
//
// The heuristic: first make every total's equation hold zero or at least two
// unknowns (choosing, among the published members of an equation with a
// single unknown, the one that also completes another such equation, then
// cells before totals, then the smallest value); then run the exact check and,
// while some primary value is determined, add the published member of its
// equations whose suppression helps most (trying the smallest few). Always
// terminates: with everything suppressed nothing is determined.
//
// Pure functions; thread-safe.
#ifndef CITYID_PROJECTIONS_STATS_SUPPRESSION_H_
#define CITYID_PROJECTIONS_STATS_SUPPRESSION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "projections/stats/count_table.h"

namespace cityid::stats {

struct SuppressionOptions {
  int64_t k = 10;  // cells and totals below k are never published
  // The marginal totals the response publishes with the cells: each entry is
  // a set of dimension names kept (the others summed out); {} is the grand
  // total. Everything the response prints must be listed here, or the check
  // cannot account for it.
  std::vector<std::vector<std::string>> marginals;
};

// One published marginal: its totals and which of them are suppressed.
struct PublishedTotals {
  std::vector<std::string> dimensions;  // as requested
  CountTable totals;                    // over `dimensions`, in that order
  std::vector<bool> suppressed;         // per cell of `totals`
};

struct SuppressedTable {
  CountTable cells;
  std::vector<bool> suppressed;  // per cell
  std::vector<PublishedTotals>
      totals;          // in SuppressionOptions::marginals order
  size_t primary = 0;  // cells + totals suppressed for being below k
  size_t complementary =
      0;  // cells + totals at or above k suppressed to protect them
};

// Every one-dimensional marginal (one per dimension, omitted for a
// one-dimensional table where it would repeat the cells) plus the grand total.
std::vector<std::vector<std::string>> OneWayMarginals(const CountTable& table);

// kInvalidArgument for k < 0 or a marginal naming an unknown or repeated
// dimension; kInternal if the search ever ends with a determined primary
// value (it cannot: see above).
Result<SuppressedTable> Suppress(const CountTable& table,
                                 const SuppressionOptions& options);

}  // namespace cityid::stats

#endif  // CITYID_PROJECTIONS_STATS_SUPPRESSION_H_
