// KafkaScanner: reads the events topic in seq order, from any seq.
//
// A librdkafka KafkaConsumer with isolation.level=read_committed (records of
// aborted or open transactions are never returned), manually assigned to
// every partition of <prefix>events (no group membership, no rebalances, no
// committed offsets: the caller owns the position, SPEC §8).
//
// Positioning: seq is not the offset (transaction markers and aborted records
// take offsets too), but within a partition the committed records' seqs rise
// with the offset, so SeekAfter(after) binary-searches each partition for the
// first offset whose next committed record has seq > after (about
// log2(records) one-record probes per partition).
//
// Order: with one partition the offset order is the seq order and any hole is
// reported at once. With several partitions (records keyed by resident_id
// spread over them) the scanner buffers records and hands them out by
// cityid_seq; a missing seq is waited for while some partition may still
// deliver it, and reported as a gap once every partition has reached its end
// and the hole persisted for `gap_grace` (markers of one transaction reach
// partitions at slightly different times).
//
// Stopping: a record that cannot be read (no decimal cityid_seq header, a
// value that does not decode, a value whose seq differs from its header) or a
// hole ends the sequence, but never the records before it: Poll first hands
// out every good record that precedes it (with several partitions, every
// record up to the bad record's cityid_seq), and only the next Poll returns
// kCorruption; failed_seq() then names the seq the failure stands at.
//
// Threading: one thread at a time (not thread-safe). Owns its consumer.
#ifndef CITYID_STREAM_KAFKA_KAFKA_SCANNER_H_
#define CITYID_STREAM_KAFKA_KAFKA_SCANNER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "stream/kafka/kafka_common.h"

namespace RdKafka {
class KafkaConsumer;
}

namespace cityid {

struct ScannerOptions {
  std::string group_id =
      "cityid-reader";         // names the client; offsets are never committed
  int fetch_wait_max_ms = 50;  // how long an idle fetch waits at the broker
  Micros gap_grace =
      5 * kMicrosPerSecond;      // multi-partition gap tolerance (see above)
  size_t max_buffered = 100000;  // multi-partition reorder buffer bound
};

class KafkaScanner {
 public:
  // Creates the consumer (no broker contact yet). kInvalidArgument when a
  // client_config property is rejected.
  static Result<std::unique_ptr<KafkaScanner>> Open(
      const KafkaOptions& options, const ScannerOptions& scanner = {});
  ~KafkaScanner();
  KafkaScanner(const KafkaScanner&) = delete;
  KafkaScanner& operator=(const KafkaScanner&) = delete;

  // Partition ids of the events topic. kNotFound when it does not exist,
  // kUnavailable when the cluster cannot be reached.
  Result<std::vector<int32_t>> Partitions();

  // Highest seq among committed records (0 when there are none). Reads only
  // the tail of each partition. kUnavailable when the cluster cannot be
  // reached; kCorruption for a record without a valid seq.
  Result<uint64_t> LastCommittedSeq();

  // Positions the scanner so that Poll() continues with seq after+1.
  Status SeekAfter(uint64_t after);

  // Up to `limit` records continuing the sequence (seq last_seq()+1, +2, ...),
  // waiting up to `wait` for the first; an empty vector when none arrived.
  // Records with seq <= last_seq() are skipped. kCorruption for a gap or an
  // undecodable record, once every good record before it has been returned
  // (see Stopping above; the same kCorruption again on every later call until
  // SeekAfter); kUnavailable when nothing arrived and the cluster reported an
  // error meanwhile. With stop_at_end, returns as soon as every
  // partition is at its end instead of waiting for new records. Requires a
  // prior SeekAfter().
  Result<std::vector<KafkaRecord>> Poll(size_t limit, Micros wait,
                                        bool stop_at_end = false);

  // True when, at the last Poll, every partition was at its end (its last
  // stable offset), nothing is buffered and reading has not stopped.
  bool AtEnd() const;
  // The seq of the last record handed out (or the `after` of SeekAfter).
  uint64_t last_seq() const { return last_seq_; }
  // After Poll returned kCorruption: the seq the failure stands at (a bad
  // record's cityid_seq, or last_seq()+1 when it has none or for a gap);
  // nullopt otherwise.
  std::optional<uint64_t> failed_seq() const;

 private:
  struct Probe {
    uint64_t seq;
    int64_t offset;
  };
  KafkaScanner(const KafkaOptions& options, const ScannerOptions& scanner,
               std::unique_ptr<RdKafka::KafkaConsumer> consumer);

  Status Assign(const std::map<int32_t, int64_t>& offsets);
  Result<std::pair<int64_t, int64_t>> Watermarks(int32_t partition);
  // The first committed record at or after `offset` (nullopt: none before the
  // end).
  Result<std::optional<Probe>> ProbeAt(int32_t partition, int64_t offset);
  Result<int64_t> FirstOffsetAfterSeq(int32_t partition, uint64_t after);
  Result<uint64_t> TailMaxSeq(int32_t partition);
  // Why reading stopped: a bad record (where, its readable seq) or a gap.
  struct Stop {
    Status status;
    std::optional<uint64_t> seq;  // nullopt: stands at last_seq_ + 1
  };
  enum class Consumed { kRecord, kEnd, kNothing, kStopped };
  // Consumes one message or event; appends ready records to `out`.
  Consumed ConsumeOne(int timeout_ms, size_t limit,
                      std::vector<KafkaRecord>& out);
  void Drain(size_t limit, std::vector<KafkaRecord>& out);
  Status CheckGap();
  // Records why reading stops (the first reason wins); kStopped.
  Consumed StopAt(Status status, std::optional<uint64_t> seq);
  // True once every good record before the stop has been handed out.
  bool StopReached() const;
  bool PartitionsAtEnd() const;  // every assigned partition at its end

  KafkaOptions options_;
  ScannerOptions scanner_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::string topic_;
  std::vector<int32_t> partitions_;
  std::map<int32_t, bool> at_end_;           // per assigned partition
  std::map<uint64_t, KafkaRecord> pending_;  // reorder buffer (seq -> record)
  uint64_t last_seq_ = 0;
  std::optional<Micros> gap_since_;
  std::string last_error_;    // last client error since progress
  std::optional<Stop> stop_;  // set by a bad record or a gap; SeekAfter clears
};

}  // namespace cityid

#endif  // CITYID_STREAM_KAFKA_KAFKA_SCANNER_H_
