// Ledger: the command service core (SPEC §1-§3, §8). Owns the RocksDB event
// log, the aggregates, the vault, and the single writer that assigns seqs.
//
// Threading: Submit() may be called from any thread. One writer thread takes
// queued commands in batches (group commit): it decides each command against
// the current state, writes all resulting events, state, vault entries and
// idempotency records of the batch as ONE synced WriteBatch, then (in Kafka
// mode, after the publisher's ack) invokes each command's callback on the
// writer thread. Callbacks must not block; hand work to another executor.
//
// Durability: a callback with an OK result means the event is fsynced. After a
// crash, Open() recovers exactly the acknowledged state (plus possibly events
// of a batch that was synced but not yet acknowledged — never a partial batch).
//
// Error codes returned through callbacks (api/ maps them to HTTP):
//   kInvalidArgument (422)  bad field values, PII field outside policy, ...
//   kNotFound (404)         unknown resident or card
//   kGone (410)             resident erased (reads and updates)
//   kConflict (409)         state rule broken; duplicate enrollment names the
//                           existing resident in the message ("resident r_...")
//   kPreconditionFailed (412) if_match != current version
//   kIdempotencyMismatch (422) same idempotency key, other request hash
//   kUnavailable (503)      storage (or broker) cannot accept writes now,
//                           or the disk is below the free-space floor
#ifndef CITYID_LEDGER_LEDGER_H_
#define CITYID_LEDGER_LEDGER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "ledger/commands.h"
#include "ledger/free_space.h"
#include "schemas/policy.h"
#include "stream/stored_event.h"

namespace cityid {

class LogExtension;  // ledger/rocksdb_log.h

// How the ledger's RocksDB reads.
struct RocksLogOptions {
  // One LRU block cache shared by every column family. Index and filter
  // blocks are charged to it too, so it bounds the table readers' memory
  // however many table files there are.
  size_t block_cache_bytes = 64 << 20;
  // Bloom filter bits per key in table files (0: none), and the share of
  // each memtable given to its whole-key bloom filter (0: none). Every
  // command makes point lookups that mostly miss (idempotency key, blind
  // index bucket, a new resident id): a filter answers them without reading
  // a data block.
  int bloom_bits_per_key = 10;
  double memtable_bloom_ratio = 0.02;
};

// The single writer thread's account (ledger_impl.h). Everything a command
// needs that does not depend on the order of commands (validation, sealing
// the PII, the blind index, a fresh resident id) runs before it reaches the
// writer, on the submitting thread; `decide_nanos` is what is left serial.
struct WriterStats {
  uint64_t commands = 0;      // commands the writer decided
  uint64_t batches = 0;       // group commits attempted
  uint64_t decide_nanos = 0;  // writer time outside the two waits below
  uint64_t write_nanos = 0;   // in synced RocksDB writes (WAL + fsync)
  // waiting for the publisher thread to catch up (back-pressure; in Kafka
  // mode, for Kafka commits)
  uint64_t publish_nanos = 0;
};

// Validity in days per card type, and the renewal grace period (SPEC §10).
struct CardPolicy {
  int standard_days = 5 * 365;
  int youth_days = 2 * 365;
  int senior_days = 8 * 365;
  int grace_days = 365;
};

// Called after a batch is durable locally and before its commands are
// acknowledged (Kafka mode publishes here). `done` must be called exactly once,
// from any thread; a non-OK status fails every command of the batch with it
// (the events stay in the local log and are published later, SPEC §8).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Publish(const std::vector<StoredEvent>& batch,
                       std::function<void(Status)> done) = 0;
};

// The current vault entry of one resident, as the vault topic carries it
// (SPEC §6): both fields set, or neither (erased: a tombstone).
struct VaultRecord {
  std::string resident_id;
  std::optional<std::string> wrapped_key;  // data key sealed under the KEK
  std::optional<std::string> ciphertext;   // PII sealed under the data key
};

// Receives the vault entries a batch changed (Kafka mode: the compacted
// vault topic, ledger/kafka/kafka_vault.h). Called on the writer thread after
// the batch is durable locally and before the EventSink; blocks until the
// records are acknowledged. A non-OK status fails the batch's commands with
// kUnavailable (their events stay durable); the residents stay in an outbox
// (meta "vault_outbox/<id>", written in the batch) and their CURRENT entries
// are sent again with the next batch, so a later erasure is never overtaken
// by an older record.
class VaultSink {
 public:
  virtual ~VaultSink() = default;
  virtual Status Publish(const std::vector<VaultRecord>& records) = 0;
};

