// Topic administration for cityid's Kafka mode (SPEC §2, §8): creates the
// events and vault topics with the settings that keep history, and refuses
// existing topics whose settings would lose it.
//
// <prefix>events: cleanup.policy=delete, retention.ms=-1, retention.bytes=-1,
//   unclean.leader.election.enable=false; partitions, replication factor and
//   min.insync.replicas from KafkaOptions.
// <prefix>vault: cleanup.policy=compact with a bounded max.compaction.lag.ms
//   (an erasure's tombstone removes the wrapped key within that bound).
//
// Uses librdkafka's C Admin API through a short-lived producer handle; every
// call blocks the calling thread for at most about options.request_timeout_ms
// per broker round trip.
#ifndef CITYID_LEDGER_KAFKA_KAFKA_ADMIN_H_
#define CITYID_LEDGER_KAFKA_KAFKA_ADMIN_H_

#include <map>
#include <string>

#include "base/status.h"
#include "stream/kafka/kafka_common.h"

namespace cityid {

using TopicConfig = std::map<std::string, std::string>;

// Creates both topics when missing, then checks both topics' effective
// configuration. Returns OK when both exist and keep history; kConflict naming
// the offending setting when an existing topic would drop history (events:
// compaction, finite retention, unclean leader election; vault: not compacted,
// finite retention or unbounded compaction lag); kUnavailable when the
// cluster cannot be reached or refuses the request.
Status EnsureTopics(const KafkaOptions& options);

// The effective (broker- and topic-level) configuration of one topic.
// kNotFound when the topic does not exist; kUnavailable on other failures.
Result<TopicConfig> DescribeTopicConfig(const KafkaOptions& options,
                                        const std::string& topic);

// Pure checks of an effective configuration, as above (kConflict or OK).
Status CheckEventsTopicConfig(const std::string& topic,
                              const TopicConfig& config);
Status CheckVaultTopicConfig(const std::string& topic,
                             const TopicConfig& config);

}  // namespace cityid

#endif  // CITYID_LEDGER_KAFKA_KAFKA_ADMIN_H_
