#include "tools/kafka_ledger.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

#include "ledger/kafka/kafka_admin.h"
#include "stream/kafka/kafka_reader.h"

namespace cityid {

const char* PhaseName(KafkaLedger::Phase phase) {
  switch (phase) {
    case KafkaLedger::Phase::kStarting:
      return "starting";
    case KafkaLedger::Phase::kServing:
      return "serving";
    case KafkaLedger::Phase::kDiverged:
      return "diverged";
    case KafkaLedger::Phase::kFenced:
      return "fenced";
    case KafkaLedger::Phase::kFatal:
      return "fatal";
  }
  return "unknown";
}

void PublisherSlot::Publish(const std::vector<StoredEvent>& batch,
                            std::function<void(Status)> done) {
  current()->Publish(batch, std::move(done));
}

std::shared_ptr<KafkaPublisher> PublisherSlot::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

void PublisherSlot::Replace(std::shared_ptr<KafkaPublisher> next) {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_) retired_.push_back(std::move(current_));
  current_ = std::move(next);
}

Result<std::unique_ptr<KafkaLedger>> KafkaLedger::Open(
    LedgerOptions ledger_options, KafkaLedgerOptions options) {
  Status topics = EnsureTopics(options.kafka);
  if (topics.code() == Code::kConflict) return topics;
  std::unique_ptr<KafkaLedger> k(new KafkaLedger(std::move(options)));
  if (!topics.ok()) {
    spdlog::warn("kafka: topics not checked yet, will retry: {}",
                 topics.ToString());
    k->why_ = topics;
  }
  k->topics_ok_ = topics.ok();
  KafkaLedger* self = k.get();
  // The publisher reads events Kafka lacks from the ledger it is the sink
  // of; it only does so after Open below returned (from batches or from the
  // keeper), but a pointer set later is the honest way to say so.
  k->local_ = [self](uint64_t after,
                     size_t limit) -> Result<std::vector<StoredEvent>> {
    Ledger* ledger = self->open_ledger_.load();
    if (ledger == nullptr) return Unavailable("the ledger is not open yet");
    return ledger->ReadEvents(after, limit);
  };
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<KafkaPublisher> publisher,
                          KafkaPublisher::Create(k->options_.kafka, k->local_));
  k->slot_.Replace(std::move(publisher));
  ledger_options.sink = &k->slot_;
  CITYID_ASSIGN_OR_RETURN(k->vault_,
                          KafkaVaultPublisher::Create(k->options_.kafka));
  ledger_options.vault_sink = k->vault_.get();
  CITYID_ASSIGN_OR_RETURN(k->ledger_, Ledger::Open(ledger_options));
  k->open_ledger_ = k->ledger_.get();
  k->keeper_ = std::thread([self] { self->KeeperLoop(); });
  return k;
}

KafkaLedger::KafkaLedger(KafkaLedgerOptions options)
    : options_(std::move(options)) {}

KafkaLedger::~KafkaLedger() { Close(); }

void KafkaLedger::Close() {
  std::call_once(close_once_, [this] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (keeper_.joinable()) keeper_.join();
    // Queued commands finish (and publish) before the publisher goes.
    if (ledger_) ledger_->Close();
  });
}

KafkaLedger::Phase KafkaLedger::phase() const {
  std::lock_guard<std::mutex> lock(mu_);
  return phase_;
}

void KafkaLedger::SetPhase(Phase phase, Status why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (phase != phase_) {
    if (phase == Phase::kServing) {
      spdlog::info("kafka: {} -> serving", PhaseName(phase_));
    } else {
      spdlog::error("kafka: {} -> {}: {}", PhaseName(phase_), PhaseName(phase),
                    why.message());
    }
  }
  phase_ = phase;
  why_ = std::move(why);
}

Status KafkaLedger::Gate() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    switch (phase_) {
      case Phase::kServing:
        break;
      case Phase::kStarting:
        return Unavailable("kafka: not reconciled yet" +
                           (why_.ok() ? std::string() : ": " + why_.message()));
      default:
        return Unavailable(why_.message());
    }
  }
  Status health = publisher()->Health();
  if (health.ok()) return health;
  if (IsFencedStatus(health)) return health;
  return Unavailable("kafka is unavailable, not accepting commands: " +
                     health.message());
}

