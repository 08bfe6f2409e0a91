#include "projections/status_list/rice_set.h"

#include <cassert>
#include <cmath>

namespace cityid::statuslist {
namespace {

constexpr unsigned kRiceParameterBits = 5;
constexpr unsigned kMaxRiceParameter = 31;

std::vector<uint32_t> Complement(const std::vector<uint32_t>& members,
                                 uint32_t universe) {
  std::vector<uint32_t> out;
  out.reserve(universe - members.size());
  size_t next = 0;
  for (uint32_t i = 0; i < universe; ++i) {
    if (next < members.size() && members[next] == i) {
      ++next;
    } else {
      out.push_back(i);
    }
  }
  return out;
}

}  // namespace

double EntropyBoundBits(uint64_t n, uint64_t r) {
  if (r == 0 || r >= n) return 0.0;
  const long double ln_choose =
      std::lgammal(static_cast<long double>(n) + 1) -
      std::lgammal(static_cast<long double>(r) + 1) -
      std::lgammal(static_cast<long double>(n - r) + 1);
  return static_cast<double>(ln_choose / std::log(2.0L));
}

uint64_t RiceCodedBits(const std::vector<uint32_t>& members, unsigned k) {
  uint64_t bits = static_cast<uint64_t>(members.size()) * (k + 1);
  int64_t prev = -1;
  for (uint32_t m : members) {
    bits += static_cast<uint64_t>(m - prev - 1) >> k;
    prev = m;
  }
  return bits;
}

unsigned BestRiceParameter(const std::vector<uint32_t>& members) {
  unsigned best_k = 0;
  uint64_t best_bits = RiceCodedBits(members, 0);
  for (unsigned k = 1; k <= kMaxRiceParameter; ++k) {
    const uint64_t bits = RiceCodedBits(members, k);
    if (bits < best_bits) {
      best_bits = bits;
      best_k = k;
    }
  }
  return best_k;
}

void EncodeSet(const std::vector<uint32_t>& members, uint32_t universe,
               BitWriter* out) {
  assert(members.size() <= universe && "set larger than its universe");
  const bool complement =
      CodesComplement(universe, static_cast<uint32_t>(members.size()));
  const std::vector<uint32_t> complement_members =
      complement ? Complement(members, universe) : std::vector<uint32_t>();
  const std::vector<uint32_t>& coded =
      complement ? complement_members : members;
  if (coded.empty()) return;
  const unsigned k = BestRiceParameter(coded);
  out->WriteBits(k, kRiceParameterBits);
  const uint64_t low_mask = (uint64_t{1} << k) - 1;
  int64_t prev = -1;
  for (uint32_t m : coded) {
    const auto gap = static_cast<uint64_t>(m - prev - 1);
    out->WriteUnary(gap >> k);
    out->WriteBits(gap & low_mask, k);
    prev = m;
  }
}

Result<CodedSet> DecodeSet(BitReader* in, uint32_t universe, uint32_t count) {
  if (count > universe) return Malformed("set count exceeds the list size");
  CodedSet set;
  set.complement = CodesComplement(universe, count);
  const uint32_t coded_count = set.complement ? universe - count : count;
  if (coded_count == 0) return set;
  uint64_t k = 0;
  if (!in->ReadBits(kRiceParameterBits, &k))
    return Malformed("coded set is truncated");
  // Every member costs at least k + 1 bits: refuse counts the input cannot
  // hold before reserving memory for them.
  if (static_cast<uint64_t>(coded_count) * (k + 1) > in->bits_left()) {
    return Malformed("coded set is truncated (count larger than its bits)");
  }
  set.coded.reserve(coded_count);
  const uint64_t quotient_limit = universe >> k;
  int64_t prev = -1;
  for (uint32_t i = 0; i < coded_count; ++i) {
    uint64_t q = 0;
    uint64_t r = 0;
    if (!in->ReadUnary(quotient_limit, &q) ||
        !in->ReadBits(static_cast<unsigned>(k), &r)) {
      return Malformed("coded set is truncated or has a gap past the list end");
    }
    const uint64_t index = static_cast<uint64_t>(prev + 1) + ((q << k) | r);
    if (index >= universe)
      return Malformed("coded set has an index past the list end");
    set.coded.push_back(static_cast<uint32_t>(index));
    prev = static_cast<int64_t>(index);
  }
  return set;
}

}  // namespace cityid::statuslist
