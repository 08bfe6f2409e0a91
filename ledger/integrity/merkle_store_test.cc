// The Merkle tree over RocksDB: batched appends through the caller's
// WriteBatch, recovery after reopening, and corruption detection.
#include "ledger/integrity/merkle_store.h"

#include <gtest/gtest.h>
#include <rocksdb/write_batch.h>

#include <random>
#include <string>
#include <vector>

#include "ledger/integrity/merkle_reference_test.h"
#include "ledger/integrity/merkle_store_test_db.h"
#include "ledger/integrity/merkle_tree.h"

namespace cityid {
namespace {

std::string LeafData(uint64_t i) { return "event #" + std::to_string(i); }
std::string S(const MerkleHash& h) { return MerkleHashBytes(h); }

// Appends leaves [from, to) as one group commit: staged into a batch that is
// written (and committed) or dropped (and aborted).
void AppendBatch(testing::TestDb& db, RocksDbMerkleStore& store,
                 MerkleTree& tree, uint64_t from, uint64_t to, bool write) {
  rocksdb::WriteBatch batch;
  store.StageInto(&batch);
  for (uint64_t i = from; i < to; ++i) {
    ASSERT_TRUE(tree.Append(LeafData(i)).ok());
  }
  store.StageInto(nullptr);
  if (!write) {
    tree.Abort();
    return;
  }
  rocksdb::Status s = db.db()->Write(rocksdb::WriteOptions(), &batch);
  ASSERT_TRUE(s.ok()) << s.ToString();
  tree.Commit();
}

// Roots of every size and a sample of proofs equal the reference tree's.
void ExpectMatchesReference(const MerkleTree& tree, reference::Tree& ref) {
  ASSERT_EQ(tree.size(), ref.size());
  for (uint64_t n = 0; n <= ref.size(); ++n) {
    ASSERT_EQ(S(tree.RootAt(n).value()), ref.Mth(0, n)) << "size " << n;
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    uint64_t n = 1 + rng() % ref.size();
    uint64_t m = 1 + rng() % n;
    uint64_t index = rng() % n;
    std::vector<MerkleHash> incl_proof = tree.InclusionProof(index, n).value();
    std::vector<MerkleHash> cons_proof = tree.ConsistencyProof(m, n).value();
    std::vector<std::string> incl, cons;
    for (const auto& h : incl_proof) incl.push_back(S(h));
    for (const auto& h : cons_proof) cons.push_back(S(h));
    ASSERT_EQ(incl, ref.Path(index, 0, n));
    ASSERT_EQ(cons, ref.Proof(m, n));
  }
}

TEST(RocksDbMerkleStoreTest, BatchedAppendsSurviveReopenWithIdenticalProofs) {
  testing::TestDb db;
  reference::Tree ref;
  std::mt19937_64 rng(42);
  {
    RocksDbMerkleStore store(db.db(), db.merkle());
    auto tree = std::move(MerkleTree::Open(&store)).value();
    uint64_t n = 0;
    while (n < 2000) {
      uint64_t k = 1 + rng() % 60;
      bool write = rng() % 7 != 0;  // some batches fail and are aborted
      AppendBatch(db, store, *tree, n, n + k, write);
      if (write) {
        for (uint64_t i = n; i < n + k; ++i) ref.Add(LeafData(i));
        n += k;
      }
      ASSERT_EQ(S(tree->Head().root), ref.Mth(0, n));
    }
    ExpectMatchesReference(*tree, ref);
  }
  db.Reopen();
  RocksDbMerkleStore store(db.db(), db.merkle());
  auto tree = std::move(MerkleTree::Open(&store)).value();
  EXPECT_EQ(S(tree->Head().root), ref.Mth(0, ref.size()));
  ExpectMatchesReference(*tree, ref);
  // And it keeps growing correctly after recovery.
  uint64_t n = ref.size();
  AppendBatch(db, store, *tree, n, n + 37, true);
  for (uint64_t i = n; i < n + 37; ++i) ref.Add(LeafData(i));
  ExpectMatchesReference(*tree, ref);
}

TEST(RocksDbMerkleStoreTest, AbortedBatchLeavesNothingBehind) {
  testing::TestDb db;
  {
    RocksDbMerkleStore store(db.db(), db.merkle());
    auto tree = std::move(MerkleTree::Open(&store)).value();
    AppendBatch(db, store, *tree, 0, 10, true);
    AppendBatch(db, store, *tree, 10, 20, false);
    EXPECT_EQ(tree->size(), 10u);
  }
  db.Reopen();
  RocksDbMerkleStore store(db.db(), db.merkle());
  auto tree = std::move(MerkleTree::Open(&store)).value();
  EXPECT_EQ(tree->size(), 10u);
  EXPECT_EQ(store.Get(0, 10).status().code(), Code::kNotFound);
}

TEST(RocksDbMerkleStoreTest, MissingRightEdgeNodeIsReportedAsCorruption) {
  testing::TestDb db;
  {
    RocksDbMerkleStore store(db.db(), db.merkle());
    auto tree = std::move(MerkleTree::Open(&store)).value();
    AppendBatch(db, store, *tree, 0, 13, true);  // 13 = 8 + 4 + 1
  }
  // Drop the perfect subtree of leaves [8, 12): level 2, index 2.
  ASSERT_TRUE(db.db()
                  ->Delete(rocksdb::WriteOptions(), db.merkle(),
                           RocksDbMerkleStore::NodeKey(2, 2))
                  .ok());
  RocksDbMerkleStore store(db.db(), db.merkle());
  Result<std::unique_ptr<MerkleTree>> tree = MerkleTree::Open(&store);
  EXPECT_EQ(tree.status().code(), Code::kCorruption);
}

TEST(RocksDbMerkleStoreTest, PutWithoutAStagedBatchIsAWiringError) {
  testing::TestDb db;
  RocksDbMerkleStore store(db.db(), db.merkle());
  auto tree = std::move(MerkleTree::Open(&store)).value();
  EXPECT_EQ(tree->Append("x").code(), Code::kInternal);
  EXPECT_EQ(tree->pending_size(), 0u);
}

}  // namespace
}  // namespace cityid
