// ProjectionRunner: the loop that keeps one projection up to date.
//
//   loop: Fetch(position, batch_limit, wait) from the EventSource
//         -> check each event's seq == position + 1 and decode it
//         -> Projection::Apply each into one StateBatch
//         -> ProjectionStore::Commit(batch, last seq)   (one synced write)
//
// A failed cycle commits nothing: the next cycle fetches the same events
// again after the committed position, which is what makes a crash anywhere
// converge to a clean replay. Errors are retried with exponential backoff
// (initial_backoff doubling up to max_backoff): kUnavailable (source down)
// is expected and leaves the runner healthy; any other error (a gap, an
// undecodable event, a projection refusing the history, a store failure)
// is recorded in last_error() and makes Ready() false until a cycle succeeds.
//
// Readiness, as served on /readyz: Ready() is true once the runner has caught
// up with the source at least once since Start() (a fetch came back empty, or
// its position reached the source's head), and the last cycle did not fail
// with anything but kUnavailable. A ledger that goes away later does not make
// the projection unready: it keeps serving its last committed state, and the
// lag gauge shows how far behind it is.
//
// Threading: Start() spawns one thread that owns the cycle; Stop() (any
// thread, idempotent; also run by the destructor) asks it to finish its
// current fetch (at most `wait` plus the source's own timeout), and joins
// it. RunOnce() runs one cycle on the caller's thread, for tests and tools
// that do not want a thread; it must not be called while the thread runs.
// The accessors are atomic and may be read from any thread.
//
// The runner owns none of store, projection and source; they must outlive it.
#ifndef CITYID_PROJECTIONS_PROJECTION_RUNNER_H_
#define CITYID_PROJECTIONS_PROJECTION_RUNNER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/status.h"
#include "projections/projection.h"
#include "stream/event_source.h"

namespace cityid {

struct ProjectionRunnerOptions {
  size_t batch_limit = 1000;           // events per fetch and per commit
  Micros wait = 1 * kMicrosPerSecond;  // long-poll wait per fetch
  Micros initial_backoff = 50'000;     // after the first failed cycle
  Micros max_backoff = 5 * kMicrosPerSecond;
};

class ProjectionRunner {
 public:
  ProjectionRunner(ProjectionStore* store, Projection* projection,
                   EventSource* source, ProjectionRunnerOptions options = {});
  ~ProjectionRunner();
  ProjectionRunner(const ProjectionRunner&) = delete;
  ProjectionRunner& operator=(const ProjectionRunner&) = delete;

  // Starts the runner thread. Calling it twice is a programmer error.
  void Start();
  // Stops and joins the runner thread. Idempotent.
  void Stop();

  // One cycle: fetch, apply, commit. Returns the number of events committed
  // (0 when the source had none within `wait`), or the error that stopped
  // the cycle (nothing of the batch is then committed): the source's error,
  // kCorruption for a gap / seq mismatch / undecodable event, the
  // projection's error, or the store's.
  Result<size_t> RunOnce();

  // Last committed seq.
  uint64_t position() const { return store_->position(); }
  // The source's last seq as of the latest fetch that reported it
  // (EventSource::HeadSeq), else the position: lag = head_seq() - position().
  uint64_t head_seq() const;
  // Events committed since this runner was constructed.
  uint64_t events_applied() const { return events_applied_.load(); }
  // Cycles that failed, by kind, since construction.
  uint64_t unavailable_errors() const { return unavailable_errors_.load(); }
  uint64_t other_errors() const { return other_errors_.load(); }
  // True once caught up at least once (see the file comment).
  bool CaughtUpOnce() const { return caught_up_once_.load(); }
  // OK when Ready() (see the file comment), else why not.
  Status Ready() const;
  // The error of the last cycle, OK when it succeeded.
  Status last_error() const;

 private:
  void Loop();
  // Sleeps up to `d` or until Stop(); returns false when stopping.
  bool SleepUnlessStopped(Micros d);
  void RecordOutcome(const Status& status);

  ProjectionStore* store_;
  Projection* projection_;
  EventSource* source_;
  const ProjectionRunnerOptions options_;

  std::atomic<uint64_t> head_seq_{0};
  std::atomic<uint64_t> events_applied_{0};
  std::atomic<uint64_t> unavailable_errors_{0};
  std::atomic<uint64_t> other_errors_{0};
  std::atomic<bool> caught_up_once_{false};

  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by mu_
  Status last_error_;      // guarded by mu_
  std::thread thread_;
};

}  // namespace cityid

#endif  // CITYID_PROJECTIONS_PROJECTION_RUNNER_H_
