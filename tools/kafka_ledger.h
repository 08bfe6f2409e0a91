// KafkaLedger: the ledger in Kafka mode (SPEC §1, §3, §8). A Ledger that owns
// an inner Ledger (ledger/ledger.h) whose EventSink is a KafkaPublisher
// (ledger/kafka_publisher.h), and keeps the two in step:
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
//   - divergence (Kafka holds events the local log lacks, or other bytes at
//     the same seq): refuses every command for good; Ready() says why.
//   - fencing (another instance with the same shard took over): refuses every
//     command for good; Ready() says "fenced: ...". Detected on the first
//     publish after the takeover (the batch being published stays in the
//     local log, unacknowledged, and never reaches Kafka from here).
//   - a topic whose settings would drop history (kConflict from
//     EnsureTopics): fatal; `on_fatal` is called once and the process should
//     stop (the service refuses to start).
//
// Reads (ReadEvents, GetCard, ...) go straight to the inner ledger.
//
// Ownership: owns the inner ledger and the publisher; the publisher outlives
// the inner ledger (Close() closes the ledger first). Threading: as Ledger;
// plus one keeper thread, stopped by Close(). `on_fatal` runs on it.
#ifndef CITYID_TOOLS_KAFKA_LEDGER_H_
#define CITYID_TOOLS_KAFKA_LEDGER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ledger/kafka_common.h"
#include "ledger/kafka_publisher.h"
#include "ledger/ledger.h"

namespace cityid {

struct KafkaLedgerOptions {
  KafkaOptions kafka;
  // Events compared byte for byte between Kafka and the local log at start.
  uint64_t reconcile_compare = 1000;
  // Keeper period while serving, and first retry delay while starting (the
  // delay doubles on each failure up to max_retry_interval).
  std::chrono::milliseconds retry_interval{1000};
  std::chrono::milliseconds max_retry_interval{5000};
  // Called once, from the keeper thread, with a status that must stop the
  // process (a topic that would drop history).
  std::function<void(const Status&)> on_fatal;
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
  void Close() override;

  Phase phase() const;
  // Highest seq known committed in Kafka (0: none or unknown).
  uint64_t KafkaSeq() const { return publisher_->LastPublishedSeq(); }

 private:
  explicit KafkaLedger(KafkaLedgerOptions options);
  void KeeperLoop();
  // One start-up attempt: topics, then reconciliation. OK when serving.
  Status TryStart();
  void CatchUpOnce();
  void SetPhase(Phase phase, Status why);
  void AnswerOncePublished(Result<CommandResult> result, Callback done);
  // Refusal for a new command, or OK when it may go to the inner ledger.
  Status Gate() const;

  const KafkaLedgerOptions options_;
  std::unique_ptr<KafkaPublisher> publisher_;  // outlives ledger_
  std::unique_ptr<Ledger> ledger_;
  std::atomic<Ledger*> open_ledger_{nullptr};  // for the publisher's reader
  bool topics_ok_ = false;                     // keeper thread only

  mutable std::mutex mu_;
  std::condition_variable cv_;
  Phase phase_ = Phase::kStarting;  // guarded by mu_
  Status why_;                      // guarded by mu_: reason when not serving
  bool stopping_ = false;           // guarded by mu_
  std::once_flag close_once_;
  std::thread keeper_;
};

// "starting", "serving", "diverged", "fenced", "fatal".
const char* PhaseName(KafkaLedger::Phase phase);

}  // namespace cityid

#endif  // CITYID_TOOLS_KAFKA_LEDGER_H_
