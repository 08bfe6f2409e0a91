// Kafka log bridge: librdkafka's own log lines and error callbacks go through
// spdlog (the process's JSON-lines logger, tools/logging.h) instead of
// librdkafka's default printer, which writes raw lines such as
//   %3|1796492798.308|ERROR|cityid.reader#consumer-5| [thrd:...]: ...
// to stderr.
//
// Every librdkafka configuration cityid builds gets the bridge before a
// handle is created from it (MakeKafkaConf in kafka_common.h calls
// InstallKafkaLogBridge), so the default printer never runs. A line reads
//   kafka <client name> <FACILITY>: <librdkafka's message>
// where the client name is librdkafka's handle name (client.id#type-N), at
// the spdlog level mapped from librdkafka's syslog severity (KafkaLogLevel).
// Error callbacks read the same, with facility ERROR and the error's name.
//
// While a broker is down librdkafka repeats the same complaints every few
// hundred milliseconds from every client; the bridge lets one line per
// (client.id, level, message kind) through per window (30 s) and adds to the
// next one how many were suppressed meanwhile ("(N similar suppressed)").
// client.id, not the handle name: a handle re-created on every retry (the
// admin client) is one client.
// A message's kind is its facility and text without numbers and without
// parenthesized parts, so "refused (after 12ms ...)" and "refused (after
// 340ms ..., 1 identical error(s) suppressed)" are one kind.
//
// Threading: librdkafka calls the bridge from its internal threads; the
// limiter is guarded by a mutex and spdlog loggers are thread-safe.
#ifndef CITYID_STREAM_KAFKA_KAFKA_LOG_H_
#define CITYID_STREAM_KAFKA_KAFKA_LOG_H_

#include <spdlog/common.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace RdKafka {
class Conf;
}
struct rd_kafka_conf_s;

namespace cityid {

// spdlog level of a syslog severity: 0-2 (emerg, alert, crit) critical,
// 3 (err) error, 4 (warning) warn, 5-6 (notice, info) info, 7 (debug) debug;
// anything else info.
spdlog::level::level_enum KafkaLogLevel(int syslog_level);

// The kind of a message: "<facility>|<text>" with every run of digits
// replaced by '#' and every parenthesized part left out (librdkafka puts
// timings and its own repeat counts there: "(after 0ms in state CONNECT, 1
// identical error(s) suppressed)").
std::string KafkaLogKind(std::string_view facility, std::string_view text);

// Lets one line per key through per window. Thread-safe.
class KafkaLogLimiter {
 public:
  struct Verdict {
    bool emit = false;
    uint64_t suppressed = 0;  // of this key since the last emitted line
  };

  // At most `max_keys` keys are remembered; past that the oldest window's
  // keys are forgotten (their suppressed counts are dropped).
  explicit KafkaLogLimiter(Micros window = 30 * kMicrosPerSecond,
                           size_t max_keys = 4096);

  // emit: the first line of `key`, or the first once `window` has passed
  // since the last emitted one (then with the count suppressed in between).
  // Otherwise the line is counted as suppressed.
  Verdict Admit(const std::string& key, Micros now);

 private:
  struct Entry {
    Micros emitted_at = 0;
    uint64_t suppressed = 0;
  };
  void Forget(Micros now);

  const Micros window_;
  const size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

// The message of one bridged line (without level), e.g.
//   "kafka cityid.reader#consumer-5 FAIL: Connect to ... refused"
// plus " (N similar suppressed)" when suppressed > 0.
std::string KafkaLogLine(std::string_view client, std::string_view facility,
                         std::string_view text, uint64_t suppressed);

// Routes the log and error callbacks of handles created from `conf` through
// the bridge. Call before the handle is created. (A C++ RdKafka::Conf must
// not also be given an event_cb, which would replace these callbacks.)
void InstallKafkaLogBridge(RdKafka::Conf& conf);
void InstallKafkaLogBridge(rd_kafka_conf_s* conf);

}  // namespace cityid

#endif  // CITYID_STREAM_KAFKA_KAFKA_LOG_H_
