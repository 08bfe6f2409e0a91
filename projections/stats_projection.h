// StatsProjection: the projection behind `cityid project stats` (SPEC §4,
// §6; issue 7). Folds every event into integer counts of uptake by
//   month × district × age band × language × card type
// for the measures enrolled, issued, renewed, replaced, suspended, revoked,
// erased (events in the month) and active (cards active at the end of the
// month). It holds no PII (events carry none).
//
// Categories come from the programme policy (SPEC §11, schemas/policy.h),
// the same one the ledger validates against:
//   closed domain  a value is counted under itself when the domain holds it,
//                  else under "other" (only a history older than the policy
//                  can hold such values); the categories are the domain's
//                  values plus "other".
//   open domain    a value is counted under itself when IsCategory(value)
//                  (what the ledger accepts), else under "other". The
//                  categories are learned: each value's count is the number
//                  of residents ever recorded with it (enrolled with it, or
//                  moved to it by resident.updated; erasure does not lower
//                  it), kept under "cat/…". A value is published as a
//                  category once that count reaches `min_category_count`
//                  (stats.k); the counts of smaller ones are merged into
//                  "other" when read (Dimensions(), Counts()), so a rare
//                  district is never named.
// card_type is always closed: the configured card types, or standard, youth
// and senior (SPEC §10).
//
// What each measure counts (month = the UTC month of the event's occurred_at):
//   enrolled   resident.enrolled, under the resident's attributes (no card
//              type: enrolled and erased are resident measures, and have no
//              card_type dimension)
//   issued     card.issued (a replacement card is counted as replaced, not as
//              issued)
//   renewed    card.renewed
//   replaced   card.replaced, under the old card's type
//   suspended  card.suspended
//   revoked    card.revoked (including the revocations erasure writes; the
//              old card of a replacement is not counted here)
//   erased     resident.erased
//   active     cards active at the last microsecond of the month: issued or
//              reinstated or renewed before it, not suspended, revoked or
//              replaced before it, and expires_at after it. For a month not
//              yet over it is what is known so far (today's active cards
//              whose expiry lies after the month's end).
// Card measures are attributed to the resident's attributes at the time of
// the event (resident.updated moves later events, and moves a card that is
// active at the update to the new cell from that month on) and to the card's
// type.
//
// How "active" is derived. Each card keeps at most one open active interval
// [start, expires_at), recorded in the store as +1 at month(start) and −1 at
// month(expires_at) in the card's cell ("active deltas"); the count for month
// M is the sum of the deltas of the months up to M. Closing an interval early
// at time t (suspend, revoke, replace, erase, a move to another cell) cancels
// the planned −1 and records −1 at month(t); a renewal while active moves the
// planned −1 to the new expiry; a renewal after expiry or a reinstatement
// opens a new interval. Everything is keyed by the event's own times, so the
// counts are a function of the history alone.
//
// Contribution bounds (projections/stats/contribution.h). For the
// differentially private releases, a second set of counts admits at most
// `contribution_bound` contributions per (resident, month, measure), in seq
// order; the counters are persisted in the store with the counts (keys
// "cb/…"), so a restart or a replayed batch bounds exactly as a clean replay
// would, and they are deleted when the resident is erased. "active" needs no
// counter: the ledger lets a resident hold at most one card that is active or
// suspended at any instant (ledger/aggregates.h HoldsResident), so a resident
// contributes at most 1 ≤ bound to any month's active count.
//
// Settings. The domains (a closed one's values, null for an open one) and
// the bound are recorded in the store with the first event; Create() refuses
// (kPreconditionFailed) a store built with other settings, so a config
// change means rebuilding the store by replay. min_category_count is not a
// setting: it applies when counts are read.
//
// Keys (values are decimal integers unless noted):
//   meta/settings                          the settings (JSON)
//   cat/<dimension>/<value>                residents ever recorded with an
//                                          open domain's value
//   r/<resident_id>                        {"district","age_band","language",
//                                          "cards":[...]} (categories)
//   k/<card_id>                            {"resident_id","card_type",
//                                          "status","expires_at","open",
//                                          "cell":[d,a,l,t]}
//   n/<measure>/<month>/<d>/<a>/<l>[/<t>]  exact count (active: delta)
//   b/<measure>/<month>/<d>/<a>/<l>[/<t>]  contribution-bounded count
//   cb/<resident_id>/<month>/<measure>     contributions admitted so far
// Zero counts are deleted, so the state is a function of the history.
//
// An event naming an unknown resident or card, or enrolling or issuing an
// existing one, is a history the projection cannot make sense of: Apply
// returns kCorruption and the runner commits nothing of that batch.
//
// Threading: Apply() runs on the runner thread; Counts(), Fingerprint() and
// Dump() may run on any thread and see committed state (one consistent
// snapshot per call). The projection does not own the store.
#ifndef CITYID_PROJECTIONS_STATS_PROJECTION_H_
#define CITYID_PROJECTIONS_STATS_PROJECTION_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "projections/projection.h"
#include "projections/stats/count_table.h"
#include "schemas/event.h"
#include "schemas/policy.h"

