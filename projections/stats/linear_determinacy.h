// Which unpublished values of a table can be recovered exactly from the
// published ones — the check behind complementary suppression.
//
// The model: variables are the cells and totals of a response; each published
// total is a constraint `total = sum of its parts`. An attacker knows every
// published variable and every constraint. An unknown variable x_i is
// determined iff every solution of the constraints that agrees with the
// published values has the same x_i, i.e. iff the unit vector e_i lies in the
// row space of the constraint matrix restricted to the unknown columns.
//
// Computed exactly: fraction-free Gauss-Jordan elimination over the integers
// (each row kept divided by the gcd of its entries), in checked 64-bit
// arithmetic, redone with arbitrary-precision integers (Boost.Multiprecision
// cpp_int) if any step would overflow. No floating point, no modular
// shortcut: a "not determined" answer is never a rounding artefact.
//
// Cost: O(rank × rows × unknowns) integer operations, where rows are the
// constraints touching an unknown. Pure functions; thread-safe.
#ifndef CITYID_PROJECTIONS_STATS_LINEAR_DETERMINACY_H_
#define CITYID_PROJECTIONS_STATS_LINEAR_DETERMINACY_H_

#include <cstddef>
#include <vector>

namespace cityid::stats {

// total = sum(parts); indices into the variable vector.
struct SumConstraint {
  size_t total = 0;
  std::vector<size_t> parts;
};

enum class Arithmetic {
  kAuto,    // int64 with overflow checks, falling back to big integers
  kBigInt,  // big integers from the start (for tests of the fallback)
};

// For each variable: true iff it is unknown and uniquely determined by the
// constraints and the known (unknown[v] == false) variables. Known variables
// map to false. Variable indices in constraints must be < unknown.size().
std::vector<bool> DeterminedUnknowns(
    const std::vector<SumConstraint>& constraints,
    const std::vector<bool>& unknown,
    Arithmetic arithmetic = Arithmetic::kAuto);

}  // namespace cityid::stats

#endif  // CITYID_PROJECTIONS_STATS_LINEAR_DETERMINACY_H_
