// KafkaLedger: the ledger in Kafka mode (SPEC §1, §3, §8). A Ledger that owns
// an inner Ledger (ledger/ledger.h) whose EventSink is a KafkaPublisher
// (ledger/kafka/kafka_publisher.h) and whose VaultSink is a KafkaVaultPublisher
// (ledger/kafka/kafka_vault.h: the compacted vault topic), and keeps them in
// step:
//
//   - start-up: a keeper thread ensures the topics (kafka_admin.h) and
//     reconciles Kafka with the local log (publishes exactly what Kafka
//     lacks); until that succeeds commands answer kUnavailable (503) and
//     Ready() says why. Broker unreachable: retried with backoff.
//   - serving: a command is acknowledged only once its event is committed in
//     Kafka. That includes a command answered from the idempotency store
//     (its event may be durable locally but not yet published: it is
//     published first). While the publisher reports a failure (broker down),
//     new commands are refused at once with kUnavailable and the keeper calls
//     CatchUp about once a second until Kafka holds the whole local log.
//   - idle: when no event was written for `probe_interval`, the keeper asks
//     Kafka for its last committed seq. Unreachable: Ready() says so (commands
//     are still tried; the first one that publishes clears it). Kafka beyond
//     the local log: another instance of this shard is writing; treated as
//     divergence (below), so an idle instance that was taken over stops too.
//   - divergence (Kafka holds events the local log lacks, or other bytes at
//     the same seq): refuses every command for good; Ready() says why.
//   - fencing (another instance with the same shard took over): refuses every
//     command for good; Ready() says "fenced: ...". Detected on the first
//     publish after the takeover (the batch being published stays in the
//     local log, unacknowledged, and never reaches Kafka from here).
//     librdkafka reports a transaction the coordinator aborted for its
//     timeout (a broker outage longer than transaction_timeout_ms while a
//     commit was pending) the same way. So a fence that follows a run of
//     failures long enough for that timeout is taken for one: a fresh
//     publisher is created and the ledger reconciles again (starting phase);
//     if another instance had taken over and written meanwhile, the
//     reconciliation finds Kafka ahead or different and the ledger refuses
//     (divergence), so Kafka never gets two histories. An instance that took
//     over during such an outage may in turn be fenced by the old one.
//   - a topic whose settings would drop history (kConflict from
//     EnsureTopics): fatal; `on_fatal` is called once and the process should
//     stop (the service refuses to start).
//
// Reads (ReadEvents, GetCard, ...) go straight to the inner ledger.
//
// Ownership: owns the inner ledger and the publishers (the current one and
// any it replaced); they outlive the inner ledger (Close() closes the ledger
// first). Threading: as Ledger; plus one keeper thread, stopped by Close().
// `on_fatal` runs on it.
#ifndef CITYID_TOOLS_KAFKA_LEDGER_H_
#define CITYID_TOOLS_KAFKA_LEDGER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ledger/kafka/kafka_publisher.h"
#include "ledger/kafka/kafka_vault.h"
#include "ledger/ledger.h"
#include "stream/kafka/kafka_common.h"

namespace cityid {

struct KafkaLedgerOptions {
  KafkaOptions kafka;
  // Events compared byte for byte between Kafka and the local log at start.
  uint64_t reconcile_compare = 1000;
  // Keeper period while serving, and first retry delay while starting (the
  // delay doubles on each failure up to max_retry_interval).
  std::chrono::milliseconds retry_interval{1000};
  std::chrono::milliseconds max_retry_interval{5000};
  // How long the ledger may be idle before the keeper probes Kafka.
  std::chrono::milliseconds probe_interval{5000};
  // Called once, from the keeper thread, with a status that must stop the
  // process (a topic that would drop history).
  std::function<void(const Status&)> on_fatal;
};

// The inner ledger's EventSink: forwards to the current publisher, which the
// keeper may replace (see fencing above). Thread-safe.
class PublisherSlot final : public EventSink {
 public:
  void Publish(const std::vector<StoredEvent>& batch,
               std::function<void(Status)> done) override;
  std::shared_ptr<KafkaPublisher> current() const;
  // Makes `next` current; the replaced one is kept (it may still be
  // answering batches) until the slot dies.
  void Replace(std::shared_ptr<KafkaPublisher> next);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<KafkaPublisher> current_;
  std::vector<std::shared_ptr<KafkaPublisher>> retired_;
};

class KafkaLedger final : public Ledger {
 public:
  // Where the ledger stands with Kafka.
  enum class Phase { kStarting, kServing, kDiverged, kFenced, kFatal };

