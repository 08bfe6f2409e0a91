#include "ledger/kafka/kafka_admin.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace cityid {
namespace {

struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct OptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const {
    rd_kafka_AdminOptions_destroy(o);
  }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using OptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter>;

constexpr int64_t kUnboundedLagMs =
    INT64_MAX;  // Kafka's default max.compaction.lag.ms

// A handle used only for admin requests; destroyed when the call returns.
Result<std::unique_ptr<RdKafka::Producer>> AdminHandle(
    const KafkaOptions& options) {
  CITYID_ASSIGN_OR_RETURN(
      std::unique_ptr<RdKafka::Conf> conf,
      MakeKafkaConf(options, {{"client.id", "cityid-admin"}}));
  std::string err;
  std::unique_ptr<RdKafka::Producer> p(
      RdKafka::Producer::create(conf.get(), err));
  if (!p) return InvalidArgument("kafka admin client: " + err);
  return p;
}

OptionsPtr AdminOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                        const KafkaOptions& options) {
  OptionsPtr o(rd_kafka_AdminOptions_new(rk, op));
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(o.get(), options.request_timeout_ms,
                                            err, sizeof err);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS) {
    rd_kafka_AdminOptions_set_operation_timeout(
        o.get(), options.request_timeout_ms, err, sizeof err);
  }
  return o;
}

// Waits for the result of one admin request on `queue`.
Result<EventPtr> AwaitResult(rd_kafka_queue_t* queue,
                             const KafkaOptions& options,
                             const std::string& what) {
  EventPtr ev(
      rd_kafka_queue_poll(queue, options.request_timeout_ms * 2 + 1000));
  if (!ev) return KafkaUnavailable(what, "no answer in time");
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaUnavailable(what, rd_kafka_event_error_string(ev.get()));
  }
  return ev;
}

rd_kafka_NewTopic_t* NewTopic(const std::string& name,
                              const KafkaOptions& options,
                              const TopicConfig& config) {
  char err[256];
  rd_kafka_NewTopic_t* t =
      rd_kafka_NewTopic_new(name.c_str(), options.partitions,
                            options.replication_factor, err, sizeof err);
  if (t == nullptr) return nullptr;
  for (const auto& [k, v] : config)
    rd_kafka_NewTopic_set_config(t, k.c_str(), v.c_str());
  return t;
}

Status CreateTopics(rd_kafka_t* rk, const KafkaOptions& options) {
  const std::string isr = std::to_string(options.min_insync_replicas);
  const TopicConfig events = {{"cleanup.policy", "delete"},
                              {"retention.ms", "-1"},
                              {"retention.bytes", "-1"},
                              {"unclean.leader.election.enable", "false"},
                              {"min.insync.replicas", isr}};
  const TopicConfig vault = {
      {"cleanup.policy", "compact"},
      {"max.compaction.lag.ms",
       std::to_string(options.vault_max_compaction_lag_ms)},
      {"unclean.leader.election.enable", "false"},
      {"min.insync.replicas", isr}};
  rd_kafka_NewTopic_t* topics[2] = {
      NewTopic(options.EventsTopic(), options, events),
      NewTopic(options.VaultTopic(), options, vault)};
  if (topics[0] == nullptr || topics[1] == nullptr) {
    for (rd_kafka_NewTopic_t* t : topics) {
      if (t != nullptr) rd_kafka_NewTopic_destroy(t);
    }
    return InvalidArgument("kafka: invalid partitions or replication factor");
  }
  QueuePtr queue(rd_kafka_queue_new(rk));
  OptionsPtr opts = AdminOptions(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, options);
  rd_kafka_CreateTopics(rk, topics, 2, opts.get(), queue.get());
  rd_kafka_NewTopic_destroy_array(topics, 2);
  CITYID_ASSIGN_OR_RETURN(EventPtr ev,
                          AwaitResult(queue.get(), options, "create topics"));
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(
      rd_kafka_event_CreateTopics_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR ||
        err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      continue;
    const char* msg = rd_kafka_topic_result_error_string(results[i]);
    return KafkaUnavailable(
        std::string("create topic ") + rd_kafka_topic_result_name(results[i]),
        msg ? msg : rd_kafka_err2str(err));
  }
  return Status::Ok();
}

