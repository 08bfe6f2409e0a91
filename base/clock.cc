#include "base/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace cityid {
namespace {

// Days from civil date, Howard Hinnant's algorithm (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m, d;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp + (mp < 10 ? 3 : -9);
  return {y + (m <= 2), m, d};
}

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

Micros SystemClock::Now() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SystemClock* SystemClock::Default() {
  static SystemClock clock;
  return &clock;
}

std::string FormatRfc3339(Micros t) {
  int64_t days = FloorDiv(t, kMicrosPerDay);
  int64_t rem = t - days * kMicrosPerDay;
  Civil c = CivilFromDays(days);
  int64_t secs = rem / kMicrosPerSecond, us = rem % kMicrosPerSecond;
  char buf[64];
  std::snprintf(buf, sizeof buf,
                "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                static_cast<long long>(c.y), c.m, c.d,
                static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60), static_cast<long long>(us));
  return buf;
}

Result<Micros> ParseRfc3339(const std::string& s) {
  int y, mo, d, h, mi, sec;
  char tail[32] = {0};
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%31s", &y, &mo, &d, &h,
                  &mi, &sec, tail) < 6) {
    return InvalidArgument("not an RFC 3339 UTC time: " + s);
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
    return InvalidArgument("time out of range: " + s);
  }
  int64_t frac = 0;
  const char* p = tail;
  if (*p == '.') {
    ++p;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
      if (digits < 6) frac = frac * 10 + (*p - '0'), ++digits;
      ++p;
    }
    while (digits++ < 6) frac *= 10;
  }
  if (std::string(p) != "Z")
    return InvalidArgument("time must be UTC ('Z'): " + s);
  int64_t days =
      DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return days * kMicrosPerDay +
         (h * 3600LL + mi * 60LL + sec) * kMicrosPerSecond + frac;
}

std::string FormatDate(Micros t) { return FormatRfc3339(t).substr(0, 10); }

std::string FormatMonth(Micros t) { return FormatRfc3339(t).substr(0, 7); }

Result<Micros> ParseDate(const std::string& s) {
  int y, mo, d;
  char extra;
  if (s.size() != 10 ||
      std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &extra) != 3) {
    return InvalidArgument("not a YYYY-MM-DD date: " + s);
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31)
    return InvalidArgument("date out of range: " + s);
  Civil back = CivilFromDays(DaysFromCivil(y, mo, d));
  if (back.d != static_cast<unsigned>(d))
    return InvalidArgument("no such date: " + s);
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) *
         kMicrosPerDay;
}

}  // namespace cityid
