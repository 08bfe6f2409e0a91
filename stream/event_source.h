// EventSource: where a projection reads the event history from.
//
// Two implementations: the ledger's HTTP feed (`GET /v1/events`, embedded
// mode, stream/feed_source.h) and Kafka (`cityid.events`, read_committed,
// stream/kafka/kafka_source.h). The projection, not the source, owns the
// position: it stores the last applied seq with its state and asks for events
// after it, so a source never needs its own committed offsets to be right.
//
// Threading: a source is used by one projection thread at a time.
#ifndef CITYID_STREAM_EVENT_SOURCE_H_
#define CITYID_STREAM_EVENT_SOURCE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "stream/stored_event.h"

namespace cityid {

class EventSource {
 public:
  virtual ~EventSource() = default;

  // Returns events with seq > after, in seq order, gap-free, at most `limit`;
  // waits up to `wait` for at least one when none is available yet, then
  // returns an empty vector. Returns kUnavailable when the source cannot be
  // reached (the caller retries with backoff) and kCorruption when the source
  // holds a gap or an undecodable record.
  virtual Result<std::vector<StoredEvent>> Fetch(uint64_t after, size_t limit,
                                                 Micros wait) = 0;

  // The last seq the source knew to exist as of the latest successful Fetch
  // (the ledger feed's `last_seq`), or nullopt when the source cannot tell.
  // Used for the projection lag gauge and to decide that a projection has
  // caught up.
  virtual std::optional<uint64_t> HeadSeq() const { return std::nullopt; }
};

}  // namespace cityid

#endif  // CITYID_STREAM_EVENT_SOURCE_H_
