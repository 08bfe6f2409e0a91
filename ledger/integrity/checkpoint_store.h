// CheckpointStore: the history of every signed checkpoint the ledger issued,
// kept in the RocksDB column family "checkpoints" so that auditors can check
// consistency between the latest checkpoint and every earlier one.
//
// Key: the tree size as 8 big-endian bytes (so history iterates in size
// order). Value: the complete signed note text. One note per size: signing
// the same size again (after a restart or a key rotation) replaces it.
//
// Threading: any method from any thread (RocksDB is thread-safe). db and cf
// are borrowed and must outlive the store.
#ifndef CITYID_LEDGER_INTEGRITY_CHECKPOINT_STORE_H_
#define CITYID_LEDGER_INTEGRITY_CHECKPOINT_STORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace cityid {

inline constexpr char kCheckpointColumnFamily[] = "checkpoints";

struct StoredCheckpoint {
  uint64_t size = 0;
  std::string note;  // the signed note text
};

class CheckpointStore {
 public:
  // Asked before each synced Put with the bytes to write; a non-OK status
  // (e.g. the ledger's free-space floor, ledger/free_space.h) is returned
  // instead of writing.
  using WriteGate = std::function<Status(uint64_t bytes)>;

  CheckpointStore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                  WriteGate gate = nullptr)
      : db_(db), cf_(cf), gate_(std::move(gate)) {}

  // Writes one checkpoint now, synced. kUnavailable/kCorruption on failure;
  // the gate's status when it refuses.
  Status Put(uint64_t size, std::string_view note);
  // Adds the checkpoint to a batch the caller writes.
  Status Put(rocksdb::WriteBatch* batch, uint64_t size, std::string_view note);

  // The note signed at `size`; kNotFound when none was.
  Result<std::string> Get(uint64_t size) const;
  // The checkpoint with the largest size; kNotFound when there is none.
  Result<StoredCheckpoint> Latest() const;
  // Up to `limit` checkpoints with size >= from_size, in ascending size.
  Result<std::vector<StoredCheckpoint>> List(uint64_t from_size,
                                             size_t limit) const;

  static std::string Key(uint64_t size);

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  WriteGate gate_;
};

}  // namespace cityid

#endif  // CITYID_LEDGER_INTEGRITY_CHECKPOINT_STORE_H_
