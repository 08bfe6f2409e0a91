#include "tools/event_sources.h"

#include "stream/feed_source.h"
#include "stream/kafka/kafka_source.h"
#include "tools/bootstrap.h"

namespace cityid {

Status ParseHttpUrl(const std::string& url, std::string* host, uint16_t* port) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0)
    return InvalidArgument("URL must start with http://: " + url);
  std::string rest = url.substr(prefix.size());
  if (const size_t slash = rest.find('/'); slash != std::string::npos)
    rest.resize(slash);
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos)
    return InvalidArgument("URL needs a port: " + url);
  *host = rest.substr(0, colon);
  try {
    const int p = std::stoi(rest.substr(colon + 1));
    if (p <= 0 || p > 65535) return InvalidArgument("bad port in URL: " + url);
    *port = static_cast<uint16_t>(p);
  } catch (const std::exception&) {
    return InvalidArgument("bad port in URL: " + url);
  }
  return Status::Ok();
}

Result<KafkaOptions> KafkaOptionsFrom(const Config& config) {
  KafkaOptions o;
  o.bootstrap = config.GetString("kafka.bootstrap");
  o.topic_prefix = config.GetString("kafka.topic_prefix");
  if (config.Has("kafka.shard")) o.shard_id = config.GetString("kafka.shard");
  for (const auto& [key, value] : config.values()) {
    // kafka.client.<librdkafka property> passes security and tuning settings.
    const std::string prefix = "kafka.client.";
    if (key.rfind(prefix, 0) == 0)
      o.client_config[key.substr(prefix.size())] = value;
  }
  auto int_key = [&](const std::string& key, int* out) -> Status {
    if (!config.Has(key)) return Status::Ok();
    CITYID_ASSIGN_OR_RETURN(int64_t v, config.GetInt(key));
    *out = static_cast<int>(v);
    return Status::Ok();
  };
  CITYID_RETURN_IF_ERROR(int_key("kafka.partitions", &o.partitions));
  CITYID_RETURN_IF_ERROR(
      int_key("kafka.replication_factor", &o.replication_factor));
  CITYID_RETURN_IF_ERROR(
      int_key("kafka.min_insync_replicas", &o.min_insync_replicas));
  return o;
}

Result<std::unique_ptr<EventSource>> MakeEventSource(
    const Config& config, const std::string& name,
    const std::string& ledger_url) {
  if (!config.GetString("kafka.bootstrap").empty()) {
    CITYID_ASSIGN_OR_RETURN(KafkaOptions options, KafkaOptionsFrom(config));
    CITYID_ASSIGN_OR_RETURN(std::unique_ptr<KafkaSource> source,
                            KafkaSource::Open(options, name));
    return std::unique_ptr<EventSource>(std::move(source));
  }
  FeedSourceOptions feed;
  const std::string url =
      ledger_url.empty() ? config.GetString("ledger.url") : ledger_url;
  CITYID_RETURN_IF_ERROR(ParseHttpUrl(url, &feed.host, &feed.port));
  feed.token = config.GetString("feed.token");
  if (feed.token.empty()) {
    CITYID_ASSIGN_OR_RETURN(
        feed.token, ReadRoleToken(LayoutFor(config).tokens_file, "projection"));
  }
  return std::unique_ptr<EventSource>(std::make_unique<FeedSource>(feed));
}

}  // namespace cityid