Status KafkaLedger::Ready() const {
  if (Status s = ledger_->Ready(); !s.ok()) return s;
  if (Status gate = Gate(); !gate.ok()) return gate;
  std::lock_guard<std::mutex> lock(mu_);
  return probe_;
}

void KafkaLedger::Submit(Command command, CommandContext context,
                         Callback done) {
  if (Status refused = Gate(); !refused.ok()) return done(refused);
  ledger_->Submit(
      std::move(command), std::move(context),
      [this, done = std::move(done)](Result<CommandResult> result) mutable {
        AnswerOncePublished(std::move(result), std::move(done));
      });
}

void KafkaLedger::AnswerOncePublished(Result<CommandResult> result,
                                      Callback done) {
  if (!result.ok()) return done(std::move(result));  // fencing: the keeper
  {
    std::lock_guard<std::mutex> lock(mu_);
    probe_ = Status::Ok();  // an answer after a publish: Kafka is reachable
  }
  // A fresh event was published before this callback; an answer replayed
  // from the idempotency store may name an event Kafka still lacks (its
  // first answer was a 503). Acknowledge it only once Kafka holds it.
  const uint64_t need = result->seq;
  if (need == 0 || publisher()->LastPublishedSeq() >= need)
    return done(std::move(result));
  publisher()->CatchUp(need, [result = std::move(result),
                              done = std::move(done)](Status s) mutable {
    if (s.ok()) return done(std::move(result));
    done(Unavailable(
        "the event is durable locally but not yet published to Kafka: " +
        s.message()));
  });
}

Status KafkaLedger::TryStart() {
  if (!topics_ok_) {
    Status topics = EnsureTopics(options_.kafka);
    if (topics.code() == Code::kConflict) {
      SetPhase(Phase::kFatal, topics);
      if (options_.on_fatal) options_.on_fatal(topics);
      return topics;
    }
    if (!topics.ok()) {
      SetPhase(Phase::kStarting, topics);
      return topics;
    }
    topics_ok_ = true;
  }
  const uint64_t local = ledger_->LastSeq();
  Result<ReconcileReport> report =
      publisher()->Reconcile(local, options_.reconcile_compare);
  if (report.ok()) {
    spdlog::info(
        "kafka: reconciled: kafka had seq {}, local log {}, compared {}, "
        "published {}",
        report->kafka_last_seq, report->local_last_seq, report->compared,
        report->published);
    SetPhase(Phase::kServing, Status::Ok());
    return Status::Ok();
  }
  const Status& s = report.status();
  if (IsFencedStatus(s)) {
    HandleFence(s);
  } else if (s.code() == Code::kCorruption) {
    SetPhase(Phase::kDiverged,
             Unavailable("kafka diverges from the local log, refusing to "
                         "serve: " +
                         s.message()));
  } else {
    if (s.code() == Code::kNotFound) topics_ok_ = false;
    spdlog::warn("kafka: reconciliation failed, will retry: {}", s.ToString());
    SetPhase(Phase::kStarting, s);
  }
  return s;
}

void KafkaLedger::CatchUpOnce() {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> future = promise->get_future();
  publisher()->CatchUp(ledger_->LastSeq(), [promise](Status s) {
    promise->set_value(std::move(s));
  });
  // The publisher bounds each attempt (commit and request timeouts); poll so
  // that Close() need not wait for it.
  while (future.wait_for(std::chrono::milliseconds(200)) !=
         std::future_status::ready) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
  }
  Status s = future.get();
  if (s.ok()) {
    spdlog::info("kafka: publishing works again; kafka holds seq {}",
                 publisher()->LastPublishedSeq());
  }
}

