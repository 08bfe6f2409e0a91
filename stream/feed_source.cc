#include "stream/feed_source.h"

#include <boost/json.hpp>
#include <utility>

#include "base/bytes.h"
#include "schemas/event_codec.h"

namespace cityid {
namespace json = boost::json;
namespace {

// Maps a non-200 feed answer to the Status the runner acts on.
Status FromHttpStatus(int status, std::string_view body) {
  std::string message = "ledger feed answered HTTP " + std::to_string(status);
  if (status == 401) return Status(Code::kUnauthenticated, message);
  if (status == 403) return Status(Code::kPermissionDenied, message);
  if (status >= 500 || status == 429) return Unavailable(message);
  // A problem+json detail names only ids (api/problem.h); keep a bounded
  // prefix for the operator.
  return Internal(message + ": " + std::string(body.substr(0, 200)));
}

// One feed item -> StoredEvent, with its framing and seq checked.
Result<StoredEvent> ParseItem(const json::value& item, uint64_t expected) {
  const json::object* o = item.if_object();
  if (o == nullptr) return Corruption("feed item is not an object");
  const json::value* seq = o->if_contains("seq");
  const json::value* bytes = o->if_contains("bytes");
  if (seq == nullptr || bytes == nullptr || !bytes->is_string()) {
    return Corruption("feed item lacks seq or bytes");
  }
  boost::system::error_code ec;
  uint64_t n = seq->to_number<uint64_t>(ec);
  if (ec) return Corruption("feed item seq is not an unsigned integer");
  if (n != expected) {
    return Corruption("event feed gap: expected seq " +
                      std::to_string(expected) + ", got " + std::to_string(n));
  }
  Result<std::string> raw = Base64Decode(bytes->get_string());
  if (!raw.ok()) {
    return Corruption("feed item " + std::to_string(n) + ": bad base64");
  }
  Result<Event> event = DecodeEvent(*raw);
  if (!event.ok()) {
    return Corruption("feed item " + std::to_string(n) + ": " +
                      event.status().message());
  }
  if (event->seq != n) {
    return Corruption("feed item " + std::to_string(n) +
                      " carries an event of seq " + std::to_string(event->seq));
  }
  return StoredEvent{n, std::move(raw).value()};
}

}  // namespace

Result<FeedPage> ParseFeedPage(std::string_view body, uint64_t after,
                               size_t limit) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object())
    return Corruption("feed body is not a JSON object");
  const json::object& o = doc.get_object();
  const json::value* events = o.if_contains("events");
  const json::value* last_seq = o.if_contains("last_seq");
  if (events == nullptr || !events->is_array() || last_seq == nullptr) {
    return Corruption("feed body lacks events or last_seq");
  }
  FeedPage page;
  page.last_seq = last_seq->to_number<uint64_t>(ec);
  if (ec) return Corruption("feed last_seq is not an unsigned integer");
  const json::array& items = events->get_array();
  if (items.size() > limit) {
    return Corruption("feed returned " + std::to_string(items.size()) +
                      " events, more than the limit " + std::to_string(limit));
  }
  page.events.reserve(items.size());
  uint64_t expected = after + 1;
  for (const json::value& item : items) {
    CITYID_ASSIGN_OR_RETURN(StoredEvent e, ParseItem(item, expected++));
    page.events.push_back(std::move(e));
  }
  if (!page.events.empty() && page.events.back().seq > page.last_seq) {
    return Corruption("feed last_seq is behind its own events");
  }
  return page;
}

FeedSource::FeedSource(FeedSourceOptions options)
    : options_(std::move(options)),
      client_(options_.host, options_.port, options_.http) {}

Result<std::vector<StoredEvent>> FeedSource::Fetch(uint64_t after, size_t limit,
                                                   Micros wait) {
  const Micros wait_ms = std::max<Micros>(wait, 0) / 1000;
  const std::string target = "/v1/events?after=" + std::to_string(after) +
                             "&limit=" + std::to_string(limit) +
                             "&wait_ms=" + std::to_string(wait_ms);
  HttpHeaders headers;
  headers["Authorization"] = "Bearer " + options_.token;
  headers["Accept"] = "application/json";
  CITYID_ASSIGN_OR_RETURN(
      HttpResponse response,
      client_.Get(target, headers, wait + options_.request_margin));
  if (response.status != 200) {
    return FromHttpStatus(response.status, response.body);
  }
  CITYID_ASSIGN_OR_RETURN(FeedPage page,
                          ParseFeedPage(response.body, after, limit));
  head_ = page.last_seq;
  return std::move(page.events);
}

}  // namespace cityid
