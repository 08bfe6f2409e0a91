#include "stream/kafka/kafka_scanner.h"

#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace cityid {
namespace {

using SteadyClock = std::chrono::steady_clock;

int RemainingMs(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - SteadyClock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

SteadyClock::time_point After(Micros d) {
  return SteadyClock::now() + std::chrono::microseconds(d);
}

}  // namespace

Result<std::unique_ptr<KafkaScanner>> KafkaScanner::Open(
    const KafkaOptions& options, const ScannerOptions& scanner) {
  CITYID_ASSIGN_OR_RETURN(
      std::unique_ptr<RdKafka::Conf> conf,
      MakeKafkaConf(
          options,
          {{"group.id", scanner.group_id},
           {"client.id", scanner.group_id},
           {"isolation.level", "read_committed"},
           {"enable.auto.commit", "false"},
           {"enable.auto.offset.store", "false"},
           {"enable.partition.eof", "true"},
           {"auto.offset.reset", "error"},
           {"fetch.wait.max.ms", std::to_string(scanner.fetch_wait_max_ms)},
           {"socket.timeout.ms", std::to_string(options.request_timeout_ms)}}));
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) return InvalidArgument("kafka consumer: " + err);
  return std::unique_ptr<KafkaScanner>(
      new KafkaScanner(options, scanner, std::move(consumer)));
}

KafkaScanner::KafkaScanner(const KafkaOptions& options,
                           const ScannerOptions& scanner,
                           std::unique_ptr<RdKafka::KafkaConsumer> consumer)
    : options_(options),
      scanner_(scanner),
      consumer_(std::move(consumer)),
      topic_(options.EventsTopic()) {}

KafkaScanner::~KafkaScanner() {
  if (consumer_) consumer_->close();
}

Result<std::vector<int32_t>> KafkaScanner::Partitions() {
  std::string err;
  std::unique_ptr<RdKafka::Topic> topic(
      RdKafka::Topic::create(consumer_.get(), topic_, nullptr, err));
  if (!topic) return InvalidArgument("kafka topic handle: " + err);
  RdKafka::Metadata* raw = nullptr;
  RdKafka::ErrorCode rc = consumer_->metadata(false, topic.get(), &raw,
                                              options_.request_timeout_ms);
  std::unique_ptr<RdKafka::Metadata> md(raw);
  if (rc != RdKafka::ERR_NO_ERROR)
    return KafkaUnavailable("metadata", RdKafka::err2str(rc));
  for (const RdKafka::TopicMetadata* t : *md->topics()) {
    if (t->topic() != topic_) continue;
    if (t->err() == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART)
      return NotFound("kafka topic " + topic_);
    if (t->err() != RdKafka::ERR_NO_ERROR)
      return KafkaUnavailable("metadata", RdKafka::err2str(t->err()));
    std::vector<int32_t> ids;
    for (const RdKafka::PartitionMetadata* p : *t->partitions())
      ids.push_back(p->id());
    std::sort(ids.begin(), ids.end());
    if (ids.empty())
      return KafkaUnavailable("metadata", topic_ + " has no partitions yet");
    return ids;
  }
  return NotFound("kafka topic " + topic_);
}

Status KafkaScanner::Assign(const std::map<int32_t, int64_t>& offsets) {
  std::vector<RdKafka::TopicPartition*> tps;
  for (const auto& [p, off] : offsets)
    tps.push_back(RdKafka::TopicPartition::create(topic_, p, off));
  RdKafka::ErrorCode rc = consumer_->assign(tps);
  RdKafka::TopicPartition::destroy(tps);
  if (rc != RdKafka::ERR_NO_ERROR)
    return KafkaUnavailable("assign", RdKafka::err2str(rc));
  at_end_.clear();
  for (const auto& [p, off] : offsets) at_end_[p] = false;
  pending_.clear();
  gap_since_.reset();
  stop_.reset();
  return Status::Ok();
}

