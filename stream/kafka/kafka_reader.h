// KafkaEventReader: whole-history reads of the events topic for start-up
// reconciliation (kafka_publisher.h), `cityid restore` and `cityid audit`.
//
// Reads committed records only (read_committed), in seq order, checking that
// the sequence is gap-free and that each record's cityid_seq header matches
// the seq inside its value. Owns one consumer (kafka_scanner.h); never joins
// a group or commits offsets.
//
// Threading: one thread at a time. Every call blocks its caller; waits on the
// cluster are bounded by options.request_timeout_ms per round trip.
#ifndef CITYID_STREAM_KAFKA_KAFKA_READER_H_
#define CITYID_STREAM_KAFKA_KAFKA_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "base/status.h"
#include "stream/kafka/kafka_common.h"
#include "stream/kafka/kafka_scanner.h"

namespace cityid {

class KafkaEventReader {
 public:
  // kInvalidArgument when a client_config property is rejected.
  static Result<std::unique_ptr<KafkaEventReader>> Open(
      const KafkaOptions& options);

  // Highest committed seq, 0 for an empty topic. kNotFound when the topic does
  // not exist; kUnavailable when the cluster cannot be reached.
  Result<uint64_t> LastCommittedSeq();

  // The committed record with this seq, or nullopt when Kafka does not hold
  // it (yet). Errors as for ReadAfter.
  Result<std::optional<KafkaRecord>> ReadSeq(uint64_t seq);

  // Calls `fn` for every committed record with seq > after, in seq order, up
  // to the end of the topic as it is during the call. Returns OK at the end;
  // the first non-OK status `fn` returns; kCorruption when the first record
  // is not after+1 or a seq is missing, or a record does not decode (`fn`
  // has then been called for every good record before it, and failed_seq()
  // names the seq it stands at); kUnavailable when the cluster cannot be
  // reached.
  Status ReadAfter(uint64_t after,
                   const std::function<Status(KafkaRecord&&)>& fn);

  // After ReadAfter or ReadSeq returned kCorruption from the topic: the seq
  // the bad record claims in its cityid_seq header, or, when it has none or
  // a seq is missing, the seq it stands in place of (last good + 1).
  // nullopt otherwise.
  std::optional<uint64_t> failed_seq() const { return scanner_->failed_seq(); }

 private:
  explicit KafkaEventReader(std::unique_ptr<KafkaScanner> scanner);
  std::unique_ptr<KafkaScanner> scanner_;
};

}  // namespace cityid

#endif  // CITYID_STREAM_KAFKA_KAFKA_READER_H_