  // Checks the topics once: kConflict (a topic would drop history) is
  // returned here, so the service refuses to start; kUnavailable is not an
  // error (the keeper retries). Then creates the publisher (kInvalidArgument
  // for a rejected client property), opens the inner ledger with it as sink
  // (errors of Ledger::Open), and starts the keeper.
  static Result<std::unique_ptr<KafkaLedger>> Open(LedgerOptions ledger,
                                                   KafkaLedgerOptions kafka);
  ~KafkaLedger() override;

  void Submit(Command command, CommandContext context, Callback done) override;
  Result<std::vector<StoredEvent>> ReadEvents(uint64_t after,
                                              size_t limit) const override;
  uint64_t LastSeq() const override;
  void WaitForEvents(uint64_t after, Micros timeout,
                     std::function<void()> fn) override;
  Result<CardView> GetCard(const std::string& card_id) const override;
  Result<ResidentView> GetResidentState(
      const std::string& resident_id) const override;
  // OK only while serving with a healthy publisher; otherwise kUnavailable
  // saying why: storage, "kafka: not reconciled yet: ...", "kafka diverges
  // from the local log: ...", "fenced: ...", "kafka: <publisher failure>".
  Status Ready() const override;
  WriterStats GetWriterStats() const override {
    return ledger_ ? ledger_->GetWriterStats() : WriterStats{};
  }
  void Close() override;

  Phase phase() const;
  // Highest seq known committed in Kafka (0: none or unknown).
  uint64_t KafkaSeq() const { return publisher()->LastPublishedSeq(); }

 private:
  explicit KafkaLedger(KafkaLedgerOptions options);
  void KeeperLoop();
  // One start-up attempt: topics, then reconciliation. OK when serving.
  Status TryStart();
  void CatchUpOnce();
  // The publisher reports fencing: a takeover, or a timed-out transaction.
  void HandleFence(Status fenced);
  // Idle check of the broker and of who writes the shard (see above).
  void Probe();
  void SetPhase(Phase phase, Status why);
  void AnswerOncePublished(Result<CommandResult> result, Callback done);
  // Refusal for a new command, or OK when it may go to the inner ledger.
  Status Gate() const;

  std::shared_ptr<KafkaPublisher> publisher() const { return slot_.current(); }

  const KafkaLedgerOptions options_;
  LocalLogReader local_;  // the inner ledger's events, for publishers
  PublisherSlot slot_;    // outlives ledger_
  std::unique_ptr<KafkaVaultPublisher> vault_;  // outlives ledger_
  std::unique_ptr<Ledger> ledger_;
  std::atomic<Ledger*> open_ledger_{nullptr};  // for the publisher's reader
  bool topics_ok_ = false;                     // keeper thread only
  std::unique_ptr<KafkaEventReader> probe_reader_;   // keeper thread only
  uint64_t probed_seq_ = 0;                          // keeper thread only
  std::chrono::steady_clock::time_point probed_at_;  // keeper thread only
  // Since when publishing has failed without a break (keeper thread only).
  std::optional<std::chrono::steady_clock::time_point> failing_since_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  Phase phase_ = Phase::kStarting;  // guarded by mu_
  Status why_;                      // guarded by mu_: reason when not serving
  Status probe_;                    // guarded by mu_: last idle probe
  bool stopping_ = false;           // guarded by mu_
  std::once_flag close_once_;
  std::thread keeper_;
};

// "starting", "serving", "diverged", "fenced", "fatal".
const char* PhaseName(KafkaLedger::Phase phase);

}  // namespace cityid

#endif  // CITYID_TOOLS_KAFKA_LEDGER_H_
