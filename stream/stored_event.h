// StoredEvent: one event of the history as the log holds it and every
// reader of the stream receives it. The write side (ledger/ledger.h) produces
// them; the read side (stream/event_source.h) consumes them.
#ifndef CITYID_STREAM_STORED_EVENT_H_
#define CITYID_STREAM_STORED_EVENT_H_

#include <cstdint>
#include <string>

namespace cityid {

// One stored event: its seq and exact framed bytes (schemas/event_codec.h).
struct StoredEvent {
  uint64_t seq = 0;
  std::string bytes;
};

}  // namespace cityid

#endif  // CITYID_STREAM_STORED_EVENT_H_
