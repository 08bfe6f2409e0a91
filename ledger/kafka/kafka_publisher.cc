#include "ledger/kafka/kafka_publisher.h"

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace cityid {
namespace {

constexpr char kFencedPrefix[] = "fenced: ";

}  // namespace

bool IsFencedStatus(const Status& status) {
  return status.code() == Code::kUnavailable &&
         status.message().rfind(kFencedPrefix, 0) == 0;
}

Result<std::unique_ptr<KafkaPublisher>> KafkaPublisher::Create(
    const KafkaOptions& options, LocalLogReader local) {
  std::unique_ptr<KafkaPublisher> p(
      new KafkaPublisher(options, std::move(local)));
  {
    // Rejects a bad configuration now rather than on the delivery thread.
    std::lock_guard<std::mutex> ops(p->ops_mu_);
    CITYID_RETURN_IF_ERROR(p->CreateProducer());
  }
  p->thread_ = std::thread([raw = p.get()] { raw->Run(); });
  return p;
}

KafkaPublisher::KafkaPublisher(const KafkaOptions& options,
                               LocalLogReader local)
    : options_(options), local_(std::move(local)) {}

KafkaPublisher::~KafkaPublisher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> ops(ops_mu_);
  if (producer_ && txn_ != Txn::kNone && !fenced_) {
    // Best effort; the next instance's init_transactions aborts it anyway.
    delete producer_->abort_transaction(
        std::min(options_.commit_timeout_ms, 2000));
  }
}

void KafkaPublisher::Publish(const std::vector<StoredEvent>& batch,
                             std::function<void(Status)> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(Job{batch, std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(Unavailable("kafka publisher is closed"));
}

void KafkaPublisher::CatchUp(uint64_t last_seq,
                             std::function<void(Status)> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(Job{{}, std::move(done), last_seq});
      cv_.notify_one();
      return;
    }
  }
  done(Unavailable("kafka publisher is closed"));
}

void KafkaPublisher::Run() {
  while (true) {
    std::vector<Job> jobs;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) break;
      // Queued batches share one transaction, up to the size bound.
      size_t events = 0;
      while (!queue_.empty() &&
             (jobs.empty() || events + queue_.front().events.size() <=
                                  options_.max_events_per_transaction)) {
        events += queue_.front().events.size();
        jobs.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<StoredEvent> all;
    uint64_t up_to = 0;
    for (const Job& j : jobs) {
      all.insert(all.end(), j.events.begin(), j.events.end());
      up_to = std::max(up_to, j.up_to);
    }
    Status s;
    {
      std::lock_guard<std::mutex> ops(ops_mu_);
      s = Deliver(all, up_to);
    }
    SetHealth(s);
    if (!s.ok())
      spdlog::warn("kafka publish of {} events failed: {}", all.size(),
                   s.ToString());
    for (Job& j : jobs) j.done(s);
  }
  std::deque<Job> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(queue_);
  }
  for (Job& j : left) j.done(Unavailable("kafka publisher is closed"));
}

void KafkaPublisher::SetHealth(const Status& s) {
  std::lock_guard<std::mutex> lock(mu_);
  health_ = s;
}

Status KafkaPublisher::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_;
}

Status KafkaPublisher::Deliver(const std::vector<StoredEvent>& events,
                               uint64_t up_to) {
  for (size_t i = 1; i < events.size(); ++i) {
    if (events[i].seq != events[i - 1].seq + 1) {
      return Internal("kafka publish: batch not contiguous at seq " +
                      std::to_string(events[i].seq));
    }
  }
  if (events.empty() && up_to == 0) return Status::Ok();
  CITYID_RETURN_IF_ERROR(Prepare());
  // Whatever Kafka lacks before this batch comes from the local log first.
  const uint64_t before = events.empty() ? up_to : events.front().seq - 1;
  if (before >= next_seq_) CITYID_RETURN_IF_ERROR(PublishUpTo(before));
  auto first =
      std::find_if(events.begin(), events.end(),
                   [&](const StoredEvent& e) { return e.seq >= next_seq_; });
  for (auto it = first; it != events.end();) {
    const size_t n = std::min<size_t>(options_.max_events_per_transaction,
                                      events.end() - it);
    CITYID_RETURN_IF_ERROR(Transact(std::vector<StoredEvent>(it, it + n)));
    it += n;
  }
  if (up_to >= next_seq_) CITYID_RETURN_IF_ERROR(PublishUpTo(up_to));
  return Status::Ok();
}

Status KafkaPublisher::PublishUpTo(uint64_t last_seq) {
  while (next_seq_ <= last_seq) {
    if (!local_) {
      return Internal("kafka lacks seq " + std::to_string(next_seq_.load()) +
                      " and the publisher has no local log to read it from");
    }
    const size_t want = std::min<uint64_t>(options_.max_events_per_transaction,
                                           last_seq - next_seq_ + 1);
    CITYID_ASSIGN_OR_RETURN(std::vector<StoredEvent> chunk,
                            local_(next_seq_ - 1, want));
    if (chunk.empty() || chunk.front().seq != next_seq_) {
      return Internal("local log lacks seq " +
                      std::to_string(next_seq_.load()));
    }
    CITYID_RETURN_IF_ERROR(Transact(chunk));
  }
  return Status::Ok();
}

}  // namespace cityid
