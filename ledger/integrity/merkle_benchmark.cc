// Micro-benchmarks of the Merkle tree: appends (in memory and staged into a
// RocksDB WriteBatch) and proof generation and verification. Build with
// -DCITYID_BENCHMARKS=ON -DCMAKE_BUILD_TYPE=Release; run
// `merkle_benchmark --benchmark_repetitions=5` and report the variation.
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ledger/integrity/merkle.h"
#include "ledger/integrity/merkle_store.h"
#include "ledger/integrity/merkle_tree.h"

namespace cityid {
namespace {

// A typical framed event is a few hundred bytes.
const std::string kLeaf(300, 'e');

void BM_LeafHash(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(MerkleLeafHash(kLeaf));
  state.SetBytesProcessed(state.iterations() * kLeaf.size());
}
BENCHMARK(BM_LeafHash);

void BM_AppendInMemory(benchmark::State& state) {
  InMemoryMerkleStore store;
  auto tree = std::move(MerkleTree::Open(&store)).value();
  for (auto _ : state) {
    if (!tree->Append(kLeaf).ok()) state.SkipWithError("append failed");
    if (tree->pending_size() % 512 == 0) tree->Commit();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AppendInMemory);

// Appends in group-commit batches of state.range(0) leaves into RocksDB
// (unsynced writes: this measures the tree, not the disk).
void BM_AppendRocksDbBatch(benchmark::State& state) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "cityid-merkle-bench-XXXXXX")
          .string();
  std::string dir = mkdtemp(tmpl.data());
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, dir, &raw).ok()) {
    state.SkipWithError("cannot open RocksDB");
    return;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  RocksDbMerkleStore store(db.get(), db->DefaultColumnFamily());
  auto tree = std::move(MerkleTree::Open(&store)).value();
  const int64_t batch_size = state.range(0);
  for (auto _ : state) {
    rocksdb::WriteBatch batch;
    store.StageInto(&batch);
    for (int64_t i = 0; i < batch_size; ++i) {
      if (!tree->Append(kLeaf).ok()) state.SkipWithError("append failed");
    }
    store.StageInto(nullptr);
    if (!db->Write(rocksdb::WriteOptions(), &batch).ok()) {
      state.SkipWithError("write failed");
    }
    tree->Commit();
  }
  state.SetItemsProcessed(state.iterations() * batch_size);
  db.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AppendRocksDbBatch)->Arg(1)->Arg(64)->Arg(512);

// One tree of 2^20 + 12345 leaves shared by the proof benchmarks.
MerkleTree& BigTree() {
  static InMemoryMerkleStore* store = new InMemoryMerkleStore();
  static MerkleTree* tree = [] {
    MerkleTree* t = MerkleTree::Open(store).value().release();
    for (uint64_t i = 0; i < (1u << 20) + 12345; ++i) {
      t->AppendLeafHash(MerkleLeafHash(std::to_string(i))).PermitUnchecked();
    }
    t->Commit();
    return t;
  }();
  return *tree;
}

void BM_InclusionProof(benchmark::State& state) {
  MerkleTree& tree = BigTree();
  std::mt19937_64 rng(1);
  const uint64_t n = tree.size();
  for (auto _ : state) {
    uint64_t size = 1 + rng() % n;
    benchmark::DoNotOptimize(tree.InclusionProof(rng() % size, size));
  }
}
BENCHMARK(BM_InclusionProof);

void BM_ConsistencyProof(benchmark::State& state) {
  MerkleTree& tree = BigTree();
  std::mt19937_64 rng(2);
  const uint64_t n = tree.size();
  for (auto _ : state) {
    uint64_t second = 1 + rng() % n;
    benchmark::DoNotOptimize(tree.ConsistencyProof(1 + rng() % second, second));
  }
}
BENCHMARK(BM_ConsistencyProof);

void BM_VerifyInclusion(benchmark::State& state) {
  MerkleTree& tree = BigTree();
  const uint64_t n = tree.size();
  const uint64_t index = n / 3;
  std::vector<MerkleHash> proof = tree.InclusionProof(index, n).value();
  MerkleHash leaf = tree.LeafHash(index).value();
  MerkleHash root = tree.Head().root;
  for (auto _ : state) {
    benchmark::DoNotOptimize(VerifyInclusion(index, n, leaf, proof, root));
  }
}
BENCHMARK(BM_VerifyInclusion);

}  // namespace
}  // namespace cityid

BENCHMARK_MAIN();