struct LedgerOptions {
  std::string data_dir;              // RocksDB lives in data_dir/ledger
  std::string kek_file;              // 32-byte key-encryption key (raw)
  std::string blind_index_key_file;  // 32-byte HMAC key for duplicate detection
  std::vector<std::string> pii_fields = {"given_name", "family_name",
                                         "date_of_birth"};
  CardPolicy cards;
  // The attribute domains (SPEC §11, schemas/policy.h): closed domains
  // refuse other values with kInvalidArgument naming the allowed ones; open
  // ones take any category-shaped value, trimmed. Open() refuses a policy
  // that fails ProgrammePolicy::Check().
  ProgrammePolicy policy;
  uint32_t status_list_size = 131072;  // entries per list (SPEC §5: >= 131072)
  size_t max_batch = 512;              // commands per group commit
  Clock* clock = SystemClock::Default();
  // Retention (SPEC §6): a resident without a live card (active or
  // suspended, not expired) for this many days is erased with reason
  // "retention". 0: off. The ledger sweeps every retention_sweep_interval
  // of real time (0: never by itself; submit RetentionSweepCommand), up to
  // retention_sweep_limit residents per batch, judging by `clock`.
  int retention_days = 0;
  Micros retention_sweep_interval = 600 * kMicrosPerSecond;
  size_t retention_sweep_limit = 256;
  EventSink* sink = nullptr;        // null: embedded mode
  VaultSink* vault_sink = nullptr;  // null: the vault stays local
  // Free-space floor (issue 9, ledger/free_space.h): every write to the
  // ledger's DB is refused with kUnavailable while the data directory's
  // filesystem would be left with fewer free bytes, and Ready() says "disk
  // full: ...". Keep it above a memtable flush (16 MiB, rocksdb_log.cc) plus
  // a batch, so RocksDB's background work has room. 0: off (not safe: a WAL
  // append that meets a full disk can abort the process).
  uint64_t min_free_bytes = 64 << 20;
  // Free bytes of the data directory's filesystem; null: statvfs(data_dir).
  // Test seam.
  FreeSpaceProbe free_space_probe;
  // Writers of extra column families committed in each batch's WriteBatch
  // (e.g. the Merkle node store); borrowed, must outlive the Ledger.
  std::vector<LogExtension*> extensions;
  // Block cache and bloom filters of the ledger's DB (rocksdb_log.h).
  RocksLogOptions storage;
  // Called on the writer thread with the ids of the residents a batch
  // erased (request or retention), after the batch is durable and before any
  // of its commands is answered: tools/ keeps the erasure journal with it
  // (SPEC §14, tools/erasure_journal.h). A non-OK status answers the batch's
  // commands with kUnavailable (their events stay durable, as when a sink
  // fails). Null: none.
  std::function<Status(const std::vector<std::string>& resident_ids)> on_erased;
};

class Ledger {
 public:
  using Callback = std::function<void(Result<CommandResult>)>;

  // Opens or creates the ledger under options.data_dir and recovers its state.
  // Returns kUnavailable/kCorruption when the store cannot be opened.
  static Result<std::unique_ptr<Ledger>> Open(const LedgerOptions& options);

  virtual ~Ledger() = default;

  // Queues a command; `done` runs exactly once (see threading note above).
  virtual void Submit(Command command, CommandContext context,
                      Callback done) = 0;
  // Blocking convenience over Submit, for tests and tools.
  Result<CommandResult> Execute(Command command, CommandContext context);

  // Events with seq in (after, after+limit], in order, from the local log.
  virtual Result<std::vector<StoredEvent>> ReadEvents(uint64_t after,
                                                      size_t limit) const = 0;
  // Last durable (acknowledgeable) seq; 0 when empty.
  virtual uint64_t LastSeq() const = 0;
  // Runs `fn` once, from some thread, as soon as LastSeq() > after or when
  // `timeout` elapses, whichever comes first. Used by the long-poll feed.
  virtual void WaitForEvents(uint64_t after, Micros timeout,
                             std::function<void()> fn) = 0;

  // Current state views without PII, or kNotFound.
  virtual Result<CardView> GetCard(const std::string& card_id) const = 0;
  virtual Result<ResidentView> GetResidentState(
      const std::string& resident_id) const = 0;

  // OK while the ledger accepts writes; otherwise why not.
  virtual Status Ready() const = 0;

  // Where the writer thread's time went since Open (for /metrics).
  virtual WriterStats GetWriterStats() const = 0;

  // Stops taking commands, finishes queued ones, flushes and closes.
  // Idempotent.
  virtual void Close() = 0;
};

}  // namespace cityid

#endif  // CITYID_LEDGER_LEDGER_H_
