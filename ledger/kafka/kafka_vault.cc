#include "ledger/kafka/kafka_vault.h"

#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <mutex>

namespace cityid {
namespace {

constexpr uint8_t kVaultValueVersion = 1;

using SteadyClock = std::chrono::steady_clock;

int RemainingMs(SteadyClock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - SteadyClock::now())
                .count();
  return static_cast<int>(std::max<int64_t>(0, ms));
}

}  // namespace

std::string EncodeVaultValue(std::string_view wrapped_key,
                             std::string_view ciphertext) {
  std::string v(1, static_cast<char>(kVaultValueVersion));
  const uint32_t n = static_cast<uint32_t>(wrapped_key.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    v.push_back(static_cast<char>((n >> shift) & 0xff));
  v.append(wrapped_key);
  v.append(ciphertext);
  return v;
}

Status DecodeVaultValue(std::string_view value, VaultRecord* record) {
  if (value.size() < 5 || static_cast<uint8_t>(value[0]) != kVaultValueVersion)
    return Corruption("vault record of unknown version");
  uint32_t n = 0;
  for (int i = 1; i <= 4; ++i) n = (n << 8) | static_cast<uint8_t>(value[i]);
  if (value.size() < 5 + static_cast<size_t>(n))
    return Corruption("vault record truncated");
  record->wrapped_key = std::string(value.substr(5, n));
  record->ciphertext = std::string(value.substr(5 + n));
  return Status::Ok();
}

// Collects the delivery outcome of each Publish call's records.
class KafkaVaultPublisher::DeliveryReports final
    : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++delivered_;
    if (message.err() != RdKafka::ERR_NO_ERROR && first_error_.empty())
      first_error_ = message.errstr();
  }
  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
    delivered_ = 0;
    first_error_.clear();
  }
  // Delivered count and the first error ("" when none).
  std::pair<size_t, std::string> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    return {delivered_, first_error_};
  }

 private:
  std::mutex mu_;
  size_t delivered_ = 0;
  std::string first_error_;
};

Result<std::unique_ptr<KafkaVaultPublisher>> KafkaVaultPublisher::Create(
    const KafkaOptions& options) {
  auto reports = std::make_unique<DeliveryReports>();
  CITYID_ASSIGN_OR_RETURN(
      std::unique_ptr<RdKafka::Conf> conf,
      MakeKafkaConf(
          options,
          {{"enable.idempotence", "true"},
           {"acks", "all"},
           {"message.timeout.ms", std::to_string(options.commit_timeout_ms)},
           {"socket.timeout.ms", std::to_string(options.request_timeout_ms)},
           {"linger.ms", "1"},
           {"partitioner", "murmur2_random"},
           {"client.id", "cityid-vault-" + options.shard_id}}));
  std::string err;
  if (conf->set("dr_cb", reports.get(), err) != RdKafka::Conf::CONF_OK)
    return InvalidArgument("kafka vault producer: " + err);
  std::unique_ptr<KafkaVaultPublisher> p(
      new KafkaVaultPublisher(options, std::move(reports)));
  p->producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!p->producer_) return InvalidArgument("kafka vault producer: " + err);
  return p;
}

KafkaVaultPublisher::KafkaVaultPublisher(
    const KafkaOptions& options, std::unique_ptr<DeliveryReports> reports)
    : options_(options), reports_(std::move(reports)) {}

KafkaVaultPublisher::~KafkaVaultPublisher() {
  if (producer_) producer_->flush(std::min(options_.commit_timeout_ms, 2000));
}

Status KafkaVaultPublisher::Publish(const std::vector<VaultRecord>& records) {
  if (records.empty()) return Status::Ok();
  reports_->Reset();
  const auto deadline = SteadyClock::now() +
                        std::chrono::milliseconds(options_.commit_timeout_ms);
  for (const VaultRecord& r : records) {
    // A null value is the tombstone compaction turns into "no such key".
    std::string value;
    const bool live = r.wrapped_key && r.ciphertext;
    if (live) value = EncodeVaultValue(*r.wrapped_key, *r.ciphertext);
    for (;;) {
      RdKafka::Headers* headers = RdKafka::Headers::create();
      headers->add("content-type", kVaultContentType);
      RdKafka::ErrorCode rc = producer_->produce(
          options_.VaultTopic(), RdKafka::Topic::PARTITION_UA,
          RdKafka::Producer::RK_MSG_COPY, live ? value.data() : nullptr,
          live ? value.size() : 0, r.resident_id.data(), r.resident_id.size(),
          0, headers, nullptr);
      if (rc == RdKafka::ERR_NO_ERROR) break;
      delete headers;
      if (rc != RdKafka::ERR__QUEUE_FULL || RemainingMs(deadline) == 0)
        return KafkaUnavailable("vault produce", RdKafka::err2str(rc));
      producer_->poll(20);
    }
  }
  producer_->flush(std::max(1, RemainingMs(deadline)));
  auto [delivered, error] = reports_->Get();
  if (!error.empty()) return KafkaUnavailable("vault delivery", error);
  if (delivered < records.size())
    return KafkaUnavailable("vault delivery", "timed out");
  return Status::Ok();
}

