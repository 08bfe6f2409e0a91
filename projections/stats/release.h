// Release: one stored differentially private statistics release, and its
// JSON form (Boost.JSON).
//
// A release is created once (release_builder.h), stored, and re-served
// byte-for-byte: its noise is never drawn again. It records everything a
// reader needs to interpret it: the mechanism, epsilon (as given and as an
// exact fraction), the per-resident contribution bound, the L1 sensitivity and
// noise scale derived from them, the suppression threshold, and the privacy
// budget of its period after it was charged.
//
// JSON (keys in this order; rows use the dimension and measure names as keys,
// a suppressed value is null):
//   {"id": "rel_…", "group_by": ["district"], "period": "2025-03",
//    "measures": ["issued", "active"], "mechanism": "discrete_laplace",
//    "epsilon": "0.5", "epsilon_rational": "1/2", "contribution_bound": 1,
//    "sensitivity": 2, "scale": "4", "suppressed_below": 10,
//    "budget": {"period": "2025-03", "spent": "1.5", "limit": "2"},
//    "created_at": "2026-01-31T12:00:00.000000Z",
//    "rows": [{"district": "north", "issued": 131, "active": null}, …]}
// Value types; thread-compatible.
#ifndef CITYID_PROJECTIONS_STATS_RELEASE_H_
#define CITYID_PROJECTIONS_STATS_RELEASE_H_

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "projections/stats/rational.h"

namespace cityid::stats {

inline constexpr std::string_view kMechanismDiscreteLaplace =
    "discrete_laplace";

struct ReleaseRow {
  std::vector<std::string> group;  // one category per group_by dimension
  std::vector<std::optional<int64_t>>
      values;  // one per measure; nullopt = suppressed
  bool operator==(const ReleaseRow&) const = default;
};

struct Release {
  std::string id;                     // NewReleaseId()
  std::vector<std::string> group_by;  // dimension names, in row order
  std::string period;                 // the budget period, e.g. "2025-03"
  std::vector<std::string> measures;  // e.g. "issued", "active"
  std::string mechanism{kMechanismDiscreteLaplace};
  std::string
      epsilon;  // canonical decimal, e.g. "0.5" (== epsilon_exact.ToString())
  Rational epsilon_exact;  // 1/2
  uint32_t contribution_bound =
      1;                    // per resident, period and measure (contribution.h)
  int64_t sensitivity = 1;  // L1: contribution_bound * measures.size()
  Rational scale;           // sensitivity / epsilon
  int64_t suppressed_below = 10;  // noisy values below this are null
  Rational budget_spent;   // epsilon spent in `period` including this release
  Rational budget_limit;   // the per-period limit at creation
  std::string created_at;  // RFC 3339 UTC
  std::vector<ReleaseRow> rows;

  // True if rows[row].values[measure] was suppressed.
  bool IsSuppressed(size_t row, size_t measure) const {
    return !rows[row].values[measure];
  }
  bool operator==(const Release&) const = default;
};

// "rel_" followed by 24 lowercase hex digits from the CSPRNG.
std::string NewReleaseId();

boost::json::value ReleaseToJson(const Release& release);
// kMalformed if a field is missing or mistyped, a row lacks a key, a
// dimension and a measure share a name, or epsilon and epsilon_rational
// disagree.
Result<Release> ReleaseFromJson(const boost::json::value& json);

// Compact, deterministic JSON text, and its inverse:
// SerializeRelease(*ParseRelease(SerializeRelease(r))) == SerializeRelease(r).
std::string SerializeRelease(const Release& release);
Result<Release> ParseRelease(std::string_view text);

}  // namespace cityid::stats

#endif  // CITYID_PROJECTIONS_STATS_RELEASE_H_
