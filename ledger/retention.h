// Retention (SPEC §6): a resident who has held no live card for
// LedgerOptions::retention_days is erased with reason "retention".
//
// "Live" means what keeps a resident from being issued another card
// (HoldsResident in aggregates.h): active or suspended, and not past its
// expiry. A suspension is reversible, so a suspended card keeps its holder.
// The moment a resident stopped holding a live card is their coverage end:
//   - some card is not revoked: the latest expires_at among those cards (in
//     the future while one is live; the past once all have expired);
//   - every card is revoked: when the last revocation happened, but never
//     later than the latest expires_at of any card;
//   - no card at all: the enrollment time.
// The resident is due once now >= coverage_end + retention_days. A renewal
// or a new card moves coverage_end forward, so it resets the clock.
//
// The ledger keeps an index in the `retention` column family, written in
// the same WriteBatch as the events that change it (ledger_batch.h), so a
// sweep reads only the residents that are due, in coverage order:
//   'c' + 8-byte BE coverage_end + resident_id -> ""
//   'r' + resident_id -> 8-byte BE coverage_end   (to find the 'c' entry)
// An erased resident has neither. Both hold only ids and times, never PII.
//
// Thread-compatible free functions.
#ifndef CITYID_LEDGER_RETENTION_H_
#define CITYID_LEDGER_RETENTION_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "ledger/aggregates.h"

namespace cityid {

class RocksLog;

inline constexpr char kRetentionByCoverage = 'c';
inline constexpr char kRetentionByResident = 'r';

// Coverage end of `resident` with all its `cards`, as of an event at `now`
// (only used when every card is revoked: `now` is then the time of the event
// that revoked the last one).
Micros CoverageEnd(const ResidentState& resident,
                   const std::vector<CardState>& cards, Micros now);

// True when a resident whose coverage ended at `coverage_end` is due for
// erasure at `now` under `retention_days` (> 0).
bool RetentionDue(Micros coverage_end, int retention_days, Micros now);

std::string RetentionCoverageKey(Micros coverage_end,
                                 std::string_view resident_id);
std::string RetentionResidentKey(std::string_view resident_id);
// Splits a 'c' key; kCorruption when it is malformed.
Status ParseRetentionCoverageKey(std::string_view key, Micros* coverage_end,
                                 std::string* resident_id);

// Builds the whole index from the residents and cards column families (for
// a ledger created before the index existed), in one synced batch that also
// sets meta "retention_index" = "1". The coverage end of a resident whose
// cards are all revoked is taken from the recorded_at of the event that
// last revoked one (the card's version is its seq). Ledger::Open calls it
// when that meta key is absent.
Status BackfillRetentionIndex(RocksLog& log);

}  // namespace cityid

#endif  // CITYID_LEDGER_RETENTION_H_
