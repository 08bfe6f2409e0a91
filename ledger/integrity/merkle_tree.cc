#include "ledger/integrity/merkle_tree.h"

#include <algorithm>
#include <bit>
#include <string>

namespace cityid {
namespace {

std::string Str(uint64_t v) { return std::to_string(v); }

}  // namespace

Result<std::unique_ptr<MerkleTree>> MerkleTree::Open(MerkleNodeStore* store) {
  CITYID_ASSIGN_OR_RETURN(uint64_t size, store->GetSize());
  std::unique_ptr<MerkleTree> tree(new MerkleTree(store));
  for (uint32_t level = 0; level < 64; ++level) {
    if (((size >> level) & 1) == 0) continue;
    Result<MerkleHash> node = store->Get(level, (size >> level) - 1);
    if (!node.ok()) {
      if (node.status().code() != Code::kNotFound) return node.status();
      return Corruption("merkle tree of size " + Str(size) +
                        " lacks its right-edge node at level " + Str(level));
    }
    tree->frontier_[level] = *node;
  }
  tree->pending_size_ = size;
  tree->Commit();
  return tree;
}

Status MerkleTree::Append(std::string_view leaf) {
  return AppendLeafHash(MerkleLeafHash(leaf));
}

Status MerkleTree::AppendLeafHash(const MerkleHash& leaf_hash) {
  // Invariant: for every bit L set in pending_size_, frontier_[L] is node
  // (L, (pending_size_ >> L) - 1). Adding leaf n completes one node per
  // trailing one bit of n.
  uint64_t index = pending_size_;
  MerkleHash hash = leaf_hash;
  uint32_t level = 0;
  CITYID_RETURN_IF_ERROR(store_->Put(0, index, hash));
  while ((index & 1) != 0) {
    hash = MerkleNodeHash(frontier_[level], hash);
    ++level;
    index >>= 1;
    CITYID_RETURN_IF_ERROR(store_->Put(level, index, hash));
  }
  CITYID_RETURN_IF_ERROR(store_->PutSize(pending_size_ + 1));
  frontier_[level] = hash;
  ++pending_size_;
  return Status::Ok();
}

void MerkleTree::Commit() {
  committed_frontier_ = frontier_;
  TreeHead head{pending_size_, FoldFrontier(frontier_, pending_size_)};
  // Size first: a reader holding Head() may then always ask for its size.
  committed_size_.store(pending_size_);
  std::lock_guard<std::mutex> lock(head_mu_);
  head_ = head;
}

void MerkleTree::Abort() {
  frontier_ = committed_frontier_;
  pending_size_ = committed_size_.load();
}

MerkleHash MerkleTree::PendingRoot() const {
  return FoldFrontier(frontier_, pending_size_);
}

TreeHead MerkleTree::Head() const {
  std::lock_guard<std::mutex> lock(head_mu_);
  return head_;
}

MerkleHash MerkleTree::FoldFrontier(const std::array<MerkleHash, 64>& frontier,
                                    uint64_t size) {
  if (size == 0) return MerkleEmptyRoot();
  // MTH(D[n]) = H(MTH(D[0:k]), MTH(D[k:n])): the perfect subtrees of the
  // binary decomposition of n, folded from the smallest (rightmost) up.
  int level = std::countr_zero(size);
  MerkleHash acc = frontier[level];
  for (++level; level < 64; ++level) {
    if (((size >> level) & 1) != 0) acc = MerkleNodeHash(frontier[level], acc);
  }
  return acc;
}

Result<MerkleHash> MerkleTree::RangeHash(uint64_t lo, uint64_t hi) const {
  const uint64_t n = hi - lo;
  if (n == 0 || lo % std::bit_ceil(n) != 0) {
    return Internal("merkle range [" + Str(lo) + ", " + Str(hi) +
                    ") is not aligned");
  }
  // [lo, hi) splits into the perfect subtrees of n's set bits, largest first;
  // the one for bit L starts at lo + (n with bits <= L cleared).
  bool have = false;
  MerkleHash acc{};
  for (uint32_t level = 0; level < 64; ++level) {
    if (((n >> level) & 1) == 0) continue;
    uint64_t start = lo + ((n >> level >> 1) << level << 1);
    CITYID_ASSIGN_OR_RETURN(MerkleHash node,
                            store_->Get(level, start >> level));
    acc = have ? MerkleNodeHash(node, acc) : node;
    have = true;
  }
  return acc;
}

Result<MerkleHash> MerkleTree::RootAt(uint64_t size) const {
  if (size > this->size()) {
    return InvalidArgument("tree size " + Str(size) + " is above the log's " +
                           Str(this->size()));
  }
  if (size == 0) return MerkleEmptyRoot();
  return RangeHash(0, size);
}

Result<MerkleHash> MerkleTree::LeafHash(uint64_t index) const {
  if (index >= size()) {
    return InvalidArgument("leaf index " + Str(index) +
                           " is not below the log's size " + Str(size()));
  }
  return store_->Get(0, index);
}

Result<std::vector<MerkleHash>> MerkleTree::InclusionProof(
    uint64_t leaf_index, uint64_t tree_size) const {
  if (tree_size > size()) {
    return InvalidArgument("tree size " + Str(tree_size) +
                           " is above the log's " + Str(size()));
  }
  if (leaf_index >= tree_size) {
    return InvalidArgument("leaf index " + Str(leaf_index) +
                           " is not below tree size " + Str(tree_size));
  }
  // PATH(m, D[lo:hi]) unrolled: descend towards the leaf, collecting the
  // sibling subtree at each split; the RFC lists them bottom-up.
  std::vector<MerkleHash> path;
  uint64_t lo = 0;
  uint64_t hi = tree_size;
  while (hi - lo > 1) {
    uint64_t k = std::bit_floor(hi - lo - 1);  // largest power of 2 < n
    if (leaf_index < lo + k) {
      CITYID_ASSIGN_OR_RETURN(MerkleHash sibling, RangeHash(lo + k, hi));
      path.push_back(sibling);
      hi = lo + k;
    } else {
      CITYID_ASSIGN_OR_RETURN(MerkleHash sibling, RangeHash(lo, lo + k));
      path.push_back(sibling);
      lo += k;
    }
  }
  std::reverse(path.begin(), path.end());
  return path;
}

Result<std::vector<MerkleHash>> MerkleTree::ConsistencyProof(
    uint64_t first, uint64_t second) const {
  if (second > size()) {
    return InvalidArgument("tree size " + Str(second) + " is above the log's " +
                           Str(size()));
  }
  if (first > second) {
    return InvalidArgument("first size " + Str(first) +
                           " is above second size " + Str(second));
  }
  std::vector<MerkleHash> proof;
  if (first == 0 || first == second) return proof;
  // SUBPROOF(m, D[lo:hi], b) unrolled; m counts leaves from lo.
  std::vector<MerkleHash> siblings;
  uint64_t lo = 0;
  uint64_t hi = second;
  uint64_t m = first;
  bool whole_subtree = true;  // the RFC's b
  while (m != hi - lo) {
    uint64_t k = std::bit_floor(hi - lo - 1);
    if (m <= k) {
      CITYID_ASSIGN_OR_RETURN(MerkleHash right, RangeHash(lo + k, hi));
      siblings.push_back(right);
      hi = lo + k;
    } else {
      CITYID_ASSIGN_OR_RETURN(MerkleHash left, RangeHash(lo, lo + k));
      siblings.push_back(left);
      lo += k;
      m -= k;
      whole_subtree = false;
    }
  }
  if (!whole_subtree) {
    CITYID_ASSIGN_OR_RETURN(MerkleHash node, RangeHash(lo, hi));
    proof.push_back(node);
  }
  proof.insert(proof.end(), siblings.rbegin(), siblings.rend());
  return proof;
}

}  // namespace cityid
