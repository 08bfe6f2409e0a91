// AckQueue: answers group commits in the order they were written, each only
// once it is complete (ledger_impl.h, Kafka mode).
//
// In Kafka mode a batch is acknowledged only after its events are committed
// in Kafka, but the writer does not wait for that: it writes the next batch
// while the publisher commits the previous one. The writer Add()s each
// batch's answers here and gets a ticket; the batch's publication
// Complete()s the ticket (from any thread). A batch's answers are released
// only when it and every batch added before it are complete, so a 2xx is
// never sent before an earlier batch's outcome (an idempotent replay of a
// command from an earlier batch is never answered before that batch).
//
// A batch completed with an error answers every command with that error.
//
// Threading: thread-safe. Callbacks run under the queue's lock, on the thread
// that completed the ticket releasing them; they must not block or call back
// into the queue.
#ifndef CITYID_LEDGER_ACK_QUEUE_H_
#define CITYID_LEDGER_ACK_QUEUE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "base/status.h"
#include "ledger/commands.h"

namespace cityid {

class AckQueue {
 public:
  using Callback = std::function<void(Result<CommandResult>)>;
  struct Answer {
    Callback done;
    Result<CommandResult> result;
  };

  // Queues a batch's answers; returns its ticket.
  uint64_t Add(std::vector<Answer> answers);
  // Marks the batch done: OK releases its results, an error answers every
  // command of it with `outcome`. Each ticket is completed exactly once.
  void Complete(uint64_t ticket, Status outcome);
  // Blocks while more than `max` batches are unreleased (back-pressure).
  void WaitBelow(size_t max);
  size_t unreleased() const;

 private:
  struct Batch {
    std::vector<Answer> answers;
    std::optional<Status> outcome;  // set by Complete
  };
  void ReleaseReady();  // mu_ held

  mutable std::mutex mu_;
  std::condition_variable released_;
  std::deque<Batch> batches_;  // tickets first_ticket_, first_ticket_ + 1, ...
  uint64_t first_ticket_ = 0;
};

}  // namespace cityid

#endif  // CITYID_LEDGER_ACK_QUEUE_H_
