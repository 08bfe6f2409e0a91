// Test helpers for the status list tests: deterministic random lists.
#ifndef CITYID_PROJECTIONS_STATUS_LIST_TEST_UTIL_H_
#define CITYID_PROJECTIONS_STATUS_LIST_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "projections/status_list/compact_list.h"
#include "projections/status_list/status_array.h"

namespace cityid::statuslist::testing {

// 2026-11-27T00:00:00Z, and a list valid for a day from then.
inline constexpr int64_t kIat = 1795737600;
inline constexpr int64_t kExp = kIat + 86400;
inline constexpr Micros kNow = (kIat + 60) * kMicrosPerSecond;

// `size` entries with exactly `revoked` revoked and `suspended` suspended
// entries at uniformly random distinct positions.
inline StatusArray RandomStatuses(uint32_t size, uint32_t revoked,
                                  uint32_t suspended, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> order(size);
  std::iota(order.begin(), order.end(), 0u);
  const uint32_t picked = revoked + suspended;
  for (uint32_t i = 0; i < picked; ++i) {
    std::uniform_int_distribution<uint32_t> pick(i, size - 1);
    std::swap(order[i], order[pick(rng)]);
  }
  StatusArray out(size);
  for (uint32_t i = 0; i < revoked; ++i)
    out.Set(order[i], EntryStatus::kRevoked);
  for (uint32_t i = revoked; i < picked; ++i)
    out.Set(order[i], EntryStatus::kSuspended);
  return out;
}

inline StatusList MakeList(StatusArray statuses, uint64_t version = 1) {
  return StatusList{7, version, kIat, kExp, std::move(statuses)};
}

}  // namespace cityid::statuslist::testing

#endif  // CITYID_PROJECTIONS_STATUS_LIST_TEST_UTIL_H_
