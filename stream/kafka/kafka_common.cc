#include "stream/kafka/kafka_common.h"

#include <librdkafka/rdkafkacpp.h>

#include <charconv>

#include "base/clock.h"
#include "schemas/event_codec.h"
#include "stream/kafka/kafka_log.h"

namespace cityid {
namespace {

// Parses a decimal seq ("1".."18446744073709551615"); nullopt otherwise.
std::optional<uint64_t> ParseSeq(std::string_view text) {
  uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size())
    return std::nullopt;
  return value;
}

std::optional<std::string> LastHeader(RdKafka::Message& message,
                                      const std::string& key) {
  RdKafka::Headers* headers = message.headers();
  if (headers == nullptr) return std::nullopt;
  RdKafka::Headers::Header h = headers->get_last(key);
  if (h.err() != RdKafka::ERR_NO_ERROR || h.value() == nullptr)
    return std::nullopt;
  return std::string(h.value_string(), h.value_size());
}

std::string_view ValueOf(RdKafka::Message& message) {
  return {static_cast<const char*>(message.payload()), message.len()};
}

}  // namespace

Result<KafkaRecord> RecordFor(const StoredEvent& event,
                              const std::string& ce_source) {
  CITYID_ASSIGN_OR_RETURN(Event decoded, DecodeEvent(event.bytes));
  if (decoded.seq != event.seq) {
    return Corruption("event at seq " + std::to_string(event.seq) +
                      " encodes seq " + std::to_string(decoded.seq));
  }
  KafkaRecord record;
  record.event = event;
  record.key = decoded.resident_id();
  record.headers = {
      {kHeaderSpecVersion, "1.0"},
      {kHeaderId, decoded.event_id},
      {kHeaderSource, ce_source},
      {kHeaderType, std::string(decoded.type())},
      {kHeaderTime, FormatRfc3339(decoded.occurred_at)},
      {kHeaderContentType, kEventContentType},
      {kHeaderSeq, std::to_string(event.seq)},
  };
  return record;
}

Result<uint64_t> SeqOfMessage(RdKafka::Message& message) {
  if (auto text = LastHeader(message, kHeaderSeq)) {
    if (auto seq = ParseSeq(*text)) return *seq;
  }
  CITYID_ASSIGN_OR_RETURN(Event decoded, DecodeEvent(ValueOf(message)));
  return decoded.seq;
}

Result<KafkaRecord> RecordFromMessage(RdKafka::Message& message) {
  const std::string where = message.topic_name() + "/" +
                            std::to_string(message.partition()) + "@" +
                            std::to_string(message.offset());
  std::optional<std::string> seq_text = LastHeader(message, kHeaderSeq);
  std::optional<uint64_t> seq = seq_text ? ParseSeq(*seq_text) : std::nullopt;
  if (!seq)
    return Corruption("record " + where + " lacks a decimal cityid_seq header");
  Result<Event> decoded = DecodeEvent(ValueOf(message));
  if (!decoded.ok())
    return Corruption("record " + where + ": " + decoded.status().message());
  if (decoded->seq != *seq) {
    return Corruption("record " + where + ": cityid_seq " + *seq_text +
                      " but value holds seq " + std::to_string(decoded->seq));
  }
  KafkaRecord record;
  record.event.seq = *seq;
  record.event.bytes = std::string(ValueOf(message));
  if (message.key() != nullptr) record.key = *message.key();
  if (RdKafka::Headers* headers = message.headers()) {
    for (const auto& h : headers->get_all()) {
      record.headers.emplace_back(
          h.key(), h.value() ? std::string(h.value_string(), h.value_size())
                             : std::string());
    }
  }
  record.partition = message.partition();
  record.offset = message.offset();
  return record;
}

Result<std::unique_ptr<RdKafka::Conf>> MakeKafkaConf(
    const KafkaOptions& options,
    const std::map<std::string, std::string>& defaults) {
  std::unique_ptr<RdKafka::Conf> conf(
      RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  InstallKafkaLogBridge(*conf);  // before any handle: no stderr lines
  std::map<std::string, std::string> all = defaults;
  if (!options.bootstrap.empty()) all["bootstrap.servers"] = options.bootstrap;
  for (const auto& [k, v] : options.client_config) all[k] = v;
  std::string err;
  for (const auto& [k, v] : all) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
      return InvalidArgument("kafka property " + k + ": " + err);
    }
  }
  return conf;
}

Status KafkaUnavailable(const std::string& what, const std::string& detail) {
  return Unavailable("kafka " + what + ": " + detail);
}

}  // namespace cityid
