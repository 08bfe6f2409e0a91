// MemoryEventSource: an in-memory EventSource for tests (and demos) that
// need a history without a ledger. Append() builds the envelope, assigns the
// next seq and stores the framed bytes, exactly as the ledger would.
//
// Fault injection: SetUnavailable() makes Fetch fail with kUnavailable;
// AppendRaw() stores any (seq, bytes), e.g. a gap or garbage.
//
// Threading: every method may be called from any thread; Fetch blocks up to
// `wait` for an Append() when nothing is available.
#ifndef CITYID_STREAM_MEMORY_EVENT_SOURCE_H_
#define CITYID_STREAM_MEMORY_EVENT_SOURCE_H_

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "schemas/event_codec.h"
#include "stream/event_source.h"

namespace cityid {

class MemoryEventSource final : public EventSource {
 public:
  // Appends `payload` as the next event, at time `at`; returns its seq.
  uint64_t Append(Payload payload, Micros at = 1'767'225'600'000'000) {
    std::lock_guard<std::mutex> lock(mu_);
    Event e;
    e.seq = next_seq_++;
    e.event_id = "00000000-0000-4000-8000-" + Pad12(e.seq);
    e.occurred_at = at;
    e.recorded_at = at;
    e.actor = "tok_test";
    e.office = "central";
    e.payload = std::move(payload);
    events_.push_back(StoredEvent{e.seq, EncodeEvent(e)});
    cv_.notify_all();
    return e.seq;
  }

  // Stores a record as is (no checks). The next Append() continues after
  // `seq`.
  void AppendRaw(uint64_t seq, std::string bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(StoredEvent{seq, std::move(bytes)});
    next_seq_ = seq + 1;
    cv_.notify_all();
  }

  void SetUnavailable(bool unavailable) {
    std::lock_guard<std::mutex> lock(mu_);
    unavailable_ = unavailable;
  }

  // Fetches served so far (successful or not).
  size_t fetches() const {
    std::lock_guard<std::mutex> lock(mu_);
    return fetches_;
  }

  std::vector<StoredEvent> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

  // Returns the stored records after the first one with seq > after, in
  // storage order (so injected gaps reach the caller).
  Result<std::vector<StoredEvent>> Fetch(uint64_t after, size_t limit,
                                         Micros wait) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++fetches_;
    if (unavailable_) return Unavailable("memory source set unavailable");
    auto first = [&] {
      return std::find_if(events_.begin(), events_.end(),
                          [&](const StoredEvent& e) { return e.seq > after; });
    };
    cv_.wait_for(lock, std::chrono::microseconds(wait),
                 [&] { return first() != events_.end(); });
    std::vector<StoredEvent> out;
    for (auto it = first(); it != events_.end() && out.size() < limit; ++it) {
      out.push_back(*it);
    }
    head_ = events_.empty() ? 0 : events_.back().seq;
    return out;
  }

  std::optional<uint64_t> HeadSeq() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return head_;
  }

 private:
  static std::string Pad12(uint64_t v) {
    std::string s = std::to_string(v);
    return std::string(s.size() < 12 ? 12 - s.size() : 0, '0') + s;
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<StoredEvent> events_;
  uint64_t next_seq_ = 1;
  uint64_t head_ = 0;
  size_t fetches_ = 0;
  bool unavailable_ = false;
};

}  // namespace cityid

#endif  // CITYID_STREAM_MEMORY_EVENT_SOURCE_H_