void KafkaLedger::HandleFence(Status fenced) {
  // A transaction that began before the failures started is older than
  // (failing time + one commit timeout); the coordinator aborts it (and
  // bumps the epoch: "fenced") once it is older than transaction_timeout_ms.
  const auto now = std::chrono::steady_clock::now();
  const auto old_enough =
      std::chrono::milliseconds(options_.kafka.transaction_timeout_ms) -
      std::chrono::milliseconds(options_.kafka.commit_timeout_ms) -
      options_.retry_interval;
  if (!failing_since_ || now - *failing_since_ < old_enough) {
    SetPhase(Phase::kFenced, std::move(fenced));
    return;
  }
  Result<std::unique_ptr<KafkaPublisher>> fresh =
      KafkaPublisher::Create(options_.kafka, local_);
  if (!fresh.ok()) {
    SetPhase(Phase::kFenced, std::move(fenced));
    return;
  }
  spdlog::warn(
      "kafka: fenced after {} s of failed publishing: taken for the "
      "coordinator aborting our timed-out transaction; reconciling again "
      "with a new producer",
      std::chrono::duration_cast<std::chrono::seconds>(now - *failing_since_)
          .count());
  slot_.Replace(std::move(fresh).value());
  failing_since_.reset();
  SetPhase(Phase::kStarting,
           Unavailable("kafka: producer re-initialised after the broker "
                       "aborted a timed-out transaction"));
}

void KafkaLedger::Probe() {
  const auto now = std::chrono::steady_clock::now();
  const uint64_t before = ledger_->LastSeq();
  if (before != probed_seq_) {  // busy: publishing tells the health
    probed_seq_ = before;
    probed_at_ = now;
    return;
  }
  if (now - probed_at_ < options_.probe_interval) return;
  probed_at_ = now;
  Status probe;
  if (!probe_reader_) {
    Result<std::unique_ptr<KafkaEventReader>> reader =
        KafkaEventReader::Open(options_.kafka);
    if (!reader.ok()) return;  // a rejected property failed Open already
    probe_reader_ = std::move(reader).value();
  }
  Result<uint64_t> kafka = probe_reader_->LastCommittedSeq();
  // Read after Kafka's: this ledger's own events reach Kafka only after its
  // LastSeq() covers them, so Kafka beyond it means another writer.
  const uint64_t local = ledger_->LastSeq();
  if (!kafka.ok()) {
    probe = Unavailable("kafka is unreachable: " + kafka.status().message());
  } else if (*kafka > local) {
    SetPhase(Phase::kDiverged,
             Unavailable("kafka diverges from the local log, refusing to "
                         "serve: Kafka holds events up to seq " +
                         std::to_string(*kafka) + " beyond the local log (" +
                         std::to_string(local) +
                         "): another ledger instance of this shard is "
                         "writing"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (probe.ok() != probe_.ok()) {
    if (probe.ok()) {
      spdlog::info("kafka: reachable again");
    } else {
      spdlog::warn("{}", probe.message());
    }
  }
  probe_ = std::move(probe);
}

void KafkaLedger::KeeperLoop() {
  std::chrono::milliseconds delay = options_.retry_interval;  // next backoff
  for (;;) {
    std::chrono::milliseconds wait = options_.retry_interval;
    switch (phase()) {
      case Phase::kStarting:
        if (TryStart().ok()) {
          delay = options_.retry_interval;
        } else {
          wait = delay;
          delay = std::min(delay * 2, options_.max_retry_interval);
        }
        break;
      case Phase::kServing:
        if (publisher()->IsFenced()) {
          HandleFence(publisher()->Health());
        } else if (!publisher()->Health().ok()) {
          if (!failing_since_)
            failing_since_ = std::chrono::steady_clock::now();
          CatchUpOnce();
        } else {
          failing_since_.reset();
          Probe();
        }
        break;
      default:
        break;  // diverged, fenced, fatal: nothing more to do
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, wait, [&] { return stopping_; })) {
      return;
    }
  }
}

Result<std::vector<StoredEvent>> KafkaLedger::ReadEvents(uint64_t after,
                                                         size_t limit) const {
  return ledger_->ReadEvents(after, limit);
}

uint64_t KafkaLedger::LastSeq() const { return ledger_->LastSeq(); }

void KafkaLedger::WaitForEvents(uint64_t after, Micros timeout,
                                std::function<void()> fn) {
  ledger_->WaitForEvents(after, timeout, std::move(fn));
}

Result<CardView> KafkaLedger::GetCard(const std::string& card_id) const {
  return ledger_->GetCard(card_id);
}

Result<ResidentView> KafkaLedger::GetResidentState(
    const std::string& resident_id) const {
  return ledger_->GetResidentState(resident_id);
}

}  // namespace cityid
