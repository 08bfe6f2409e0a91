// Shared pieces of cityid's Kafka adapter (SPEC §1, §2, §8): the options
// every Kafka handle is built from, topic and header names, the record shape,
// and the translation of librdkafka errors into Status values.
//
// Nothing here talks to a broker; kafka_publisher.h (writes), kafka_reader.h
// (reads, reconciliation, restore) and kafka_admin.h (topics) do.
#ifndef CITYID_STREAM_KAFKA_KAFKA_COMMON_H_
#define CITYID_STREAM_KAFKA_KAFKA_COMMON_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "stream/stored_event.h"

namespace RdKafka {
class Conf;
class Message;
}  // namespace RdKafka

namespace cityid {

// How cityid reaches a Kafka cluster and names what it keeps there.
struct KafkaOptions {
  std::string bootstrap;                 // "host:port[,host:port...]"
  std::string topic_prefix = "cityid.";  // topics <prefix>events, <prefix>vault
  std::string shard_id = "0";            // ledger shard this process writes for
  // transactional.id = transactional_id_prefix + shard_id; stable across
  // restarts so that a second instance of a shard fences the first.
  std::string transactional_id_prefix = "cityid-ledger-";
  std::string ce_source;  // CloudEvents source; empty: "cityid/ledger/<shard>"

  // Topic creation (existing topics keep their partition count and replicas).
  int partitions = 1;
  int replication_factor = 1;
  int min_insync_replicas = 1;
  int64_t vault_max_compaction_lag_ms =
      24LL * 3600 * 1000;  // erasure reaches the log within a day

  // Bounds of one transaction: broker-side timeout, and how long Publish waits
  // for the commit before reporting kUnavailable (the events stay in the local
  // log and go out with a later batch).
  int transaction_timeout_ms = 60000;
  int commit_timeout_ms = 10000;
  int request_timeout_ms = 10000;  // metadata, admin, watermark queries
  size_t max_events_per_transaction = 5000;

  // Extra librdkafka properties for every handle (security.protocol, sasl.*,
  // ssl.*, client.id, ...). Applied last; may override the defaults above.
  std::map<std::string, std::string> client_config;

  std::string EventsTopic() const { return topic_prefix + "events"; }
  std::string VaultTopic() const { return topic_prefix + "vault"; }
  std::string TransactionalId() const {
    return transactional_id_prefix + shard_id;
  }
  std::string CloudEventsSource() const {
    return ce_source.empty() ? "cityid/ledger/" + shard_id : ce_source;
  }
};

// Record header names (CloudEvents Kafka protocol binding, binary mode).
inline constexpr char kHeaderSpecVersion[] = "ce_specversion";
inline constexpr char kHeaderId[] = "ce_id";
inline constexpr char kHeaderSource[] = "ce_source";
inline constexpr char kHeaderType[] = "ce_type";
inline constexpr char kHeaderTime[] = "ce_time";
inline constexpr char kHeaderContentType[] = "content-type";
inline constexpr char kHeaderSeq[] = "cityid_seq";
inline constexpr char kEventContentType[] =
    "application/vnd.cityid.event+cereal";

// One event as a Kafka record: key, value and headers, plus where it was read.
struct KafkaRecord {
  StoredEvent event;  // seq (from cityid_seq) and the value bytes
  std::string key;    // resident_id
  std::vector<std::pair<std::string, std::string>> headers;  // in record order
  int32_t partition = -1;
  int64_t offset = -1;
};

// Builds the record for a stored event: decodes its bytes for the key and the
// CloudEvents attributes. Returns kCorruption when the bytes do not decode or
// their seq differs from event.seq.
Result<KafkaRecord> RecordFor(const StoredEvent& event,
                              const std::string& ce_source);

// Turns a consumed message into a record. Checks that cityid_seq is present,
// decimal, and equal to the seq inside the value; returns kCorruption if not.
Result<KafkaRecord> RecordFromMessage(RdKafka::Message& message);

// Reads only the cityid_seq header of a message (fast path for offset
// searches); falls back to decoding the value. kCorruption if neither works.
Result<uint64_t> SeqOfMessage(RdKafka::Message& message);

// A Conf of the given type ("producer" or "consumer" properties both go into a
// global Conf) with bootstrap.servers and options.client_config applied after
// `defaults`, and librdkafka's log and error callbacks routed to spdlog
// (kafka_log.h). kInvalidArgument names the property librdkafka rejected.
Result<std::unique_ptr<RdKafka::Conf>> MakeKafkaConf(
    const KafkaOptions& options,
    const std::map<std::string, std::string>& defaults);

// "kafka <what>: <librdkafka message>" as kUnavailable (the cluster may come
// back; callers retry).
Status KafkaUnavailable(const std::string& what, const std::string& detail);

}  // namespace cityid

#endif  // CITYID_STREAM_KAFKA_KAFKA_COMMON_H_
