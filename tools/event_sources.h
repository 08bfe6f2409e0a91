// Where a projection process reads events from, chosen by config (SPEC §1):
// the ledger's HTTP feed in embedded mode, the Kafka events topic when
// kafka.bootstrap is set. Every `cityid project <name>` uses this, so the
// two transports behave the same for all projections.
#ifndef CITYID_TOOLS_EVENT_SOURCES_H_
#define CITYID_TOOLS_EVENT_SOURCES_H_

#include <memory>
#include <string>

#include "base/status.h"
#include "stream/event_source.h"
#include "stream/kafka/kafka_common.h"
#include "tools/config.h"

namespace cityid {

// "http://host:port[/...]" -> host, port. kInvalidArgument otherwise.
Status ParseHttpUrl(const std::string& url, std::string* host, uint16_t* port);

// Kafka settings from the kafka.* config keys (docs/CONFIG.md).
Result<KafkaOptions> KafkaOptionsFrom(const Config& config);

// The event source for projection `name`: KafkaSource when kafka.bootstrap is
// set, otherwise a FeedSource on `ledger_url` (empty: config ledger.url) with
// feed.token or the `projection` token of <data>/tokens.json.
Result<std::unique_ptr<EventSource>> MakeEventSource(
    const Config& config, const std::string& name,
    const std::string& ledger_url);

}  // namespace cityid

#endif  // CITYID_TOOLS_EVENT_SOURCES_H_
