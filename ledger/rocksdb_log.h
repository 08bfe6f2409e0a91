// RocksLog: the ledger's RocksDB adapter. One DB at <data_dir>/ledger holding
// every column family of the ledger; the only file that talks to RocksDB on
// the command path, and the one place RocksDB errors become Status codes.
//
// Column families (layout in ledger/FORMAT.md terms):
//   events        8-byte big-endian seq -> framed event bytes (EncodeEvent)
//   residents     resident_id -> ResidentState (state_codec.h)
//   cards         card_id -> CardState
//   idempotency   actor '\0' idempotency key -> IdempotencyRecord
//   meta          "last_seq" (8-byte BE), "status_list_size" (8-byte BE)
//   vault_keys    resident_id -> wrapped data key        (ledger/vault/vault.h)
//   vault_data    resident_id -> PII ciphertext
//   vault_blind   'b' + 2 index bytes -> bucket of (blind index, resident_id);
//                 'r' resident_id -> blind index      (ledger/ledger_batch.h)
//   status_slots  4-byte BE list, 4-byte BE chunk -> 64-byte bitmap chunk
//   retention     'c' + 8-byte BE coverage end + resident_id -> "";
//                 'r' + resident_id -> 8-byte BE coverage end
//                 (ledger/retention.h)
// plus the column families of each LogExtension.
//
// Extension seam (for the Merkle tree and anything else that must commit
// atomically with the events): a LogExtension names its own column families,
// gets their handles at open, and adds its puts to each batch's WriteBatch
// before the batch is written. See LogExtension below.
//
// Threading: Get/ReadEvents/ForEach may run on any thread concurrently with
// Write (RocksDB is thread-safe); Write, Resume and CompactKeys are called by
// the ledger's single writer thread.
#ifndef CITYID_LEDGER_ROCKSDB_LOG_H_
#define CITYID_LEDGER_ROCKSDB_LOG_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/ledger.h"

