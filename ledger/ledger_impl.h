// LedgerImpl: the Ledger of ledger/ledger.h over RocksLog (rocksdb_log.h).
//
// Threads:
//   - callers: Submit() does the order-independent work of a command first
//     (PrepareCommand, ledger_batch.h: validation, sealing the PII, the blind
//     index, a fresh resident id), then queues it; reads (ReadEvents, GetCard,
//     ...) go straight to RocksDB, which only ever holds whole, synced batches.
//   - the writer: takes up to max_batch queued commands, decides them in a
//     LedgerBatch, writes ONE synced WriteBatch, hands the answers to the
//     AckQueue (ack_queue.h) and the batch to the publisher, and goes on
//     with the next batch. After a write that deleted vault entries it
//     compacts them away first.
//   - the publisher: releases each batch's answers (rendering and sending
//     them is not the writer's work); with a sink it first publishes the
//     batch's changed vault entries to the vault sink, then hands its events
//     to the sink, whose own thread commits them and releases the answers.
//     Always in batch order: a batch is never answered before an earlier
//     one.
//   - the notifier: runs WaitForEvents callbacks when LastSeq() passes their
//     mark or their timeout elapses, so a long-poll never blocks the writer.
//   - the retention timer (only when retention_days > 0 and the sweep
//     interval > 0): submits a RetentionSweepCommand every interval, like
//     any caller, and waits for its answer.
//
// Open() refuses (kInvalidArgument) a KEK whose fingerprint differs from the
// one in meta "kek_id" (ledger/vault/vault.h KekId), and builds the retention
// index once for a ledger created before it existed (ledger/retention.h).
//
// Failure: a failed write answers every command of its batch kUnavailable,
// does not advance the seq, undoes the batch's slot reservations, and makes
// Ready() report the error; the next batch first asks RocksDB to Resume(),
// and while idle the writer probes the disk every second until a synced
// write succeeds again.
//
// Full disk (ledger/free_space.h): before each synced write (batches, the
// recovery probe, the vault outbox, extensions' own writes through their
// WriteGate) the free-space floor is checked; a batch that would leave less
// than LedgerOptions::min_free_bytes free is refused like a failed write
// (kUnavailable, nothing written, seq unchanged) but without touching
// RocksDB, so there is nothing to resume. Ready() checks the floor itself
// ("disk full: N bytes free below floor M"), so readiness follows the free
// space both ways without any write. Resume() and the probe write wait for
// the floor too. RocksDB's own background work (a memtable flush, a
// compaction) that still meets a full disk makes RocksDB refuse writes (before
// any WAL append) with a background error: Ready() reports it
// (RocksLog::BackgroundError) and the idle writer probes as after a failed
// write, so the ledger resumes without waiting for a command.
#ifndef CITYID_LEDGER_LEDGER_IMPL_H_
#define CITYID_LEDGER_LEDGER_IMPL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "ledger/ack_queue.h"
#include "ledger/free_space.h"
#include "ledger/ledger.h"
#include "ledger/ledger_batch.h"
#include "ledger/rocksdb_log.h"
#include "ledger/status_slots.h"
#include "ledger/vault/vault.h"

namespace cityid {

class LedgerImpl final : public Ledger {
 public:
  static Result<std::unique_ptr<LedgerImpl>> Open(const LedgerOptions& options);
  ~LedgerImpl() override;

  void Submit(Command command, CommandContext context, Callback done) override;
  Result<std::vector<StoredEvent>> ReadEvents(uint64_t after,
                                              size_t limit) const override;
  uint64_t LastSeq() const override { return last_seq_.load(); }
  void WaitForEvents(uint64_t after, Micros timeout,
                     std::function<void()> fn) override;
  Result<CardView> GetCard(const std::string& card_id) const override;
  Result<ResidentView> GetResidentState(
      const std::string& resident_id) const override;
  Status Ready() const override;
  WriterStats GetWriterStats() const override;
  void Close() override;

