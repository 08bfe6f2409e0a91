#include "stream/kafka/kafka_source.h"

#include <algorithm>

namespace cityid {

Result<std::unique_ptr<KafkaSource>> KafkaSource::Open(
    const KafkaOptions& options, const std::string& projection) {
  ScannerOptions scanner;
  scanner.group_id = options.topic_prefix + "projection." + projection;
  scanner.fetch_wait_max_ms = 100;
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<KafkaScanner> s,
                          KafkaScanner::Open(options, scanner));
  return std::unique_ptr<KafkaSource>(new KafkaSource(std::move(s)));
}

KafkaSource::KafkaSource(std::unique_ptr<KafkaScanner> scanner)
    : scanner_(std::move(scanner)) {}

Status KafkaSource::Position(uint64_t after) {
  positioned_ = false;
  if (!head_) {
    CITYID_ASSIGN_OR_RETURN(uint64_t head, scanner_->LastCommittedSeq());
    head_ = head;
  }
  CITYID_RETURN_IF_ERROR(scanner_->SeekAfter(after));
  positioned_ = true;
  return Status::Ok();
}

Result<std::vector<StoredEvent>> KafkaSource::Fetch(uint64_t after,
                                                    size_t limit, Micros wait) {
  if (!positioned_ || scanner_->last_seq() != after)
    CITYID_RETURN_IF_ERROR(Position(after));
  Result<std::vector<KafkaRecord>> got = scanner_->Poll(limit, wait);
  if (!got.ok()) {
    // A client error leaves the consumer where it was; anything else (a gap,
    // a bad record) makes the next call seek again from its `after`.
    if (got.status().code() != Code::kUnavailable) positioned_ = false;
    return got.status();
  }
  std::vector<StoredEvent> events;
  events.reserve(got->size());
  for (KafkaRecord& r : *got) events.push_back(std::move(r.event));
  const uint64_t last = scanner_->last_seq();
  head_ = scanner_->AtEnd() ? last : std::max(head_.value_or(0), last);
  return events;
}

}  // namespace cityid
