// KafkaSource: an EventSource over the <prefix>events topic (Kafka mode,
// SPEC §1, §8).
//
// Reads committed records only (isolation.level=read_committed: events of an
// aborted or still open ledger transaction are never seen), with auto commit
// off. The projection owns its position (the last applied seq, stored with its
// state in its RocksDB); Kafka offsets are not the source of truth and none
// are committed. Each Fetch(after, ...) continues where the previous one
// stopped when `after` is the seq last returned; for any other `after` (first
// call, a restart, a failed cycle that is retried) it seeks by seq: a binary
// search of each partition for the first record with seq > after
// (stream/kafka/kafka_scanner.h). Records with seq <= after are skipped.
//
// The consumer is assigned every partition by hand and never joins its group
// (group.id = <prefix>projection.<name>, which names the client to the
// cluster). One projection instance therefore reads the whole history; a
// second instance of the same projection is an independent replica, and no
// rebalance can move partitions under a running projection.
//
// Partitions: with one partition (the default) the offset order is the seq
// order and a hole is reported at once. With several, records are merged by
// their cityid_seq header; see kafka_scanner.h for how gaps are told from
// partitions that are merely behind.
//
// Outcomes of Fetch:
//   OK            events after+1, after+2, ... (maybe none after waiting
//   `wait`) kUnavailable  the cluster cannot be reached (the caller backs off
//   and
//                 retries; the consumer keeps its position)
//   kCorruption   a gap, a record without a valid cityid_seq, an undecodable
//                 value, or a header seq that differs from the value's
//   kNotFound     the events topic does not exist
//
// Threading: as EventSource, one projection thread at a time. Owns its
// consumer.
#ifndef CITYID_STREAM_KAFKA_KAFKA_SOURCE_H_
#define CITYID_STREAM_KAFKA_KAFKA_SOURCE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stream/event_source.h"
#include "stream/kafka/kafka_common.h"
#include "stream/kafka/kafka_scanner.h"

namespace cityid {

class KafkaSource final : public EventSource {
 public:
  // `projection` names the reader ("registry", "revocations", "stats").
  // Contacts no broker yet. kInvalidArgument for a rejected client property.
  static Result<std::unique_ptr<KafkaSource>> Open(
      const KafkaOptions& options, const std::string& projection);

  Result<std::vector<StoredEvent>> Fetch(uint64_t after, size_t limit,
                                         Micros wait) override;
  // The highest seq known to be committed: read once when the source first
  // positions itself, then raised by every Fetch (exact whenever a Fetch
  // reached the end of the topic).
  std::optional<uint64_t> HeadSeq() const override { return head_; }

 private:
  explicit KafkaSource(std::unique_ptr<KafkaScanner> scanner);
  Status Position(uint64_t after);

  std::unique_ptr<KafkaScanner> scanner_;
  bool positioned_ = false;  // the scanner continues right after last_seq()
  std::optional<uint64_t> head_;
};

}  // namespace cityid

#endif  // CITYID_STREAM_KAFKA_KAFKA_SOURCE_H_
