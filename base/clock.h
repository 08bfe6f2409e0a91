// Clock: the time seam. Production uses SystemClock; tests use FakeClock so
// retention, expiry and renewal windows are tested without sleeping.
// Times are microseconds since the Unix epoch, UTC.
#ifndef CITYID_BASE_CLOCK_H_
#define CITYID_BASE_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace cityid {

using Micros = int64_t;
constexpr Micros kMicrosPerSecond = 1'000'000;
constexpr Micros kMicrosPerDay = 86'400LL * kMicrosPerSecond;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Micros Now() const override;
  static SystemClock* Default();
};

// Thread-safe settable clock for tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Micros start) : now_(start) {}
  Micros Now() const override { return now_.load(); }
  void Set(Micros t) { now_.store(t); }
  void Advance(Micros d) { now_.fetch_add(d); }

 private:
  std::atomic<Micros> now_;
};

// RFC 3339 UTC with microseconds: "2026-11-27T08:45:32.123456Z".
std::string FormatRfc3339(Micros t);
Result<Micros> ParseRfc3339(const std::string& s);
// "YYYY-MM-DD" of a time (UTC), and the midnight that starts a date.
std::string FormatDate(Micros t);
Result<Micros> ParseDate(const std::string& s);
// "YYYY-MM" of a time (UTC).
std::string FormatMonth(Micros t);

}  // namespace cityid

#endif  // CITYID_BASE_CLOCK_H_
