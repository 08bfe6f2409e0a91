// The incremental Merkle tree and the proof verifiers against the reference
// tree of merkle_reference_test.h (RFC 6962 recursion, RFC 9162 verifiers).
#include "ledger/integrity/merkle.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ledger/integrity/merkle_reference_test.h"
#include "ledger/integrity/merkle_store.h"
#include "ledger/integrity/merkle_tree.h"

namespace cityid {
namespace {

std::string LeafData(uint64_t i) { return "event bytes #" + std::to_string(i); }

std::string S(const MerkleHash& h) { return MerkleHashBytes(h); }

std::vector<std::string> S(const std::vector<MerkleHash>& v) {
  std::vector<std::string> out;
  for (const auto& h : v) out.push_back(S(h));
  return out;
}

MerkleHash H(const std::string& s) { return MerkleHashFromBytes(s).value(); }

// A committed in-memory tree of n leaves beside the reference tree.
struct Fixture {
  explicit Fixture(uint64_t n) {
    tree = std::move(MerkleTree::Open(&store)).value();
    for (uint64_t i = 0; i < n; ++i) {
      EXPECT_TRUE(tree->Append(LeafData(i)).ok());
      ref.Add(LeafData(i));
    }
    tree->Commit();
  }
  InMemoryMerkleStore store;
  std::unique_ptr<MerkleTree> tree;
  reference::Tree ref;
};

// Both verifiers agree on a verdict; returns it.
bool InclusionVerdict(uint64_t index, uint64_t size, const std::string& leaf,
                      const std::vector<std::string>& path,
                      const std::string& root) {
  bool ref = reference::VerifyInclusion(index, size, leaf, path, root);
  std::vector<MerkleHash> p;
  for (const auto& s : path) p.push_back(H(s));
  bool lib = VerifyInclusion(index, size, H(leaf), p, H(root)).ok();
  EXPECT_EQ(ref, lib) << "index " << index << " size " << size;
  return ref;
}

bool ConsistencyVerdict(uint64_t m, uint64_t n, const std::string& root_m,
                        const std::string& root_n,
                        const std::vector<std::string>& path) {
  bool ref = reference::VerifyConsistency(m, n, root_m, root_n, path);
  std::vector<MerkleHash> p;
  for (const auto& s : path) p.push_back(H(s));
  bool lib = VerifyConsistency(m, n, H(root_m), H(root_n), p).ok();
  EXPECT_EQ(ref, lib) << "m " << m << " n " << n;
  return ref;
}

void CheckInclusion(Fixture& f, uint64_t index, uint64_t size) {
  std::vector<std::string> proof =
      S(f.tree->InclusionProof(index, size).value());
  ASSERT_EQ(proof, f.ref.Path(index, 0, size)) << index << "/" << size;
  const std::string root = f.ref.Mth(0, size);
  const std::string leaf = f.ref.leaf_hash(index);
  ASSERT_TRUE(InclusionVerdict(index, size, leaf, proof, root));

  for (size_t i = 0; i < proof.size(); ++i) {  // every hash, one bit flipped
    std::vector<std::string> bad = proof;
    bad[i][i % 32] ^= static_cast<char>(1 << (i % 8));
    EXPECT_FALSE(InclusionVerdict(index, size, leaf, bad, root));
  }
  std::string bad_leaf = leaf;
  bad_leaf[0] ^= 1;
  EXPECT_FALSE(InclusionVerdict(index, size, bad_leaf, proof, root));
  if (index + 1 < size) {
    EXPECT_FALSE(InclusionVerdict(index + 1, size, leaf, proof, root));
  }
  if (index > 0) {
    EXPECT_FALSE(InclusionVerdict(index - 1, size, leaf, proof, root));
  }
  if (size < f.ref.size()) {
    EXPECT_FALSE(
        InclusionVerdict(index, size + 1, leaf, proof, f.ref.Mth(0, size + 1)));
  }
  if (index + 1 < size) {
    EXPECT_FALSE(
        InclusionVerdict(index, size - 1, leaf, proof, f.ref.Mth(0, size - 1)));
  }
  if (!proof.empty()) {
    std::vector<std::string> shorter(proof.begin(), proof.end() - 1);
    EXPECT_FALSE(InclusionVerdict(index, size, leaf, shorter, root));
  }
  std::vector<std::string> longer = proof;
  longer.push_back(root);
  EXPECT_FALSE(InclusionVerdict(index, size, leaf, longer, root));
}

void CheckConsistency(Fixture& f, uint64_t m, uint64_t n) {
  std::vector<std::string> proof = S(f.tree->ConsistencyProof(m, n).value());
  ASSERT_EQ(proof, f.ref.Proof(m, n)) << m << "/" << n;
  const std::string root_m = f.ref.Mth(0, m);
  const std::string root_n = f.ref.Mth(0, n);
  if (m == n) {
    EXPECT_TRUE(proof.empty());
    EXPECT_TRUE(VerifyConsistency(m, n, H(root_m), H(root_n), {}).ok());
    return;
  }
  ASSERT_TRUE(ConsistencyVerdict(m, n, root_m, root_n, proof));

  for (size_t i = 0; i < proof.size(); ++i) {
    std::vector<std::string> bad = proof;
    bad[i][(i * 7) % 32] ^= static_cast<char>(1 << (i % 8));
    EXPECT_FALSE(ConsistencyVerdict(m, n, root_m, root_n, bad));
  }
  std::string other_root_m = root_m;
  other_root_m[5] ^= 4;
  EXPECT_FALSE(ConsistencyVerdict(m, n, other_root_m, root_n, proof));
  if (m + 1 < n) {
    EXPECT_FALSE(
        ConsistencyVerdict(m + 1, n, f.ref.Mth(0, m + 1), root_n, proof));
  }
  if (m > 1) {
    EXPECT_FALSE(
        ConsistencyVerdict(m - 1, n, f.ref.Mth(0, m - 1), root_n, proof));
  }
  if (n < f.ref.size()) {
    EXPECT_FALSE(
        ConsistencyVerdict(m, n + 1, root_m, f.ref.Mth(0, n + 1), proof));
  }
  if (m + 1 < n) {
    EXPECT_FALSE(
        ConsistencyVerdict(m, n - 1, root_m, f.ref.Mth(0, n - 1), proof));
  }
  std::vector<std::string> shorter(proof.begin(), proof.end() - 1);
  EXPECT_FALSE(ConsistencyVerdict(m, n, root_m, root_n, shorter));
  std::vector<std::string> longer = proof;
  longer.push_back(root_n);
  EXPECT_FALSE(ConsistencyVerdict(m, n, root_m, root_n, longer));
}

TEST(MerkleHashTest, MatchesRfcDefinitions) {
  EXPECT_EQ(S(MerkleLeafHash("abc")), reference::LeafHash("abc"));
  MerkleHash a = MerkleLeafHash("a"), b = MerkleLeafHash("b");
  EXPECT_EQ(S(MerkleNodeHash(a, b)), reference::NodeHash(S(a), S(b)));
  // SHA-256("") is the well-known e3b0c442...
  EXPECT_EQ(HexEncode(S(MerkleEmptyRoot())),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(S(MerkleHashFromBase64(MerkleHashBase64(a)).value()), S(a));
  EXPECT_FALSE(MerkleHashFromBytes("short").ok());
}

TEST(MerkleTreeTest, IncrementalRootsEqualRecursiveMthForEverySizeUpTo300) {
  InMemoryMerkleStore store;
  auto tree = std::move(MerkleTree::Open(&store)).value();
  reference::Tree ref;
  EXPECT_EQ(S(tree->Head().root), ref.Mth(0, 0));
  for (uint64_t n = 1; n <= 300; ++n) {
    ASSERT_TRUE(tree->Append(LeafData(n - 1)).ok());
    ref.Add(LeafData(n - 1));
    EXPECT_EQ(S(tree->PendingRoot()), ref.Mth(0, n));
    tree->Commit();
    ASSERT_EQ(tree->Head().size, n);
    ASSERT_EQ(S(tree->Head().root), ref.Mth(0, n)) << "size " << n;
  }
  for (uint64_t n = 0; n <= 300; ++n) {
    ASSERT_EQ(S(tree->RootAt(n).value()), ref.Mth(0, n)) << "size " << n;
  }
  EXPECT_FALSE(tree->RootAt(301).ok());
}

TEST(MerkleTreeTest,
     InclusionProofsForEveryPairUpTo64VerifyAndResistTampering) {
  Fixture f(64);
  for (uint64_t size = 1; size <= 64; ++size) {
    for (uint64_t index = 0; index < size; ++index)
      CheckInclusion(f, index, size);
  }
}

TEST(MerkleTreeTest,
     ConsistencyProofsForEveryPairUpTo64VerifyAndResistTampering) {
  Fixture f(64);
  for (uint64_t n = 1; n <= 64; ++n) {
    for (uint64_t m = 1; m <= n; ++m) CheckConsistency(f, m, n);
  }
}

TEST(MerkleTreeTest, RandomProofsUpTo100000LeavesVerify) {
  Fixture f(100000);
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 300; ++i) {
    uint64_t size = 1 + rng() % 100000;
    uint64_t index = rng() % size;
    CheckInclusion(f, index, size);
    uint64_t n = 1 + rng() % 100000;
    uint64_t m = 1 + rng() % n;
    CheckConsistency(f, m, n);
  }
  // The extremes.
  CheckInclusion(f, 0, 100000);
  CheckInclusion(f, 99999, 100000);
  CheckConsistency(f, 1, 100000);
  CheckConsistency(f, 65536, 100000);
  CheckConsistency(f, 99999, 100000);
}

TEST(MerkleTreeTest, ProofRequestsOutsideTheTreeAreRejected) {
  Fixture f(10);
  EXPECT_EQ(f.tree->InclusionProof(10, 10).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(f.tree->InclusionProof(0, 11).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(f.tree->ConsistencyProof(5, 4).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(f.tree->ConsistencyProof(5, 11).status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(f.tree->ConsistencyProof(0, 10).value().empty());
  EXPECT_TRUE(f.tree->ConsistencyProof(10, 10).value().empty());
  EXPECT_EQ(S(f.tree->LeafHash(3).value()), f.ref.leaf_hash(3));
  EXPECT_FALSE(f.tree->LeafHash(10).ok());
}

TEST(MerkleTreeTest, PendingLeavesAreInvisibleUntilCommitAndAbortForgetsThem) {
  Fixture f(5);
  TreeHead before = f.tree->Head();
  ASSERT_TRUE(f.tree->Append("x").ok());
  ASSERT_TRUE(f.tree->Append("y").ok());
  EXPECT_EQ(f.tree->pending_size(), 7u);
  EXPECT_EQ(f.tree->size(), 5u);
  EXPECT_EQ(f.tree->Head().root, before.root);
  EXPECT_FALSE(f.tree->RootAt(6).ok());
  f.tree->Abort();
  EXPECT_EQ(f.tree->pending_size(), 5u);
  // Appending after the abort gives the same tree as never having tried.
  for (uint64_t i = 5; i < 9; ++i) {
    ASSERT_TRUE(f.tree->Append(LeafData(i)).ok());
    f.ref.Add(LeafData(i));
  }
  f.tree->Commit();
  for (uint64_t n = 0; n <= 9; ++n) {
    EXPECT_EQ(S(f.tree->RootAt(n).value()), f.ref.Mth(0, n));
  }
  CheckConsistency(f, 5, 9);
}

TEST(MerkleTreeTest, ReadersProveCommittedHeadsWhileTheWriterAppends) {
  InMemoryMerkleStore store;
  auto tree = std::move(MerkleTree::Open(&store)).value();
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (uint64_t i = 0; i < 3000; ++i) {
      EXPECT_TRUE(tree->Append(LeafData(i)).ok());
      if (i % 7 == 6) tree->Commit();
    }
    tree->Commit();
    done = true;
  });
  std::mt19937_64 rng(3);
  int checked = 0;
  while (!done || checked == 0) {
    TreeHead head = tree->Head();
    if (head.size == 0) continue;
    uint64_t index = rng() % head.size;
    std::vector<MerkleHash> proof =
        tree->InclusionProof(index, head.size).value();
    MerkleHash leaf = tree->LeafHash(index).value();
    ASSERT_TRUE(VerifyInclusion(index, head.size, leaf, proof, head.root).ok());
    ASSERT_EQ(tree->RootAt(head.size).value(), head.root);
    ++checked;
  }
  writer.join();
  EXPECT_GT(checked, 0);
}

TEST(MerkleVerifyTest, EdgeSizesFollowTheDocumentedRules) {
  MerkleHash a = MerkleLeafHash("a"), b = MerkleLeafHash("b");
  EXPECT_TRUE(VerifyConsistency(0, 7, a, b, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 7, a, b, std::vector<MerkleHash>{a}).ok());
  EXPECT_TRUE(VerifyConsistency(3, 3, a, a, {}).ok());
  EXPECT_FALSE(VerifyConsistency(3, 3, a, b, {}).ok());
  EXPECT_FALSE(VerifyConsistency(4, 3, a, b, {}).ok());
  EXPECT_FALSE(VerifyConsistency(2, 3, a, b, {}).ok());
  EXPECT_FALSE(VerifyInclusion(0, 0, a, {}, a).ok());
  EXPECT_TRUE(VerifyInclusion(0, 1, a, {}, a).ok());
}

}  // namespace
}  // namespace cityid
