// Test-only reference Merkle tree, written straight from the RFCs and shared
// by the integrity tests: generation from the recursive definitions of
// RFC 6962 §2.1 (MTH, PATH, SUBPROOF) and verification transcribed from
// RFC 9162 §2.1.3.2 and §2.1.4.2. It shares no code with ledger/merkle*.cc:
// hashing goes through base/bytes.h Sha256 on concatenated strings.
#ifndef CITYID_LEDGER_INTEGRITY_MERKLE_REFERENCE_TEST_H_
#define CITYID_LEDGER_INTEGRITY_MERKLE_REFERENCE_TEST_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"

namespace cityid::reference {

// Hashes as 32-byte strings.
inline std::string LeafHash(const std::string& leaf) {
  return Sha256String(std::string(1, '\x00') + leaf);
}
inline std::string NodeHash(const std::string& l, const std::string& r) {
  return Sha256String(std::string(1, '\x01') + l + r);
}

// Largest power of two strictly below n (n > 1).
inline uint64_t SplitPoint(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// A log of leaf hashes with the RFC 6962 recursive definitions over it.
// MTH is memoized per (lo, hi): a cache of a pure function, nothing more.
class Tree {
 public:
  void Add(const std::string& leaf) { leaves_.push_back(LeafHash(leaf)); }
  uint64_t size() const { return leaves_.size(); }
  const std::string& leaf_hash(uint64_t i) const { return leaves_[i]; }

  // MTH(D[lo:hi]).
  std::string Mth(uint64_t lo, uint64_t hi) {
    uint64_t n = hi - lo;
    if (n == 0) return Sha256String("");
    if (n == 1) return leaves_[lo];
    auto it = memo_.find({lo, hi});
    if (it != memo_.end()) return it->second;
    uint64_t k = SplitPoint(n);
    std::string h = NodeHash(Mth(lo, lo + k), Mth(lo + k, hi));
    memo_[{lo, hi}] = h;
    return h;
  }

  // PATH(m, D[lo:hi]), m relative to lo.
  std::vector<std::string> Path(uint64_t m, uint64_t lo, uint64_t hi) {
    uint64_t n = hi - lo;
    if (n == 1) return {};
    uint64_t k = SplitPoint(n);
    std::vector<std::string> out;
    if (m < k) {
      out = Path(m, lo, lo + k);
      out.push_back(Mth(lo + k, hi));
    } else {
      out = Path(m - k, lo + k, hi);
      out.push_back(Mth(lo, lo + k));
    }
    return out;
  }

  // SUBPROOF(m, D[lo:hi], b).
  std::vector<std::string> Subproof(uint64_t m, uint64_t lo, uint64_t hi,
                                    bool b) {
    uint64_t n = hi - lo;
    if (m == n) {
      if (b) return {};
      return {Mth(lo, hi)};
    }
    uint64_t k = SplitPoint(n);
    std::vector<std::string> out;
    if (m <= k) {
      out = Subproof(m, lo, lo + k, b);
      out.push_back(Mth(lo + k, hi));
    } else {
      out = Subproof(m - k, lo + k, hi, false);
      out.push_back(Mth(lo, lo + k));
    }
    return out;
  }

  // PROOF(m, D[n]) for 0 < m <= n.
  std::vector<std::string> Proof(uint64_t m, uint64_t n) {
    return Subproof(m, 0, n, true);
  }

 private:
  std::vector<std::string> leaves_;
  std::map<std::pair<uint64_t, uint64_t>, std::string> memo_;
};

// RFC 9162 §2.1.3.2, step by step.
inline bool VerifyInclusion(uint64_t leaf_index, uint64_t tree_size,
                            const std::string& hash,
                            const std::vector<std::string>& inclusion_path,
                            const std::string& root_hash) {
  // 1. If leaf_index is greater than or equal to tree_size, then fail.
  if (leaf_index >= tree_size) return false;
  // 2. Set fn to leaf_index and sn to tree_size - 1.
  uint64_t fn = leaf_index, sn = tree_size - 1;
  // 3. Set r to hash.
  std::string r = hash;
  // 4. For each value p in the inclusion_path array:
  for (const std::string& p : inclusion_path) {
    // a. If sn is 0, then stop the iteration and fail the proof verification.
    if (sn == 0) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if ((fn & 1) == 1 || fn == sn) {
      // i. Set r to HASH(0x01 || p || r).
      r = NodeHash(p, r);
      // ii. If LSB(fn) is not set, then right-shift both fn and sn equally
      //     until either LSB(fn) is set or fn is 0.
      if ((fn & 1) == 0) {
        while (!((fn & 1) == 1 || fn == 0)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      // Otherwise: Set r to HASH(0x01 || r || p).
      r = NodeHash(r, p);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn >>= 1;
    sn >>= 1;
  }
  // 5. Compare sn to 0. Compare r against the root_hash.
  return sn == 0 && r == root_hash;
}

// RFC 9162 §2.1.4.2, step by step, for 0 < first < second.
inline bool VerifyConsistency(uint64_t first, uint64_t second,
                              const std::string& first_hash,
                              const std::string& second_hash,
                              std::vector<std::string> consistency_path) {
  if (!(0 < first && first < second)) return false;  // outside the algorithm
  // 1. If consistency_path is an empty array, stop and fail.
  if (consistency_path.empty()) return false;
  // 2. If first is an exact power of 2, then prepend first_hash.
  if ((first & (first - 1)) == 0) {
    consistency_path.insert(consistency_path.begin(), first_hash);
  }
  // 3. Set fn to first - 1 and sn to second - 1.
  uint64_t fn = first - 1, sn = second - 1;
  // 4. If LSB(fn) is set, then right-shift both fn and sn equally until
  //    LSB(fn) is not set.
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  // 5. Set both fr and sr to the first value in the consistency_path array.
  std::string fr = consistency_path[0], sr = consistency_path[0];
  // 6. For each subsequent value c in the consistency_path array:
  for (size_t i = 1; i < consistency_path.size(); ++i) {
    const std::string& c = consistency_path[i];
    // a. If sn is 0, then stop the iteration and fail the proof verification.
    if (sn == 0) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if ((fn & 1) == 1 || fn == sn) {
      // i. Set fr to HASH(0x01 || c || fr). Set sr to HASH(0x01 || c || sr).
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      // ii. If LSB(fn) is not set, then right-shift both fn and sn equally
      //     until either LSB(fn) is set or fn is 0.
      if ((fn & 1) == 0) {
        while (!((fn & 1) == 1 || fn == 0)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      // Otherwise: Set sr to HASH(0x01 || sr || c).
      sr = NodeHash(sr, c);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn >>= 1;
    sn >>= 1;
  }
  // 7. Verify fr == first_hash, sr == second_hash, and sn == 0.
  return fr == first_hash && sr == second_hash && sn == 0;
}

}  // namespace cityid::reference

#endif  // CITYID_LEDGER_INTEGRITY_MERKLE_REFERENCE_TEST_H_
