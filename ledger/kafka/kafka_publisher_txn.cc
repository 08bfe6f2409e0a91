// KafkaPublisher, part 2: the transaction state machine and reconciliation.
// Every function here runs with ops_mu_ held (delivery thread or Reconcile).
#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "ledger/kafka/kafka_publisher.h"

namespace cityid {
namespace {

bool IsFencingCode(int code) {
  return code == RdKafka::ERR__FENCED || code == RdKafka::ERR_PRODUCER_FENCED ||
         code == RdKafka::ERR_INVALID_PRODUCER_EPOCH;
}

// Delivery reports are not needed (commit_transaction reports the outcome of
// the whole batch), but without a callback librdkafka's flush — which
// commit_transaction runs first — only notices the acknowledged batch at
// its next 10 ms poll tick: measured ~8 ms per transaction on a local broker.
// With one, the report wakes the flush at once.
class IgnoreDeliveryReports final : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message&) override {}
};
RdKafka::DeliveryReportCb* IgnoredDeliveryReports() {
  static auto* const cb = new IgnoreDeliveryReports;  // stateless, never freed
  return cb;
}

}  // namespace

Status KafkaPublisher::CreateProducer() {
  const std::string timeout = std::to_string(options_.transaction_timeout_ms);
  CITYID_ASSIGN_OR_RETURN(
      std::unique_ptr<RdKafka::Conf> conf,
      MakeKafkaConf(
          options_,
          {{"transactional.id", options_.TransactionalId()},
           {"enable.idempotence", "true"},
           {"acks", "all"},
           {"transaction.timeout.ms", timeout},
           {"message.timeout.ms", timeout},
           {"socket.timeout.ms", std::to_string(options_.request_timeout_ms)},
           {"linger.ms", "1"},
           // Same key -> partition mapping as the Java client.
           {"partitioner", "murmur2_random"},
           {"client.id", "cityid-ledger-" + options_.shard_id}}));
  std::string err;
  if (conf->set("dr_cb", IgnoredDeliveryReports(), err) !=
      RdKafka::Conf::CONF_OK)
    return InvalidArgument("kafka producer dr_cb: " + err);
  producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!producer_) return InvalidArgument("kafka producer: " + err);
  initialized_ = false;
  txn_ = Txn::kNone;
  return Status::Ok();
}

Status KafkaPublisher::HandleFatal(const std::string& what, int code,
                                   const std::string& detail) {
  std::string fatal_detail;
  const RdKafka::ErrorCode fatal =
      producer_ ? producer_->fatal_error(fatal_detail) : RdKafka::ERR_NO_ERROR;
  if (IsFencingCode(code) || IsFencingCode(fatal)) {
    fenced_ = true;
    fenced_status_ =
        Unavailable("fenced: another ledger instance with transactional.id " +
                    options_.TransactionalId() + " took over (" + detail +
                    "); this instance no longer publishes");
    spdlog::error("kafka: {}", fenced_status_.message());
    return fenced_status_;
  }
  // Unrecoverable for this producer instance only: the next call starts a new
  // one (its init_transactions settles whatever the old one left open), and
  // re-reads Kafka's position since the outcome of an open commit is unknown.
  spdlog::warn("kafka producer failed fatally in {}: {}; recreating it", what,
               detail);
  producer_.reset();
  initialized_ = false;
  txn_ = Txn::kNone;
  next_seq_ = 0;
  return KafkaUnavailable(what, detail);
}

Status KafkaPublisher::OnTxnError(RdKafka::Error* error,
                                  const std::string& what, bool may_abort) {
  const std::string detail = error->str();
  if (error->is_fatal() || IsFencingCode(error->code())) {
    return HandleFatal(what, error->code(), detail);
  }
  if (error->txn_requires_abort()) {
    txn_ = Txn::kAborting;
    if (may_abort && Abort().ok()) {
      // Nothing of it is committed (the position stays known). The next
      // transaction starts on a fresh producer: its new epoch and sequence
      // numbers cannot trip over the failed records' state.
      producer_.reset();
      initialized_ = false;
    }
    return KafkaUnavailable(what, detail + "; transaction aborted");
  }
  if (error->is_retriable()) return KafkaUnavailable(what, detail);
  // Neither retriable nor abortable: librdkafka advises treating it as fatal.
  return HandleFatal(what, error->code(), detail);
}

Status KafkaPublisher::Prepare() {
  if (fenced_) return fenced_status_;
  if (!producer_) CITYID_RETURN_IF_ERROR(CreateProducer());
  if (!initialized_) {
    std::unique_ptr<RdKafka::Error> err(
        producer_->init_transactions(options_.request_timeout_ms));
    if (err) return OnTxnError(err.get(), "init transactions", false);
    initialized_ = true;
  }
  if (txn_ == Txn::kCommitting) CITYID_RETURN_IF_ERROR(ResumeCommit());
  if (txn_ == Txn::kOpen || txn_ == Txn::kAborting)
    CITYID_RETURN_IF_ERROR(Abort());
  if (next_seq_ == 0) CITYID_RETURN_IF_ERROR(RefreshPosition());
  return Status::Ok();
}

Status KafkaPublisher::RefreshPosition() {
  if (!reader_) {
    CITYID_ASSIGN_OR_RETURN(reader_, KafkaEventReader::Open(options_));
  }
  CITYID_ASSIGN_OR_RETURN(uint64_t last, reader_->LastCommittedSeq());
  next_seq_ = last + 1;
  return Status::Ok();
}