namespace cityid {

// The category every value outside a configured domain maps to.
inline constexpr std::string_view kOtherCategory = "other";

// Dimension names.
inline constexpr std::string_view kMonthDim = "month";
inline constexpr std::string_view kDistrictDim = "district";
inline constexpr std::string_view kAgeBandDim = "age_band";
inline constexpr std::string_view kLanguageDim = "language";
inline constexpr std::string_view kCardTypeDim = "card_type";

// Every measure, in response order.
const std::vector<std::string>& StatsMeasures();
// True for the measures that have no card type (enrolled, erased).
bool IsResidentMeasure(std::string_view measure);
// Every dimension name, month first.
const std::vector<std::string>& StatsDimensions();

struct StatsProjectionOptions {
  ProgrammePolicy policy;           // closed domains get "other" appended
  uint32_t contribution_bound = 1;  // >= 1
  // An open domain's value becomes a published category once this many
  // residents were ever recorded with it (stats.k); >= 0.
  int64_t min_category_count = 10;
};

// Which counts to read.
enum class StatsCounts {
  kExact,    // for uptake queries (suppressed before publication)
  kBounded,  // contribution-bounded, for differentially private releases
};

class StatsProjection final : public Projection {
 public:
  static constexpr char kName[] = "stats";

  // kInvalidArgument for a policy that fails ProgrammePolicy::Check(), a
  // bound of 0 or a negative min_category_count; kPreconditionFailed when
  // the store was built with other settings (rebuild it by replay); store
  // errors as the store returns them.
  static Result<std::unique_ptr<StatsProjection>> Create(
      ProjectionStore* store, StatsProjectionOptions options);

  Status Apply(const Event& event, const StoredEvent& stored,
               StateBatch& batch) override;

  // The normalised domains ("other" appended to the closed ones) and the
  // bound.
  const StatsProjectionOptions& options() const { return options_; }
  // The full-domain dimensions for `months` (card_type only when
  // `with_card_type`), in StatsDimensions() order: a closed domain's values,
  // or an open domain's published categories in byte order; "other" last.
  // kUnavailable or kCorruption when the learned categories cannot be read.
  Result<std::vector<stats::Dimension>> Dimensions(
      const std::vector<std::string>& months, bool with_card_type) const;

  // One table per measure asked for, over Dimensions(months, !resident
  // measure): events per month, or for "active" the month-end count. Counts
  // of an open domain's unpublished values are summed into "other".
  // `months` are consecutive "YYYY-MM" months in ascending order (the caller
  // checks). kInvalidArgument for an unknown measure, no months, or more than
  // stats::CountTable::kMaxCells cells; kCorruption for an undecodable
  // record; kUnavailable when the store fails.
  Result<std::map<std::string, stats::CountTable>> Counts(
      const std::vector<std::string>& measures,
      const std::vector<std::string>& months, StatsCounts which) const;

  // The store's fingerprint (projections/projection.h).
  Result<std::string> Fingerprint() const;
  // Every record, one "key value" line each in key order after a
  // "position N" line. Contains no PII.
  Result<std::string> Dump() const;

 private:
  StatsProjection(ProjectionStore* store, StatsProjectionOptions options);
  // A closed domain's values, or an open one's published categories; both
  // end with "other".
  Result<std::vector<std::string>> Categories(
      std::string_view dimension, const AttributeDomain& domain) const;

  ProjectionStore* store_;
  StatsProjectionOptions options_;
};

// "YYYY-MM" months from `from` to `to` inclusive. kInvalidArgument when a
// bound is not a valid month, to < from, or the span exceeds `max_months`.
Result<std::vector<std::string>> MonthRange(std::string_view from,
                                            std::string_view to,
                                            size_t max_months);
// The month `delta` months after (or before, when negative) `month`.
std::string AddMonths(std::string_view month, int delta);

}  // namespace cityid

#endif  // CITYID_PROJECTIONS_STATS_PROJECTION_H_