// A new topic becomes visible to every broker and gets partition leaders a
// moment after CreateTopics returns: wait (bounded) until it has both.
Status WaitUntilServed(RdKafka::Producer* handle, const KafkaOptions& options,
                       const std::string& name) {
  std::string err;
  std::unique_ptr<RdKafka::Topic> topic(
      RdKafka::Topic::create(handle, name, nullptr, err));
  if (!topic) return InvalidArgument("kafka topic handle: " + err);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(options.request_timeout_ms);
  std::string why = "no metadata";
  while (std::chrono::steady_clock::now() < deadline) {
    RdKafka::Metadata* raw = nullptr;
    RdKafka::ErrorCode rc =
        handle->metadata(false, topic.get(), &raw, options.request_timeout_ms);
    std::unique_ptr<RdKafka::Metadata> md(raw);
    if (rc != RdKafka::ERR_NO_ERROR)
      return KafkaUnavailable("metadata", RdKafka::err2str(rc));
    for (const RdKafka::TopicMetadata* t : *md->topics()) {
      if (t->topic() != name) continue;
      why = RdKafka::err2str(t->err());
      bool served =
          t->err() == RdKafka::ERR_NO_ERROR && !t->partitions()->empty();
      for (const RdKafka::PartitionMetadata* p : *t->partitions()) {
        served =
            served && p->leader() >= 0 && p->err() == RdKafka::ERR_NO_ERROR;
      }
      if (served) return Status::Ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return KafkaUnavailable("topic " + name, "not served in time: " + why);
}

Result<TopicConfig> Describe(rd_kafka_t* rk, const KafkaOptions& options,
                             const std::string& topic) {
  rd_kafka_ConfigResource_t* res =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  QueuePtr queue(rd_kafka_queue_new(rk));
  OptionsPtr opts =
      AdminOptions(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, options);
  rd_kafka_DescribeConfigs(rk, &res, 1, opts.get(), queue.get());
  rd_kafka_ConfigResource_destroy(res);
  CITYID_ASSIGN_OR_RETURN(
      EventPtr ev, AwaitResult(queue.get(), options, "describe " + topic));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_DescribeConfigs_result_resources(
          rd_kafka_event_DescribeConfigs_result(ev.get()), &n);
  if (n != 1) return KafkaUnavailable("describe " + topic, "unexpected answer");
  rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[0]);
  if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    return NotFound("kafka topic " + topic);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* msg = rd_kafka_ConfigResource_error_string(resources[0]);
    return KafkaUnavailable("describe " + topic,
                            msg ? msg : rd_kafka_err2str(err));
  }
  size_t m = 0;
  const rd_kafka_ConfigEntry_t** entries =
      rd_kafka_ConfigResource_configs(resources[0], &m);
  TopicConfig config;
  for (size_t i = 0; i < m; ++i) {
    const char* value = rd_kafka_ConfigEntry_value(entries[i]);
    config[rd_kafka_ConfigEntry_name(entries[i])] = value ? value : "";
  }
  return config;
}

std::string Get(const TopicConfig& config, const std::string& key) {
  auto it = config.find(key);
  return it == config.end() ? "" : it->second;
}

bool Has(const std::string& policy, const std::string& word) {
  return policy.find(word) != std::string::npos;
}

// kConflict "kafka topic T refused: <why>; <fix>".
Status Refuse(const std::string& topic, const std::string& why) {
  return Conflict("kafka topic " + topic + " refused: " + why);
}

}  // namespace

Status CheckEventsTopicConfig(const std::string& topic,
                              const TopicConfig& config) {
  const std::string policy = Get(config, "cleanup.policy");
  if (policy.empty()) return Refuse(topic, "cleanup.policy unknown");
  if (Has(policy, "compact")) {
    return Refuse(topic, "cleanup.policy=" + policy +
                             " would compact away history; set delete");
  }
  for (const char* key : {"retention.ms", "retention.bytes"}) {
    if (Get(config, key) != "-1") {
      return Refuse(topic, std::string(key) + "=" + Get(config, key) +
                               " would expire history; set -1");
    }
  }
  if (Get(config, "unclean.leader.election.enable") == "true") {
    return Refuse(
        topic,
        "unclean.leader.election.enable=true can drop acknowledged events");
  }
  return Status::Ok();
}

Status CheckVaultTopicConfig(const std::string& topic,
                             const TopicConfig& config) {
  const std::string policy = Get(config, "cleanup.policy");
  if (!Has(policy, "compact")) {
    return Refuse(topic,
                  "cleanup.policy=" + policy +
                      " keeps erased residents' keys forever; set compact");
  }
  if (Has(policy, "delete") && Get(config, "retention.ms") != "-1") {
    return Refuse(topic, "cleanup.policy=" + policy + " with retention.ms=" +
                             Get(config, "retention.ms") +
                             " would expire live keys");
  }
  const std::string lag = Get(config, "max.compaction.lag.ms");
  if (lag.empty() || lag == std::to_string(kUnboundedLagMs)) {
    return Refuse(topic,
                  "max.compaction.lag.ms is unbounded; erasures would never be "
                  "compacted");
  }
  return Status::Ok();
}

Result<TopicConfig> DescribeTopicConfig(const KafkaOptions& options,
                                        const std::string& topic) {
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Producer> handle,
                          AdminHandle(options));
  return Describe(handle->c_ptr(), options, topic);
}

Status EnsureTopics(const KafkaOptions& options) {
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Producer> handle,
                          AdminHandle(options));
  CITYID_RETURN_IF_ERROR(CreateTopics(handle->c_ptr(), options));
  CITYID_RETURN_IF_ERROR(
      WaitUntilServed(handle.get(), options, options.EventsTopic()));
  CITYID_RETURN_IF_ERROR(
      WaitUntilServed(handle.get(), options, options.VaultTopic()));
  CITYID_ASSIGN_OR_RETURN(TopicConfig events, Describe(handle->c_ptr(), options,
                                                       options.EventsTopic()));
  CITYID_RETURN_IF_ERROR(CheckEventsTopicConfig(options.EventsTopic(), events));
  CITYID_ASSIGN_OR_RETURN(TopicConfig vault, Describe(handle->c_ptr(), options,
                                                      options.VaultTopic()));
  return CheckVaultTopicConfig(options.VaultTopic(), vault);
}

}  // namespace cityid