Status KafkaPublisher::Transact(const std::vector<StoredEvent>& events) {
  std::unique_ptr<RdKafka::Error> err(producer_->begin_transaction());
  if (err) return OnTxnError(err.get(), "begin transaction");
  txn_ = Txn::kOpen;
  txn_last_seq_ = events.back().seq;
  for (const StoredEvent& e : events) {
    Status s = Produce(e);
    if (!s.ok()) {
      if (txn_ == Txn::kOpen)
        Abort().PermitUnchecked();  // kOpen: not fenced or reset
      return s;
    }
  }
  return ResumeCommit();
}

Status KafkaPublisher::ResumeCommit() {
  std::unique_ptr<RdKafka::Error> err(
      producer_->commit_transaction(options_.commit_timeout_ms));
  if (!err) {
    next_seq_ = txn_last_seq_ + 1;
    txn_ = Txn::kNone;
    return Status::Ok();
  }
  if (err->is_retriable() && !err->is_fatal() && !err->txn_requires_abort()) {
    // The commit goes on in the background; the next Prepare resumes it.
    txn_ = Txn::kCommitting;
    return KafkaUnavailable("commit", err->str() + " (commit will be resumed)");
  }
  return OnTxnError(err.get(), "commit");
}

Status KafkaPublisher::Abort() {
  std::unique_ptr<RdKafka::Error> err(
      producer_->abort_transaction(options_.commit_timeout_ms));
  if (!err) {
    txn_ = Txn::kNone;
    return Status::Ok();
  }
  txn_ = Txn::kAborting;
  if (err->is_retriable() && !err->is_fatal())
    return KafkaUnavailable("abort", err->str());
  return OnTxnError(err.get(), "abort", false);
}

Status KafkaPublisher::Produce(const StoredEvent& event) {
  CITYID_ASSIGN_OR_RETURN(KafkaRecord rec,
                          RecordFor(event, options_.CloudEventsSource()));
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(options_.commit_timeout_ms);
  while (true) {
    RdKafka::Headers* headers = RdKafka::Headers::create();
    for (const auto& [k, v] : rec.headers) headers->add(k, v);
    RdKafka::ErrorCode rc = producer_->produce(
        options_.EventsTopic(), RdKafka::Topic::PARTITION_UA,
        RdKafka::Producer::RK_MSG_COPY,
        const_cast<char*>(rec.event.bytes.data()), rec.event.bytes.size(),
        rec.key.data(), rec.key.size(), 0, headers, nullptr);
    if (rc == RdKafka::ERR_NO_ERROR)
      return Status::Ok();  // headers now owned by librdkafka
    delete headers;
    if (rc == RdKafka::ERR__FATAL)
      return HandleFatal("produce", rc, RdKafka::err2str(rc));
    if (rc != RdKafka::ERR__QUEUE_FULL ||
        std::chrono::steady_clock::now() > deadline) {
      return KafkaUnavailable("produce", RdKafka::err2str(rc));
    }
    producer_->poll(20);
  }
}

Result<uint64_t> KafkaPublisher::CompareTail(uint64_t kafka_last,
                                             uint64_t count) {
  if (kafka_last == 0 || count == 0) return uint64_t{0};
  const uint64_t from = kafka_last - std::min(kafka_last, count);
  std::vector<StoredEvent> local;
  size_t next = 0;
  uint64_t compared = 0;
  Status s = reader_->ReadAfter(from, [&](KafkaRecord&& rec) -> Status {
    if (rec.event.seq > kafka_last)
      return Status::Ok();  // newer than the snapshot
    if (next == local.size()) {
      CITYID_ASSIGN_OR_RETURN(local, local_(rec.event.seq - 1, 1000));
      next = 0;
    }
    if (next == local.size() || local[next].seq != rec.event.seq) {
      return Corruption("local log lacks seq " + std::to_string(rec.event.seq) +
                        " that Kafka holds");
    }
    if (local[next++].bytes != rec.event.bytes) {
      return Corruption("Kafka topic " + options_.EventsTopic() +
                        " holds different bytes at seq " +
                        std::to_string(rec.event.seq) + " than the local log");
    }
    ++compared;
    return Status::Ok();
  });
  CITYID_RETURN_IF_ERROR(s);
  return compared;
}

Result<ReconcileReport> KafkaPublisher::Reconcile(uint64_t local_last_seq,
                                                  uint64_t compare) {
  std::lock_guard<std::mutex> ops(ops_mu_);
  auto fail = [&](Status s) {
    SetHealth(s);
    return s;
  };
  if (!local_)
    return fail(Internal("kafka reconcile needs the local log reader"));
  next_seq_ = 0;  // re-read: another instance may have published meanwhile
  if (Status s = Prepare(); !s.ok()) return fail(s);
  ReconcileReport report;
  report.kafka_last_seq = next_seq_ - 1;
  report.local_last_seq = local_last_seq;
  if (report.kafka_last_seq > local_last_seq) {
    return fail(Corruption(
        "Kafka topic " + options_.EventsTopic() + " holds events up to seq " +
        std::to_string(report.kafka_last_seq) +
        " but the local log ends at seq " + std::to_string(local_last_seq)));
  }
  Result<uint64_t> compared = CompareTail(report.kafka_last_seq, compare);
  if (!compared.ok()) return fail(compared.status());
  report.compared = *compared;
  if (Status s = PublishUpTo(local_last_seq); !s.ok()) return fail(s);
  report.published = local_last_seq - report.kafka_last_seq;
  SetHealth(Status::Ok());
  return report;
}

}  // namespace cityid
