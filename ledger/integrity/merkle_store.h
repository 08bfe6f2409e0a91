// MerkleNodeStore: where the Merkle tree keeps its node hashes. Every
// complete perfect subtree is stored once, keyed by (level, index): the node
// at (level, index) is MTH of leaves [index * 2^level, (index + 1) * 2^level).
// Level 0 holds the leaf hashes. Beside the nodes, the store records the tree
// size they describe, so a reopened tree knows where it stands.
//
// Two implementations: InMemoryMerkleStore (tests, tools, benchmarks) and
// RocksDbMerkleStore (the ledger's column family "merkle", written through
// the ledger's own WriteBatch so that events and their nodes commit together).
#ifndef CITYID_LEDGER_INTEGRITY_MERKLE_STORE_H_
#define CITYID_LEDGER_INTEGRITY_MERKLE_STORE_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "ledger/integrity/merkle.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace cityid {

// Threading: Get/GetSize may be called from any thread, concurrently with the
// single writer thread that calls Put/PutSize.
class MerkleNodeStore {
 public:
  virtual ~MerkleNodeStore() = default;

  // The node hash, kNotFound when absent, kUnavailable/kCorruption when the
  // storage fails.
  virtual Result<MerkleHash> Get(uint32_t level, uint64_t index) const = 0;
  // Stores (or stages, see RocksDbMerkleStore) a node hash.
  virtual Status Put(uint32_t level, uint64_t index,
                     const MerkleHash& hash) = 0;

  // The recorded tree size; 0 when none was ever recorded.
  virtual Result<uint64_t> GetSize() const = 0;
  virtual Status PutSize(uint64_t size) = 0;
};

// A store in process memory, guarded by a mutex. Put is visible at once.
class InMemoryMerkleStore final : public MerkleNodeStore {
 public:
  Result<MerkleHash> Get(uint32_t level, uint64_t index) const override;
  Status Put(uint32_t level, uint64_t index, const MerkleHash& hash) override;
  Result<uint64_t> GetSize() const override;
  Status PutSize(uint64_t size) override;

 private:
  mutable std::mutex mu_;
  std::vector<std::vector<MerkleHash>> levels_;  // levels_[level][index]
  std::vector<std::vector<bool>> present_;
  uint64_t size_ = 0;
};

// The RocksDB column family that holds the nodes.
inline constexpr char kMerkleColumnFamily[] = "merkle";

// Nodes in a RocksDB column family. Keys: one byte level, then the index as
// 8 big-endian bytes (so a level's nodes sort by index); the size is under
// the 4-byte key "size" as 8 big-endian bytes. Values: 32 raw hash bytes.
//
// Writes are staged: Put/PutSize add to the WriteBatch given to StageInto()
// and become visible to Get only once the owner writes that batch. Put with
// no batch staged returns kInternal (a wiring bug). Reads go to DB::Get.
// db, cf and the staged batch are borrowed and must outlive their use.
class RocksDbMerkleStore final : public MerkleNodeStore {
 public:
  RocksDbMerkleStore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf)
      : db_(db), cf_(cf) {}

  // Directs subsequent Put/PutSize into `batch` (null: stop staging).
  // Writer thread only.
  void StageInto(rocksdb::WriteBatch* batch) { batch_ = batch; }

  Result<MerkleHash> Get(uint32_t level, uint64_t index) const override;
  Status Put(uint32_t level, uint64_t index, const MerkleHash& hash) override;
  Result<uint64_t> GetSize() const override;
  Status PutSize(uint64_t size) override;

  // Key encodings, exposed for tools that read the column family directly.
  static std::string NodeKey(uint32_t level, uint64_t index);
  static std::string SizeKey();

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  rocksdb::WriteBatch* batch_ = nullptr;
};

}  // namespace cityid

#endif  // CITYID_LEDGER_INTEGRITY_MERKLE_STORE_H_
