// FeedSource: an EventSource over the ledger's HTTP event feed (embedded
// mode, SPEC §1, §3, §10):
//
//   GET /v1/events?after=S&limit=N&wait_ms=T   Authorization: Bearer <token>
//   -> 200 {"events": [{"seq", "type", "bytes" (base64), ...}], "last_seq"}
//
// It trusts nothing it receives: each item's `bytes` must decode as a framed
// event (schemas/event_codec.h) of the same seq, and the seqs must run
// after+1, after+2, ... without a gap. Only seq and bytes are kept; the
// decoded JSON fields are ignored (the bytes are the event).
//
// Outcomes of Fetch:
//   OK            the events (maybe none, after waiting up to `wait`)
//   kUnavailable  ledger unreachable, timed out, or answered 5xx / 429
//   kUnauthenticated / kPermissionDenied  the ledger refused the token (401 /
//                 403): a configuration error, retried but reported
//   kCorruption   a gap, a seq mismatch, bad base64 or framing, a body that
//                 is not the feed's JSON, more events than asked for
//   kInternal     any other status (the request itself was wrong)
//
// Threading: as EventSource, one projection thread at a time. Owns its
// HttpClient (one keep-alive connection to the ledger).
#ifndef CITYID_STREAM_FEED_SOURCE_H_
#define CITYID_STREAM_FEED_SOURCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/http_client.h"
#include "stream/event_source.h"

namespace cityid {

struct FeedSourceOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string token;  // bearer token with the `projection` role
  // The HTTP exchange may take the long-poll wait plus this much.
  Micros request_margin = 10 * kMicrosPerSecond;
  HttpClientOptions http{};
};

class FeedSource final : public EventSource {
 public:
  explicit FeedSource(FeedSourceOptions options);

  Result<std::vector<StoredEvent>> Fetch(uint64_t after, size_t limit,
                                         Micros wait) override;
  // The feed's `last_seq` at the latest successful Fetch.
  std::optional<uint64_t> HeadSeq() const override { return head_; }

 private:
  FeedSourceOptions options_;
  HttpClient client_;
  std::optional<uint64_t> head_;
};

// Parses a feed body (exposed for tests): checks as described above and
// returns the events and the feed's last_seq.
struct FeedPage {
  std::vector<StoredEvent> events;
  uint64_t last_seq = 0;
};
Result<FeedPage> ParseFeedPage(std::string_view body, uint64_t after,
                               size_t limit);

}  // namespace cityid

#endif  // CITYID_STREAM_FEED_SOURCE_H_
