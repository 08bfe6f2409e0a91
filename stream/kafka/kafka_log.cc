#include "stream/kafka/kafka_log.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>

namespace cityid {

spdlog::level::level_enum KafkaLogLevel(int syslog_level) {
  switch (syslog_level) {
    case 0:  // LOG_EMERG
    case 1:  // LOG_ALERT
    case 2:  // LOG_CRIT
      return spdlog::level::critical;
    case 3:  // LOG_ERR
      return spdlog::level::err;
    case 4:  // LOG_WARNING
      return spdlog::level::warn;
    case 7:  // LOG_DEBUG
      return spdlog::level::debug;
    default:  // LOG_NOTICE, LOG_INFO, unknown
      return spdlog::level::info;
  }
}

std::string KafkaLogKind(std::string_view facility, std::string_view text) {
  std::string kind(facility);
  kind += '|';
  bool in_digits = false;
  int depth = 0;  // inside "(...)": circumstances, not the kind
  for (char c : text) {
    if (c == '(') ++depth;
    if (depth == 0) {
      const bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
      if (digit && !in_digits) kind += '#';
      if (!digit) kind += c;
      in_digits = digit;
    }
    if (c == ')' && depth > 0) --depth;
  }
  return kind;
}

KafkaLogLimiter::KafkaLogLimiter(Micros window, size_t max_keys)
    : window_(window), max_keys_(max_keys) {}

void KafkaLogLimiter::Forget(Micros now) {
  std::erase_if(entries_, [&](const auto& kv) {
    return now - kv.second.emitted_at >= window_;
  });
  if (entries_.size() >= max_keys_) entries_.clear();
}

KafkaLogLimiter::Verdict KafkaLogLimiter::Admit(const std::string& key,
                                                Micros now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) Forget(now);
    entries_.emplace(key, Entry{now, 0});
    return {true, 0};
  }
  Entry& e = it->second;
  if (now - e.emitted_at < window_) {
    ++e.suppressed;
    return {false, e.suppressed};
  }
  Verdict v{true, e.suppressed};
  e = Entry{now, 0};
  return v;
}

std::string KafkaLogLine(std::string_view client, std::string_view facility,
                         std::string_view text, uint64_t suppressed) {
  std::string line = "kafka ";
  line += client;
  line += ' ';
  line += facility;
  line += ": ";
  line += text;
  if (suppressed > 0)
    line += " (" + std::to_string(suppressed) + " similar suppressed)";
  return line;
}

namespace {

KafkaLogLimiter& Limiter() {
  // Never destroyed: librdkafka threads may log while the process exits.
  static auto* limiter = new KafkaLogLimiter();
  return *limiter;
}

Micros SteadyNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Bridge(const rd_kafka_t* rk, spdlog::level::level_enum level,
            std::string_view facility, std::string_view text) {
  if (!spdlog::should_log(level)) return;
  const std::string_view client =
      rk != nullptr ? rd_kafka_name(rk) : "librdkafka";
  // Keyed by client.id (the name before '#type-N'), so a client cityid
  // re-creates on every retry (the admin client) is still one client.
  std::string key(client.substr(0, client.find('#')));
  key += '|';
  key += spdlog::level::to_string_view(level).data();
  key += '|';
  key += KafkaLogKind(facility, text);
  const KafkaLogLimiter::Verdict v = Limiter().Admit(key, SteadyNow());
  if (!v.emit) return;
  spdlog::log(level, "{}", KafkaLogLine(client, facility, text, v.suppressed));
}

void LogCallback(const rd_kafka_t* rk, int level, const char* fac,
                 const char* buf) {
  Bridge(rk, KafkaLogLevel(level), fac != nullptr ? fac : "",
         buf != nullptr ? buf : "");
}

void ErrorCallback(rd_kafka_t* rk, int err, const char* reason, void*) {
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  std::string text = rd_kafka_err2name(code);
  text += ": ";
  text += reason != nullptr ? reason : rd_kafka_err2str(code);
  Bridge(rk,
         code == RD_KAFKA_RESP_ERR__FATAL ? spdlog::level::critical
                                          : spdlog::level::err,
         "ERROR", text);
}

}  // namespace

void InstallKafkaLogBridge(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, &LogCallback);
  rd_kafka_conf_set_error_cb(conf, &ErrorCallback);
}

void InstallKafkaLogBridge(RdKafka::Conf& conf) {
  // The C++ API copies its global conf's C callbacks into the handle unless
  // an event_cb is set (which would install its own log and error hooks).
  InstallKafkaLogBridge(conf.c_ptr_global());
}

}  // namespace cityid
