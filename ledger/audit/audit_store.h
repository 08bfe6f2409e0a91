// LedgerSnapshot: a read-only view of a ledger's RocksDB (<data_dir>/ledger,
// ledger/FORMAT.md) for `cityid audit --data DIR`, and AuditLedgerDir, the
// whole audit of one data directory.
//
// The DB is opened with rocksdb::DB::OpenForReadOnly, every column family,
// max_open_files = -1 (every table file opened up front). It never writes
// and takes no lock, so it works on a stopped ledger, on a copy (or a
// RocksDB checkpoint) of one, and on a live ledger: RocksDB allows read-only
// instances beside the primary, and the view is static as of the open (the
// WAL is replayed into memory then; files the primary deletes afterwards
// stay readable through the open descriptors). A live audit therefore checks
// the history up to the moment it started.
//
// Threading: one thread at a time.
#ifndef CITYID_LEDGER_AUDIT_AUDIT_STORE_H_
#define CITYID_LEDGER_AUDIT_AUDIT_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/audit/audit.h"
#include "ledger/integrity/checkpoint_store.h"
#include "ledger/integrity/merkle_store.h"
#include "ledger/integrity/merkle_tree.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace cityid {

class LedgerSnapshot final : public VaultContents {
 public:
  // kNotFound when <data_dir>/ledger holds no RocksDB; kUnavailable or
  // kCorruption when RocksDB cannot open it.
  static Result<std::unique_ptr<LedgerSnapshot>> Open(
      const std::string& data_dir);
  ~LedgerSnapshot() override;
  LedgerSnapshot(const LedgerSnapshot&) = delete;
  LedgerSnapshot& operator=(const LedgerSnapshot&) = delete;

  const std::string& path() const { return path_; }
  // Highest seq in the events column family; 0 when empty.
  Result<uint64_t> LastSeq() const;
  // Calls fn(seq, frame) for every stored event in key order; stops at the
  // first non-OK status fn returns. kCorruption for a key that is not 8 bytes.
  Status ForEachEvent(
      const std::function<Status(uint64_t, std::string_view)>& fn) const;
  // As ForEachEvent, with the stored Merkle leaf hash of each seq read by a
  // second iterator in step (nullopt when absent or unreadable; nothing is
  // given when there is no "merkle" column family: `has_leaves` false).
  Status ForEachEventAndLeaf(
      const std::function<Status(uint64_t, std::string_view,
                                 const std::optional<MerkleHash>&)>& fn,
      bool* has_leaves) const;
  // The checkpoint history; nullopt when the ledger keeps none (no
  // "checkpoints" column family).
  Result<std::optional<std::vector<StoredCheckpoint>>> Checkpoints() const;
  // The stored Merkle tree; null when there is no "merkle" column family.
  // kCorruption when its right edge is damaged.
  Result<const MerkleTree*> StoredTree();
  // vault_keys, vault_data, and vault_blind ('r' entries and bucket entries).
  Status ForEachEntry(
      const std::function<void(std::string_view, VaultPart, std::string_view)>&
          fn) const override;

 private:
  LedgerSnapshot() = default;
  rocksdb::ColumnFamilyHandle* Handle(const std::string& name) const;

  std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<std::string> names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // parallel to names_
  std::unique_ptr<RocksDbMerkleStore> merkle_store_;
  std::unique_ptr<MerkleTree> tree_;
};

struct AuditHooks {
  // Called every few thousand events with (events read, last seq expected).
  std::function<void(uint64_t, uint64_t)> progress;
  // --export jsonl: receives every event's JSON form (Auditor::SetExport).
  std::function<void(const boost::json::object&)> export_sink;
};

// Audits <data_dir>/ledger: checkpoints, stored tree, every event, vault.
// `extra` checkpoints (e.g. one fetched from GET /v1/checkpoint by the
// auditor) are checked with the stored history. Errors only when the
// snapshot cannot be opened or read at all (a read error midway is a
// continuity finding of the report).
Result<AuditReport> AuditLedgerDir(
    const std::string& data_dir, const AuditOptions& options,
    const AuditHooks& hooks = {},
    const std::vector<StoredCheckpoint>& extra = {});

// Adds `extra` to `history`, skipping exact duplicates (a different note for
// a size already present is kept: both are checked, so a fork fails).
void MergeCheckpoints(std::vector<StoredCheckpoint>& history,
                      const std::vector<StoredCheckpoint>& extra);

// The ceiling an audit's replay rate is compared with (SPEC §9): OpenSSL
// SHA-256 over the same event bytes, one digest per event as Merkle leaf
// hashing does. Only the hashing is timed (events are read in chunks of
// about 8 MB first).
struct Sha256Baseline {
  uint64_t events = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  double EventsPerSecond() const { return seconds > 0 ? events / seconds : 0; }
  double MegabytesPerSecond() const {
    return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0;
  }
};
Result<Sha256Baseline> MeasureSha256(const LedgerSnapshot& snapshot);

}  // namespace cityid

#endif  // CITYID_LEDGER_AUDIT_AUDIT_STORE_H_
