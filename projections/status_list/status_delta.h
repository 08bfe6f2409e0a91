// Deltas: the signed changes that take one version of a list to a later
// one, in the compact coding (FORMAT.md, "Delta"). Served for
// `GET /v1/status-lists/{list}?since=VERSION`.
//
// A delta names the entries whose status changed, split by their new status
// into three Golomb–Rice-coded sets; applying it to the list at `from`
// yields exactly the list at `to`.
//
// Stateless free functions; safe from any thread.
#ifndef CITYID_PROJECTIONS_STATUS_LIST_STATUS_DELTA_H_
#define CITYID_PROJECTIONS_STATUS_LIST_STATUS_DELTA_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "projections/status_list/compact_list.h"
#include "projections/status_list/ed25519.h"
#include "projections/status_list/jwks.h"

namespace cityid::statuslist {

struct StatusDelta {
  uint64_t list_id = 0;
  uint64_t from_version = 0;
  uint64_t to_version = 0;  // > from_version
  int64_t iat = 0;          // of the list at to_version, Unix seconds
  int64_t exp = 0;          // of the list at to_version, Unix seconds
  uint32_t size = 0;        // entries in the list
  // Sorted, distinct, pairwise disjoint indices < size, each set holding at
  // most size / 2 entries (a bigger change is sent as a full list).
  std::vector<uint32_t> became_valid;
  std::vector<uint32_t> became_revoked;
  std::vector<uint32_t> became_suspended;

  bool operator==(const StatusDelta& other) const = default;
};

// The delta from `from` to `to`. kInvalidArgument when the lists differ in
// id or size, `to` is not a later version, or `to` holds the value 3.
Result<StatusDelta> DiffLists(const StatusList& from, const StatusList& to);

// Signs `delta`. kInvalidArgument when it breaks the invariants above, in
// particular when a set exceeds size / 2 (send the full list instead).
Result<std::string> EncodeDelta(const StatusDelta& delta,
                                const SigningKey& key);

// Verifies and decodes: the same error classes and order as
// VerifyCompactList (kMalformed, kUnauthenticated, kMalformed/kTooLarge,
// kPreconditionFailed), plus kMalformed for a full list given as a delta,
// to <= from, or overlapping sets.
Result<StatusDelta> VerifyDelta(std::string_view bytes, const Jwks& keys,
                                Micros now);
// Without the signature and expiry checks: tools and tests only.
Result<StatusDelta> DecodeDeltaUnverified(std::string_view bytes);

// Applies `delta` to `*list`, all or nothing. kInvalidArgument when the
// delta breaks its invariants; kConflict (list unchanged)
// when the list id or size differ, list->version != delta.from_version, or
// an entry already holds the status the delta gives it.
Status ApplyDelta(const StatusDelta& delta, StatusList* list);

}  // namespace cityid::statuslist

#endif  // CITYID_PROJECTIONS_STATUS_LIST_STATUS_DELTA_H_
