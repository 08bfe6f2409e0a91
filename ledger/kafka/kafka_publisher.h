// KafkaPublisher: the ledger's EventSink in Kafka mode (SPEC §1, §2, §8).
//
// Publishes events to <prefix>events in seq order with an idempotent,
// transactional librdkafka producer (acks=all, transactional.id =
// options.TransactionalId(), stable per ledger shard). One transaction per
// Publish call (queued calls may share one): begin, produce every event
// (key = resident_id, value = the framed bytes, CloudEvents headers plus
// cityid_seq, kafka_common.h), commit. `done(OK)` only after the commit.
//
// Exactly once: the publisher knows the next seq Kafka lacks (from Reconcile
// or, failing that, from the topic's last committed seq). Events of a batch
// that Kafka already holds are skipped; when a batch starts past that seq (an
// earlier batch failed), the missing events are read from the local log
// (LocalLogReader) and published first. A commit that timed out is resumed
// before anything else, so its events are counted exactly once either way.
//
// Outcomes passed to `done`:
//   OK            every event of the batch is committed in Kafka
//   kUnavailable  not committed (broker down, timeout, aborted transaction);
//                 the events stay in the local log and go out later. The
//                 wait is bounded by about options.commit_timeout_ms.
//   kUnavailable  with a message starting "fenced:" — another instance with
//                 the same transactional.id took over; this publisher stops
//                 for good (IsFenced() is true, every later call fails fast).
//   kCorruption / kInternal  the batch is not contiguous, or does not decode
//
// Threading: Publish() may be called from any thread and only enqueues; one
// delivery thread owned by the publisher runs the transactions and calls
// `done` (callbacks must not block). Reconcile() blocks its caller and runs
// exclusively with the delivery thread.
#ifndef CITYID_LEDGER_KAFKA_KAFKA_PUBLISHER_H_
#define CITYID_LEDGER_KAFKA_KAFKA_PUBLISHER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/status.h"
#include "ledger/ledger.h"
#include "stream/kafka/kafka_common.h"
#include "stream/kafka/kafka_reader.h"

namespace RdKafka {
class Producer;
class Error;
}  // namespace RdKafka

namespace cityid {

// Events (after, after+limit] of the local log, in order (Ledger::ReadEvents).
using LocalLogReader = std::function<Result<std::vector<StoredEvent>>(
    uint64_t after, size_t limit)>;

// What Reconcile found and did.
struct ReconcileReport {
  uint64_t kafka_last_seq = 0;  // highest committed seq in Kafka before
  uint64_t local_last_seq = 0;
  uint64_t compared = 0;   // events compared byte for byte
  uint64_t published = 0;  // events published to close the gap
};

// True for the status a fenced publisher reports.
bool IsFencedStatus(const Status& status);

class KafkaPublisher final : public EventSink {
 public:
  // Creates the producer and starts the delivery thread; contacts no broker
  // (transactions are initialised on first use, so a ledger may start while
  // the broker is down). kInvalidArgument for a rejected client property.
  // `local` may be null, then a batch that does not continue Kafka fails.
  static Result<std::unique_ptr<KafkaPublisher>> Create(
      const KafkaOptions& options, LocalLogReader local);
  // Stops the delivery thread; queued batches get kUnavailable.
  ~KafkaPublisher() override;

  void Publish(const std::vector<StoredEvent>& batch,
               std::function<void(Status)> done) override;

  // Publishes whatever Kafka lacks of the local log up to `last_seq`, on the
  // delivery thread, then calls `done` as for Publish. For a ledger that had
  // failed batches (broker down) and no new command since: it drives the
  // backlog out without waiting for traffic (e.g. from its readiness loop).
  void CatchUp(uint64_t last_seq, std::function<void(Status)> done);

  // Start-up reconciliation (SPEC §8): reads Kafka's last committed seq K.
  // Refuses (kCorruption, saying why) when K > local_last_seq or when the
  // bytes of the last `compare` events up to K differ from the local log;
  // otherwise publishes (K, local_last_seq] and returns the report.
  // kUnavailable when Kafka cannot be reached; fenced status as above.
  Result<ReconcileReport> Reconcile(uint64_t local_last_seq,
                                    uint64_t compare = 1);

  // OK while publishing works; otherwise the last failure (fenced: for good).
  Status Health() const;
  bool IsFenced() const { return fenced_.load(); }
  // Highest seq known committed in Kafka by this publisher (0: unknown/none).
  uint64_t LastPublishedSeq() const {
    return next_seq_.load() == 0 ? 0 : next_seq_.load() - 1;
  }

 private:
  struct Job {
    std::vector<StoredEvent> events;
    std::function<void(Status)> done;
    uint64_t up_to = 0;  // CatchUp: publish the local log up to this seq
  };
  enum class Txn { kNone, kOpen, kCommitting, kAborting };

  KafkaPublisher(const KafkaOptions& options, LocalLogReader local);
  void Run();
  Status CreateProducer();
  Status HandleFatal(const std::string& what, int code,
                     const std::string& detail);
  Status Deliver(const std::vector<StoredEvent>& events,
                 uint64_t up_to);  // under ops_mu_
  Status Prepare();
  Status PublishUpTo(uint64_t last_seq);  // from the local log
  Status Transact(const std::vector<StoredEvent>& events);
  Status ResumeCommit();
  Status Abort();
  Status Produce(const StoredEvent& event);
  Status OnTxnError(RdKafka::Error* error, const std::string& what,
                    bool may_abort = true);
  Status RefreshPosition();
  Result<uint64_t> CompareTail(uint64_t kafka_last, uint64_t count);
  void SetHealth(const Status& s);

  const KafkaOptions options_;
  const LocalLogReader local_;

  std::mutex ops_mu_;  // serialises producer use: delivery thread, Reconcile
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<KafkaEventReader> reader_;
  bool initialized_ = false;
  Txn txn_ = Txn::kNone;
  uint64_t txn_last_seq_ = 0;          // last seq of the open/committing txn
  std::atomic<uint64_t> next_seq_{0};  // next seq Kafka lacks; 0: unknown
  std::atomic<bool> fenced_{false};
  Status fenced_status_;

  mutable std::mutex mu_;  // guards the fields below
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  Status health_;
  std::thread thread_;  // last: started after everything above exists
};

}  // namespace cityid

#endif  // CITYID_LEDGER_KAFKA_KAFKA_PUBLISHER_H_