namespace {

// Consumes every partition of the vault topic from its start to the end
// offsets read first, folding records into `out`.
Status ReadPartitions(RdKafka::KafkaConsumer& consumer,
                      const KafkaOptions& options,
                      const std::vector<int32_t>& partitions,
                      std::map<std::string, VaultRecord>& out) {
  const std::string topic = options.VaultTopic();
  std::map<int32_t, int64_t> end;
  std::vector<RdKafka::TopicPartition*> tps;
  for (int32_t p : partitions) {
    int64_t low = 0, high = 0;
    RdKafka::ErrorCode rc = consumer.query_watermark_offsets(
        topic, p, &low, &high, options.request_timeout_ms);
    if (rc != RdKafka::ERR_NO_ERROR)
      return KafkaUnavailable("vault watermarks", RdKafka::err2str(rc));
    if (high > low) end[p] = high;
    tps.push_back(RdKafka::TopicPartition::create(topic, p, low));
  }
  RdKafka::ErrorCode rc = consumer.assign(tps);
  RdKafka::TopicPartition::destroy(tps);
  if (rc != RdKafka::ERR_NO_ERROR)
    return KafkaUnavailable("vault assign", RdKafka::err2str(rc));
  auto last_progress = SteadyClock::now();
  while (!end.empty()) {
    std::unique_ptr<RdKafka::Message> m(consumer.consume(200));
    if (m->err() == RdKafka::ERR_NO_ERROR) {
      last_progress = SteadyClock::now();
      if (m->key() == nullptr) continue;
      const std::string rid = *m->key();
      if (m->payload() == nullptr) {
        out.erase(rid);
      } else {
        VaultRecord r{rid, std::nullopt, std::nullopt};
        CITYID_RETURN_IF_ERROR(DecodeVaultValue(
            std::string_view(static_cast<const char*>(m->payload()), m->len()),
            &r));
        out[rid] = std::move(r);
      }
      auto it = end.find(m->partition());
      if (it != end.end() && m->offset() + 1 >= it->second) end.erase(it);
    } else if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      end.erase(m->partition());
    } else if (m->err() != RdKafka::ERR__TIMED_OUT ||
               SteadyClock::now() - last_progress >
                   std::chrono::milliseconds(options.request_timeout_ms)) {
      return KafkaUnavailable("vault read", m->errstr());
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::map<std::string, VaultRecord>> ReadVaultTopic(
    const KafkaOptions& options) {
  CITYID_ASSIGN_OR_RETURN(
      std::unique_ptr<RdKafka::Conf> conf,
      MakeKafkaConf(options, {{"group.id", "cityid-vault-reader"},
                              {"enable.auto.commit", "false"},
                              {"enable.partition.eof", "true"},
                              {"auto.offset.reset", "earliest"},
                              {"socket.timeout.ms",
                               std::to_string(options.request_timeout_ms)}}));
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) return InvalidArgument("kafka vault consumer: " + err);
  std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(
      consumer.get(), options.VaultTopic(), nullptr, err));
  if (!topic) return InvalidArgument("kafka topic handle: " + err);
  RdKafka::Metadata* raw = nullptr;
  RdKafka::ErrorCode rc =
      consumer->metadata(false, topic.get(), &raw, options.request_timeout_ms);
  std::unique_ptr<RdKafka::Metadata> md(raw);
  if (rc != RdKafka::ERR_NO_ERROR)
    return KafkaUnavailable("vault metadata", RdKafka::err2str(rc));
  std::vector<int32_t> partitions;
  for (const RdKafka::TopicMetadata* t : *md->topics()) {
    if (t->topic() != options.VaultTopic()) continue;
    if (t->err() == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART)
      return NotFound("kafka topic " + options.VaultTopic());
    for (const RdKafka::PartitionMetadata* p : *t->partitions())
      partitions.push_back(p->id());
  }
  if (partitions.empty())
    return NotFound("kafka topic " + options.VaultTopic());
  std::map<std::string, VaultRecord> out;
  Status s = ReadPartitions(*consumer, options, partitions, out);
  consumer->close();
  if (!s.ok()) return s;
  return out;
}

}  // namespace cityid