Result<std::pair<int64_t, int64_t>> KafkaScanner::Watermarks(
    int32_t partition) {
  const auto deadline = After(options_.request_timeout_ms * int64_t{1000});
  while (true) {
    int64_t low = 0, high = 0;
    RdKafka::ErrorCode rc = consumer_->query_watermark_offsets(
        topic_, partition, &low, &high, std::max(1, RemainingMs(deadline)));
    if (rc == RdKafka::ERR_NO_ERROR) return std::make_pair(low, high);
    // Leadership moves (new topic, broker restart) settle within moments.
    const bool transient = rc == RdKafka::ERR_NOT_LEADER_FOR_PARTITION ||
                           rc == RdKafka::ERR_LEADER_NOT_AVAILABLE ||
                           rc == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART;
    if (!transient || RemainingMs(deadline) == 0) {
      return KafkaUnavailable("watermarks", RdKafka::err2str(rc));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Result<std::optional<KafkaScanner::Probe>> KafkaScanner::ProbeAt(
    int32_t partition, int64_t offset) {
  CITYID_RETURN_IF_ERROR(Assign({{partition, offset}}));
  const auto deadline = After(options_.request_timeout_ms * int64_t{1000});
  while (true) {
    std::unique_ptr<RdKafka::Message> m(
        consumer_->consume(std::max(1, RemainingMs(deadline))));
    if (m->err() == RdKafka::ERR_NO_ERROR && m->partition() == partition &&
        m->offset() >= offset) {
      CITYID_ASSIGN_OR_RETURN(uint64_t seq, SeqOfMessage(*m));
      return std::optional<Probe>(Probe{seq, m->offset()});
    }
    if (m->err() == RdKafka::ERR__PARTITION_EOF &&
        m->partition() == partition) {
      return std::optional<Probe>();
    }
    if (m->err() == RdKafka::ERR__AUTO_OFFSET_RESET)
      return Corruption("kafka: " + m->errstr());
    if (m->err() != RdKafka::ERR__TIMED_OUT &&
        m->err() != RdKafka::ERR_NO_ERROR) {
      last_error_ = m->errstr();
    }
    if (RemainingMs(deadline) == 0) {
      return KafkaUnavailable("read " + topic_,
                              last_error_.empty() ? "timed out" : last_error_);
    }
  }
}

Result<int64_t> KafkaScanner::FirstOffsetAfterSeq(int32_t partition,
                                                  uint64_t after) {
  CITYID_ASSIGN_OR_RETURN(auto marks, Watermarks(partition));
  int64_t lo = marks.first, hi = marks.second;
  if (after == 0) return lo;
  // Invariant: records before lo have seq <= after; from hi on, none has.
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    CITYID_ASSIGN_OR_RETURN(std::optional<Probe> probe,
                            ProbeAt(partition, mid));
    if (probe && probe->seq <= after) {
      lo = probe->offset + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

Result<uint64_t> KafkaScanner::TailMaxSeq(int32_t partition) {
  CITYID_ASSIGN_OR_RETURN(auto marks, Watermarks(partition));
  const auto [low, high] = marks;
  // Markers and aborted records may fill the tail: widen until a record shows.
  for (int64_t window = 64; high > low; window *= 8) {
    const int64_t start = std::max(low, high - window);
    CITYID_RETURN_IF_ERROR(Assign({{partition, start}}));
    uint64_t max_seq = 0;
    auto deadline = After(options_.request_timeout_ms * int64_t{1000});
    while (true) {
      std::unique_ptr<RdKafka::Message> m(
          consumer_->consume(std::max(1, RemainingMs(deadline))));
      if (m->err() == RdKafka::ERR_NO_ERROR && m->partition() == partition &&
          m->offset() >= start) {
        CITYID_ASSIGN_OR_RETURN(uint64_t seq, SeqOfMessage(*m));
        max_seq = std::max(max_seq, seq);
        deadline = After(options_.request_timeout_ms * int64_t{1000});
      } else if (m->err() == RdKafka::ERR__PARTITION_EOF &&
                 m->partition() == partition) {
        break;
      } else if (m->err() == RdKafka::ERR__AUTO_OFFSET_RESET) {
        return Corruption("kafka: " + m->errstr());
      } else if (m->err() != RdKafka::ERR__TIMED_OUT &&
                 m->err() != RdKafka::ERR_NO_ERROR) {
        last_error_ = m->errstr();
      }
      if (RemainingMs(deadline) == 0) {
        return KafkaUnavailable(
            "read " + topic_, last_error_.empty() ? "timed out" : last_error_);
      }
    }
    if (max_seq > 0 || start == low) return max_seq;
  }
  return uint64_t{0};
}

Result<uint64_t> KafkaScanner::LastCommittedSeq() {
  CITYID_ASSIGN_OR_RETURN(partitions_, Partitions());
  uint64_t max_seq = 0;
  for (int32_t p : partitions_) {
    CITYID_ASSIGN_OR_RETURN(uint64_t seq, TailMaxSeq(p));
    max_seq = std::max(max_seq, seq);
  }
  return max_seq;
}

Status KafkaScanner::SeekAfter(uint64_t after) {
  CITYID_ASSIGN_OR_RETURN(partitions_, Partitions());
  std::map<int32_t, int64_t> offsets;
  for (int32_t p : partitions_) {
    CITYID_ASSIGN_OR_RETURN(offsets[p], FirstOffsetAfterSeq(p, after));
  }
  CITYID_RETURN_IF_ERROR(Assign(offsets));
  last_seq_ = after;
  last_error_.clear();
  return Status::Ok();
}

bool KafkaScanner::PartitionsAtEnd() const {
  return std::all_of(at_end_.begin(), at_end_.end(),
                     [](const auto& kv) { return kv.second; });
}

bool KafkaScanner::AtEnd() const {
  return pending_.empty() && PartitionsAtEnd() && !stop_;
}

void KafkaScanner::Drain(size_t limit, std::vector<KafkaRecord>& out) {
  while (out.size() < limit) {
    auto it = pending_.find(last_seq_ + 1);
    if (it == pending_.end()) break;
    out.push_back(std::move(it->second));
    pending_.erase(it);
    ++last_seq_;
    gap_since_.reset();
  }
}

KafkaScanner::Consumed KafkaScanner::StopAt(Status status,
                                            std::optional<uint64_t> seq) {
  // A stop without a seq is due at once, so nothing is consumed after it; a
  // later one with a smaller seq (another partition) comes first.
  if (!stop_ || (stop_->seq && (!seq || *seq < *stop_->seq)))
    stop_ = Stop{std::move(status), seq};
  return Consumed::kStopped;
}

bool KafkaScanner::StopReached() const {
  if (!stop_) return false;
  if (partitions_.size() <= 1 || !stop_->seq) return true;
  // Every seq before the bad record's was handed out, or none can come: every
  // partition is at its end with nothing buffered (a hole with records
  // buffered is CheckGap's, after its grace).
  return last_seq_ + 1 >= *stop_->seq ||
         (pending_.empty() && PartitionsAtEnd());
}

std::optional<uint64_t> KafkaScanner::failed_seq() const {
  if (!StopReached()) return std::nullopt;
  return stop_->seq ? *stop_->seq : last_seq_ + 1;
}

KafkaScanner::Consumed KafkaScanner::ConsumeOne(int timeout_ms, size_t limit,
                                                std::vector<KafkaRecord>& out) {
  std::unique_ptr<RdKafka::Message> m(consumer_->consume(timeout_ms));
  switch (m->err()) {
    case RdKafka::ERR_NO_ERROR: {
      at_end_[m->partition()] = false;
      last_error_.clear();
      Result<KafkaRecord> rec = RecordFromMessage(*m);
      if (!rec.ok()) {
        Result<uint64_t> claimed = SeqOfMessage(*m);
        return StopAt(rec.status(), claimed.ok()
                                        ? std::optional<uint64_t>(*claimed)
                                        : std::nullopt);
      }
      const uint64_t seq = rec->event.seq;
      if (seq <= last_seq_) return Consumed::kRecord;  // already handed out
      if (partitions_.size() <= 1 && seq != last_seq_ + 1) {
        return StopAt(
            Corruption("kafka " + topic_ + ": seq " + std::to_string(seq) +
                       " follows seq " + std::to_string(last_seq_)),
            std::nullopt);
      }
      pending_.emplace(seq, std::move(*rec));
      if (pending_.size() > scanner_.max_buffered) {
        Drain(limit, out);
        return StopAt(
            Corruption("kafka " + topic_ + ": seq " +
                       std::to_string(last_seq_ + 1) + " missing while " +
                       std::to_string(pending_.size()) + " later are buffered"),
            std::nullopt);
      }
      Drain(limit, out);
      return Consumed::kRecord;
    }
    case RdKafka::ERR__PARTITION_EOF:
      at_end_[m->partition()] = true;
      return Consumed::kEnd;
    case RdKafka::ERR__TIMED_OUT:
      return Consumed::kNothing;
    case RdKafka::ERR__AUTO_OFFSET_RESET:
      return StopAt(Corruption("kafka " + topic_ + ": " + m->errstr()),
                    std::nullopt);
    default:  // transport and broker errors: the client retries by itself
      last_error_ = m->errstr();
      return Consumed::kNothing;
  }
}

Status KafkaScanner::CheckGap() {
  if (pending_.empty() || !PartitionsAtEnd()) {
    gap_since_.reset();
    return Status::Ok();
  }
  const Micros now = std::chrono::duration_cast<std::chrono::microseconds>(
                         SteadyClock::now().time_since_epoch())
                         .count();
  if (!gap_since_) gap_since_ = now;
  if (now - *gap_since_ < scanner_.gap_grace) return Status::Ok();
  return Corruption("kafka " + topic_ + ": seq " +
                    std::to_string(last_seq_ + 1) +
                    " is missing; next present is " +
                    std::to_string(pending_.begin()->first));
}

Result<std::vector<KafkaRecord>> KafkaScanner::Poll(size_t limit, Micros wait,
                                                    bool stop_at_end) {
  std::vector<KafkaRecord> out;
  Drain(limit, out);
  const auto deadline = After(wait);
  while (out.size() < limit && !StopReached() && !(stop_at_end && AtEnd())) {
    // Wait for the first record; after that take only what is already here.
    const int timeout = out.empty() ? RemainingMs(deadline) : 0;
    Consumed what = ConsumeOne(timeout, limit, out);
    if (Status gap = CheckGap(); !gap.ok())
      what = StopAt(std::move(gap), std::nullopt);
    if (what == Consumed::kNothing &&
        (!out.empty() || RemainingMs(deadline) == 0))
      break;
    if (out.empty() && RemainingMs(deadline) == 0) break;
  }
  // The records before a stop go out first; the stop itself on the next call.
  if (out.empty() && StopReached()) return stop_->status;
  if (out.empty() && !last_error_.empty())
    return KafkaUnavailable("read " + topic_, last_error_);
  return out;
}

}  // namespace cityid
