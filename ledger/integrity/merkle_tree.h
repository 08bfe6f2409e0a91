// MerkleTree: the ledger's RFC 9162 Merkle tree, kept incrementally in a
// MerkleNodeStore (ledger/integrity/merkle_store.h). Appending a leaf writes
// the leaf hash and every perfect subtree it completes (amortized 2 puts, at
// most log2(n) + 1, no reads: the right edge of the tree is kept in memory).
// Roots of any size <= the committed size and RFC 9162 inclusion and
// consistency proofs are assembled from stored perfect subtrees: at most 64
// reads per subtree hash, O(log^2 n) reads per proof, never a replay.
//
// Appends are batched to match the ledger's group commit:
//   store.StageInto(&batch);                  // RocksDbMerkleStore only
//   for (event : batch_events) tree.Append(event.bytes);   // leaf = seq - 1
//   db->Write(sync_options, &batch);
//   ok ? tree.Commit() : tree.Abort();
// Until Commit(), appended leaves are "pending": readers do not see them.
//
// Threading: Append/Commit/Abort/pending_* belong to ONE writer thread. Every
// other method may be called from any thread, concurrently with the writer;
// readers only touch committed nodes, which are immutable once written.
#ifndef CITYID_LEDGER_INTEGRITY_MERKLE_TREE_H_
#define CITYID_LEDGER_INTEGRITY_MERKLE_TREE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/integrity/merkle.h"
#include "ledger/integrity/merkle_store.h"

namespace cityid {

// A tree size and its root: what a checkpoint signs.
struct TreeHead {
  uint64_t size = 0;
  MerkleHash root{};
};

class MerkleTree {
 public:
  // Opens the tree recorded in `store` (borrowed; must outlive the tree) at
  // the store's recorded size. kCorruption when a right-edge node of that
  // size is missing; storage errors as returned by the store.
  static Result<std::unique_ptr<MerkleTree>> Open(MerkleNodeStore* store);

  MerkleTree(const MerkleTree&) = delete;
  MerkleTree& operator=(const MerkleTree&) = delete;

  // --- writer thread ---

  // Appends a leaf (the exact event bytes) as leaf index pending_size(),
  // putting its hash, the completed subtrees and the new size into the store.
  // On a store error returns it and appends nothing; the caller should then
  // drop its batch and call Abort().
  Status Append(std::string_view leaf);
  // As Append, given the leaf hash SHA-256(0x00 || leaf) directly.
  Status AppendLeafHash(const MerkleHash& leaf_hash);
  // Makes the pending leaves visible to readers. Call once the batch holding
  // their nodes is durable.
  void Commit();
  // Forgets the pending leaves (their batch was not written).
  void Abort();
  // Size and root including pending leaves.
  uint64_t pending_size() const { return pending_size_; }
  MerkleHash PendingRoot() const;

  // --- any thread ---

  // The committed size. Head(): a committed size and its root; its size is
  // never above size(), so RootAt/proofs for Head().size always succeed.
  uint64_t size() const { return committed_size_.load(); }
  TreeHead Head() const;

  // MTH of the first `size` leaves (size 0: the empty-tree hash).
  // kInvalidArgument when size > size(); store errors as returned.
  Result<MerkleHash> RootAt(uint64_t size) const;
  // The stored leaf hash of leaf `index`; kInvalidArgument if index >= size().
  Result<MerkleHash> LeafHash(uint64_t index) const;
  // RFC 9162 §2.1.3.1 PATH(leaf_index, D[tree_size]), ordered from the leaf's
  // sibling up to the root's child. kInvalidArgument unless
  // leaf_index < tree_size <= size().
  Result<std::vector<MerkleHash>> InclusionProof(uint64_t leaf_index,
                                                 uint64_t tree_size) const;
  // RFC 9162 §2.1.4.1 PROOF(first, D[second]). Empty when first == second or
  // first == 0. kInvalidArgument unless first <= second <= size().
  Result<std::vector<MerkleHash>> ConsistencyProof(uint64_t first,
                                                   uint64_t second) const;

 private:
  explicit MerkleTree(MerkleNodeStore* store) : store_(store) {}
  // MTH of leaves [lo, hi) from stored perfect subtrees; lo must be a
  // multiple of bit_ceil(hi - lo) (always so for the ranges proofs need).
  Result<MerkleHash> RangeHash(uint64_t lo, uint64_t hi) const;
  static MerkleHash FoldFrontier(const std::array<MerkleHash, 64>& frontier,
                                 uint64_t size);

  MerkleNodeStore* store_;

  // Writer state. frontier_[level] is the right-edge perfect subtree of that
  // level, meaningful for each bit set in pending_size_.
  std::array<MerkleHash, 64> frontier_{};
  uint64_t pending_size_ = 0;
  std::array<MerkleHash, 64> committed_frontier_{};

  std::atomic<uint64_t> committed_size_{0};
  mutable std::mutex head_mu_;
  TreeHead head_;  // guarded by head_mu_
};

}  // namespace cityid

#endif  // CITYID_LEDGER_INTEGRITY_MERKLE_TREE_H_
