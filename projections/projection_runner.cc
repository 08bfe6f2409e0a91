#include "projections/projection_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <utility>

#include "schemas/event_codec.h"

namespace cityid {

ProjectionRunner::ProjectionRunner(ProjectionStore* store,
                                   Projection* projection, EventSource* source,
                                   ProjectionRunnerOptions options)
    : store_(store),
      projection_(projection),
      source_(source),
      options_(options) {
  head_seq_.store(store_->position());
}

ProjectionRunner::~ProjectionRunner() { Stop(); }

void ProjectionRunner::Start() {
  assert(!thread_.joinable() && "ProjectionRunner::Start called twice");
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void ProjectionRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t ProjectionRunner::head_seq() const {
  return std::max(head_seq_.load(), store_->position());
}

Status ProjectionRunner::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

Status ProjectionRunner::Ready() const {
  if (!caught_up_once_.load()) {
    return Unavailable("projection has not caught up with its source yet");
  }
  Status last = last_error();
  if (!last.ok() && last.code() != Code::kUnavailable) return last;
  return Status::Ok();
}

Result<size_t> ProjectionRunner::RunOnce() {
  uint64_t position = store_->position();
  Result<std::vector<StoredEvent>> fetched =
      source_->Fetch(position, options_.batch_limit, options_.wait);
  if (!fetched.ok()) {
    RecordOutcome(fetched.status());
    return fetched.status();
  }
  std::unique_ptr<StateBatch> batch = store_->NewBatch();
  Status status;
  for (const StoredEvent& stored : *fetched) {
    if (stored.seq != position + 1) {
      status = Corruption("event feed gap: expected seq " +
                          std::to_string(position + 1) + ", got " +
                          std::to_string(stored.seq));
      break;
    }
    Result<Event> event = DecodeEvent(stored.bytes);
    if (!event.ok()) {
      status = Corruption("seq " + std::to_string(stored.seq) + ": " +
                          event.status().message());
      break;
    }
    if (event->seq != stored.seq) {
      status =
          Corruption("seq " + std::to_string(stored.seq) +
                     " carries an event of seq " + std::to_string(event->seq));
      break;
    }
    status = projection_->Apply(*event, stored, *batch);
    if (!status.ok()) break;
    position = stored.seq;
  }
  if (status.ok() && !fetched->empty())
    status = store_->Commit(*batch, position);
  RecordOutcome(status);
  if (!status.ok()) return status;

  events_applied_.fetch_add(fetched->size());
  std::optional<uint64_t> head = source_->HeadSeq();
  if (head) head_seq_.store(*head);
  if (fetched->empty() || (head && position >= *head)) {
    caught_up_once_.store(true);
  }
  return fetched->size();
}

// Logs on transitions only (ok -> failing, failing differently, recovered),
// so a ledger that is down for an hour does not flood the log. Messages hold
// seqs and ids, never PII (events carry none).
void ProjectionRunner::RecordOutcome(const Status& status) {
  if (!status.ok()) {
    (status.code() == Code::kUnavailable ? unavailable_errors_ : other_errors_)
        .fetch_add(1);
  }
  Status previous;
  {
    std::lock_guard<std::mutex> lock(mu_);
    previous = std::exchange(last_error_, status);
  }
  if (status == previous) return;
  if (status.ok()) {
    spdlog::info("projection resumed at seq {}", store_->position());
  } else {
    spdlog::warn("projection cycle failed at seq {}: {}", store_->position(),
                 status.ToString());
  }
}

bool ProjectionRunner::SleepUnlessStopped(Micros d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !stop_cv_.wait_for(lock, std::chrono::microseconds(d),
                            [this] { return stopping_; });
}

void ProjectionRunner::Loop() {
  Micros backoff = options_.initial_backoff;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    Result<size_t> applied = RunOnce();
    if (applied.ok()) {
      backoff = options_.initial_backoff;
      continue;
    }
    if (!SleepUnlessStopped(backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace cityid