namespace cityid {

enum class Cf : int {
  kEvents = 0,
  kResidents,
  kCards,
  kIdempotency,
  kMeta,
  kVaultKeys,
  kVaultData,
  kVaultBlind,
  kStatusSlots,
  kRetention,
  kCount,
};

// Translates a RocksDB status: IOError/NoSpace/Busy/TimedOut/... ->
// kUnavailable, Corruption -> kCorruption, NotFound -> kNotFound, others ->
// kInternal. `what` prefixes the message.
Status FromRocksStatus(const rocksdb::Status& s, std::string_view what);

// 8-byte big-endian encoding, so keys sort numerically.
std::string BigEndian64(uint64_t v);
uint64_t ReadBigEndian64(std::string_view bytes);  // bytes.size() >= 8

// Something that stores data of its own in the ledger's DB, committed in the
// same WriteBatch as each batch of events (e.g. the Merkle node store).
// Registered through LedgerOptions::extensions; not owned by the ledger.
class LogExtension {
 public:
  virtual ~LogExtension() = default;
  // Names of the column families it owns; created on first open.
  virtual std::vector<std::string> ColumnFamilies() const = 0;
  // Reads the events with seq in (after, after + limit], ascending, from the
  // log (RocksLog::ReadEvents).
  using EventReader = std::function<Result<std::vector<StoredEvent>>(
      uint64_t after, size_t limit)>;
  // Once, just before OnOpen: a reader of the log's events, valid until
  // OnClose(), so an extension whose data lags the log (registered on an
  // existing ledger) can catch up in OnOpen. Default: not needed.
  virtual void SetEventReader(EventReader reader) {}
  // Says whether a write of `bytes` to the DB may go ahead now: the
  // ledger's free-space floor (ledger/free_space.h). Non-OK (kUnavailable):
  // do not write; return or log it.
  using WriteGate = std::function<Status(uint64_t bytes)>;
  // Once, just before OnOpen: the gate that every write the extension makes
  // to the DB by itself (outside AddToBatch, e.g. a catch-up or a background
  // checkpoint) must pass first, valid until OnClose(). Batches need no
  // gate: the ledger checks them. Default: the extension writes nothing by
  // itself.
  virtual void SetWriteGate(WriteGate gate) {}
  // Once, on the thread calling Ledger::Open, after the DB is open and before
  // any command runs. `handles` follow ColumnFamilies() order; db and handles
  // stay valid until OnClose(). `last_seq` is the log's last durable seq, so
  // the extension can catch up (through the EventReader) or check itself. A
  // non-OK status fails Ledger::Open with it.
  virtual Status OnOpen(
      rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
      uint64_t last_seq) = 0;
  // Writer thread: add this extension's writes for `events` (the batch's new
  // events, gap-free, ascending seq) to `batch`. A non-OK status fails the
  // whole batch (its commands answer that status; nothing is written).
  virtual Status AddToBatch(const std::vector<StoredEvent>& events,
                            rocksdb::WriteBatch& batch) = 0;
  // Writer thread: the batch from the last AddToBatch was written and synced
  // (durable = true) or dropped (false: undo any in-memory effect).
  virtual void OnBatchDone(bool durable) = 0;
  // Before the DB closes (Ledger::Close); the handles die after this.
  virtual void OnClose() {}
};

class RocksLog {
 public:
  // Opens or creates the DB at `path` (creating missing column families,
  // including the extensions'). kUnavailable when RocksDB cannot open it
  // (e.g. locked by another process), kCorruption when it is damaged.
  static Result<std::unique_ptr<RocksLog>> Open(
      const std::string& path, const std::vector<std::string>& extra_cfs,
      const RocksLogOptions& options = RocksLogOptions());
  ~RocksLog();
  RocksLog(const RocksLog&) = delete;
  RocksLog& operator=(const RocksLog&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* handle(Cf cf) const {
    return handles_[static_cast<int>(cf)];
  }
  // Handles of `extra_cfs`, in the order given to Open.
  std::vector<rocksdb::ColumnFamilyHandle*> ExtraHandles() const;

  // nullopt when the key is absent.
  Result<std::optional<std::string>> Get(Cf cf, std::string_view key) const;
  // Writes `batch`; with sync (the default) it is durable once this returns
  // OK. Unsynced writes are for records whose loss on a crash is harmless.
  Status Write(rocksdb::WriteBatch& batch, bool sync = true);
  // Events with seq in (after, after + limit], ascending.
  Result<std::vector<StoredEvent>> ReadEvents(uint64_t after,
                                              size_t limit) const;
  // Highest seq in the events column family; 0 when empty.
  Result<uint64_t> LastEventSeq() const;
  // Calls fn for every entry of `cf` whose key starts with `prefix`, in key
  // order; stops at the first non-OK status and returns it.
  Status ForEach(Cf cf, std::string_view prefix,
                 const std::function<Status(std::string_view,
                                            std::string_view)>& fn) const;

  // Makes deleted keys leave the disk: flushes every memtable (so no live
  // WAL still holds their old values) and compacts every given (cf, key)
  // through the bottommost level, each table file that holds some of them
  // once. Writer thread.
  Status CompactKeys(const std::vector<std::pair<Cf, std::string>>& keys);
  // After a failed write (e.g. disk full), asks RocksDB to leave its
  // read-only error state. OK when writes may be tried again.
  Status Resume();
  // The background error RocksDB reported last (a flush or compaction that
  // failed, e.g. on a full disk; RocksDB then refuses writes, before
  // touching the WAL, until it recovers), as kUnavailable; OK when none is
  // pending. Cleared by a successful Resume() or Write(). RocksDB's
  // automatic recovery is off: the caller resumes (the ledger's writer
  // does, every second while idle). Any thread.
  Status BackgroundError() const;
  // Bytes in all memtables of all column families: about the most a flush
  // of everything (Resume(), CompactKeys()) writes to disk.
  uint64_t MemtableBytes() const;

 private:
  class ErrorListener;
  RocksLog() = default;

  std::shared_ptr<ErrorListener> errors_;  // registered with the DB
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // Cf order, then extras
  rocksdb::ColumnFamilyHandle* default_handle_ = nullptr;
};

}  // namespace cityid

#endif  // CITYID_LEDGER_ROCKSDB_LOG_H_
