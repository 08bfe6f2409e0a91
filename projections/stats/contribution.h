// Per-resident contribution bounding for differentially private uptake counts.
//
// What a "contribution" is. An uptake table counts, per measure, how many
// times something happened in a period: the measures are enrolled, issued,
// renewed, replaced, suspended, revoked, erased (one contribution per event
// of that kind attributed to the resident, whatever cell — month, district,
// age band, language, card type — it falls in) and active (one contribution
// per card of the resident that is active at the end of the period). A
// resident who gets three replacement cards in one period makes three
// "replaced" contributions.
//
// The bound. At most `bound` contributions are counted per (resident, period,
// measure); later ones are dropped (they still exist in the ledger, they just
// do not enter the private counts). Contributions are admitted in event-seq
// order, so a replay of the same history gives the same counts. Hence adding
// or removing one resident changes one measure's table by at most `bound` in
// L1 norm, and a release over M measures by at most M * bound: that is the
// sensitivity Δ the discrete-Laplace scale Δ/ε is computed from (see
// release.h). The published "contribution_bound" is this `bound`.
//
// Ownership and threading: the bounder owns its counters (keyed by resident
// id, never PII). Not thread-safe; the stats projection applies events on one
// thread.
#ifndef CITYID_PROJECTIONS_STATS_CONTRIBUTION_H_
#define CITYID_PROJECTIONS_STATS_CONTRIBUTION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cityid::stats {

class ContributionBounder {
 public:
  // bound >= 1 (asserted).
  explicit ContributionBounder(uint32_t bound);

  uint32_t bound() const { return bound_; }

  // Records one contribution of `resident_id` to `measure` in `period` and
  // returns true if it is counted (fewer than bound() were counted before for
  // that triple), false if it is dropped by the bound.
  bool Admit(std::string_view resident_id, std::string_view period,
             std::string_view measure);

  // How many contributions of the triple were counted so far (<= bound()).
  uint32_t Counted(std::string_view resident_id, std::string_view period,
                   std::string_view measure) const;

  // For snapshot measures (active): the counted share of `raw` contributions
  // made at once, i.e. min(raw, bound()).
  uint32_t Cap(uint64_t raw) const {
    return raw < bound_ ? static_cast<uint32_t>(raw) : bound_;
  }

  // Drops every counter of a resident (e.g. after erasure, so the projection
  // keeps no per-resident state about them). Returns the counters removed.
  size_t ForgetResident(std::string_view resident_id);

  size_t residents() const { return counts_.size(); }

 private:
  static std::string Key(std::string_view period, std::string_view measure);
  uint32_t bound_;
  // resident id -> (period '\x1f' measure) -> counted contributions.
  std::unordered_map<std::string, std::unordered_map<std::string, uint32_t>>
      counts_;
};

}  // namespace cityid::stats

#endif  // CITYID_PROJECTIONS_STATS_CONTRIBUTION_H_
