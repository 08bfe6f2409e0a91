// Building a differentially private release from contribution-bounded counts.
//
// Flow for the stats service (POST /v1/stats/releases):
//   eps    = ParseEpsilon(body["epsilon"])                 // exact, no float
//   spent  = ledger.Check(period, eps)                     // 409 when
//   exhausted counts = one CountTable per measure over group_by, built from
//   counts
//            that went through ContributionBounder (contribution.h)
//   r      = BuildRelease(spec, counts, rng, now, spent, ledger.limit())
//   store r, then ledger.Charge(period, eps)               // one critical
//   section
// and GET /v1/stats/releases/{id} serves the stored SerializeRelease(r).
//
// Noise: every cell of every measure — including empty cells, since the
// category domains come from config — gets an independent discrete-Laplace
// draw with scale Δ/ε, Δ = contribution_bound × (number of measures), the L1
// sensitivity of the whole release. Noisy values below k are then published
// as null (post-processing: it costs no privacy and needs no complementary
// suppression). Pure functions apart from the RandomSource; thread-safe given
// one RandomSource per thread.
#ifndef CITYID_PROJECTIONS_STATS_RELEASE_BUILDER_H_
#define CITYID_PROJECTIONS_STATS_RELEASE_BUILDER_H_

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "projections/stats/count_table.h"
#include "projections/stats/discrete_laplace.h"
#include "projections/stats/rational.h"
#include "projections/stats/release.h"

namespace cityid::stats {

// Epsilon from a request body: a decimal string ("0.5") or a JSON number.
// A number is read back through its shortest round-trip decimal form, so 0.1
// becomes exactly 1/10 (no binary-fraction artefacts). kInvalidArgument if it
// is not positive or not a plain decimal.
Result<Rational> ParseEpsilon(const boost::json::value& v);

struct ReleaseSpec {
  std::string id;                     // usually NewReleaseId()
  std::vector<std::string> group_by;  // must equal the tables' dimension names
  std::string period;
  std::vector<std::string> measures;  // counts[i] holds measures[i]
  Rational epsilon;
  uint32_t contribution_bound = 1;  // the bound the counts were built with
  int64_t k = 10;                   // suppress noisy values below k
};

// kInvalidArgument if: counts.size() != measures.size(); a table's dimension
// names differ from group_by; measures are empty, repeated or clash with a
// dimension name; epsilon <= 0; the bound is 0; k < 0; the scale has a term
// above 2^32; or a noisy value overflows.
Result<Release> BuildRelease(const ReleaseSpec& spec,
                             const std::vector<CountTable>& counts,
                             RandomSource& rng, Micros now,
                             const Rational& budget_spent,
                             const Rational& budget_limit);

}  // namespace cityid::stats

#endif  // CITYID_PROJECTIONS_STATS_RELEASE_BUILDER_H_