  // Test seam: the underlying store (e.g. to check vault entries are gone).
  const RocksLog& TEST_log() const { return *log_; }

 private:
  struct Pending {
    Command command;
    CommandContext context;
    Callback done;
    // The order-independent work, done on the submitting thread (Prepare).
    std::optional<PreparedCommand> prepared;
  };
  struct Waiter {
    uint64_t after;
    std::chrono::steady_clock::time_point deadline;
    std::function<void()> fn;
  };

  explicit LedgerImpl(const LedgerOptions& options);
  Status Init();
  void WriterLoop();
  void RunBatch(std::vector<Pending>& batch);
  // A locally durable batch on its way to the sinks (Kafka mode).
  struct PublishJob {
    uint64_t ticket = 0;   // in acks_
    bool publish = false;  // false: only release the answers
    std::vector<std::string> vault_changed;
    std::vector<StoredEvent> events;
  };
  void PublisherLoop();
  bool HasSinks() const;
  // The decision environment of a command decided now.
  DecideEnv Env() const;
  // Writer time spent waiting on the synced write and the sinks so far.
  uint64_t WaitedNanos() const;
  // Writes (synced) and compacts; the status every successful command gets
  // in embedded mode. Kafka mode answers once the batch is published too.
  Status CommitLocally(LedgerBatch& batch);
  // Hands the batch's erased residents to options_.on_erased (durable
  // batch, answers not yet released); kUnavailable when it fails.
  Status JournalErasures(const LedgerBatch& batch) const;
  Status WriteBatch(LedgerBatch& batch);
  Status PublishVault(const std::vector<std::string>& changed);
  // Writer thread: a failed write, or a pending RocksDB background error.
  bool HasWriteError() const;
  // After a failed write: Resume() and a small synced write; clears the
  // error when it succeeds.
  void ProbeRecovery();
  // RocksLog::Resume() once the floor leaves room for the memtables' flush.
  void ResumeIfRoom();
  void NotifierLoop();
  void RetentionLoop();
  Status CheckKek();
  void SetWriteError(Status s);

  LedgerOptions options_;
  FreeSpaceFloor floor_;
  std::unique_ptr<Vault> vault_;
  std::unique_ptr<RocksLog> log_;
  std::unique_ptr<StatusSlots> slots_;
  std::atomic<uint64_t> last_seq_{0};

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  bool closing_ = false;  // guarded by queue_mu_
  std::thread writer_;

  // Answers in batch order, each once published (Kafka mode; at once in
  // embedded mode).
  AckQueue acks_;
  std::mutex publish_mu_;
  std::condition_variable publish_cv_;
  std::deque<PublishJob> publish_queue_;  // guarded by publish_mu_
  bool publish_stop_ = false;             // guarded by publish_mu_
  std::thread publisher_;

  std::mutex waiters_mu_;
  std::condition_variable waiters_cv_;
  std::vector<Waiter> waiters_;  // guarded by waiters_mu_
  bool notifier_stop_ = false;   // guarded by waiters_mu_
  std::thread notifier_;

  std::mutex retention_mu_;
  std::condition_variable retention_cv_;
  bool retention_stop_ = false;  // guarded by retention_mu_
  std::thread retention_;

  // Readers hold it shared while using log_; Close() takes it exclusively
  // to close the DB.
  mutable std::shared_mutex db_mu_;

  mutable std::mutex state_mu_;
  Status write_error_;   // guarded by state_mu_
  bool closed_ = false;  // guarded by state_mu_
  std::once_flag close_once_;

  // GetWriterStats(); written by the writer thread only.
  std::atomic<uint64_t> stat_commands_{0}, stat_batches_{0},
      stat_decide_nanos_{0}, stat_write_nanos_{0}, stat_publish_nanos_{0};
  size_t opened_extensions_ = 0;  // extensions whose OnOpen succeeded
  bool vault_backlog_ = false;    // publisher thread: outbox may hold entries
};

}  // namespace cityid

#endif  // CITYID_LEDGER_LEDGER_IMPL_H_
