// Golomb–Rice coding of a set of distinct indices in [0, universe): the
// compact form's core (FORMAT.md, "Coded sets").
//
// A set of `count` members is coded as its sorted gaps g = index - prev - 1
// (prev starts at -1), each as a Rice code with parameter k: g >> k in
// unary (ones ended by a zero), then the low k bits of g. k (5 bits) leads
// the set and is chosen by exact minimisation of the coded size. A set with
// more than half the universe is coded as its complement (the choice is
// implied by count, so the decoder needs no flag); an empty coded set
// writes nothing, not even k.
//
// Stateless free functions; safe from any thread.
#ifndef CITYID_PROJECTIONS_STATUS_LIST_RICE_SET_H_
#define CITYID_PROJECTIONS_STATUS_LIST_RICE_SET_H_

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "projections/status_list/bit_io.h"

namespace cityid::statuslist {

// log2 C(n, r): the information-theoretic minimum bits to name an r-subset
// of n, computed with lgammal in long double. 0 when r == 0 or r >= n.
double EntropyBoundBits(uint64_t n, uint64_t r);

// True when a set of `count` of `universe` is coded as its complement.
inline bool CodesComplement(uint32_t universe, uint32_t count) {
  return static_cast<uint64_t>(count) * 2 > universe;
}

// Exact Rice-coded size, in bits, of sorted distinct `members` with
// parameter k (excluding the 5-bit k field).
uint64_t RiceCodedBits(const std::vector<uint32_t>& members, unsigned k);
// The k in [0, 31] minimising RiceCodedBits (smallest k on ties).
unsigned BestRiceParameter(const std::vector<uint32_t>& members);

// Appends the coding of `members` (sorted, distinct, all < universe).
void EncodeSet(const std::vector<uint32_t>& members, uint32_t universe,
               BitWriter* out);

// A decoded set as it was coded: the members themselves, or (complement)
// the non-members. Its size is bounded by the input's bits, never by the
// universe, so garbage counts cannot force a large allocation.
struct CodedSet {
  bool complement = false;
  std::vector<uint32_t> coded;  // sorted, distinct, < universe
};

// Reads a set of `count` members of [0, universe). kMalformed when the
// stream ends early, a gap runs past the universe, or count > universe.
Result<CodedSet> DecodeSet(BitReader* in, uint32_t universe, uint32_t count);

// Calls f(index) for every member of `set`, ascending: O(coded) for a direct
// set, O(universe) for a complement.
template <typename F>
void ForEachMember(const CodedSet& set, uint32_t universe, F&& f) {
  if (!set.complement) {
    for (uint32_t i : set.coded) f(i);
    return;
  }
  size_t next = 0;
  for (uint32_t i = 0; i < universe; ++i) {
    if (next < set.coded.size() && set.coded[next] == i) {
      ++next;
    } else {
      f(i);
    }
  }
}

}  // namespace cityid::statuslist

#endif  // CITYID_PROJECTIONS_STATUS_LIST_RICE_SET_H_
