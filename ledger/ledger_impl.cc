#include "ledger/ledger_impl.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <future>
#include <set>

#include "ledger/retention.h"

namespace cityid {
namespace {

constexpr char kListSizeKey[] = "status_list_size";
constexpr char kKekIdKey[] = "kek_id";
constexpr char kRetentionIndexKey[] = "retention_index";
constexpr char kRetentionActor[] = "system:retention";
constexpr char kVaultOutboxPrefix[] = "vault_outbox/";
constexpr size_t kVaultBacklogLimit = 1000;

constexpr std::chrono::seconds kRecoveryProbeInterval(1);
// Batches written locally but not yet answered (in Kafka mode: not yet
// committed in Kafka) before the writer waits for the publisher.
constexpr size_t kMaxUnansweredBatches = 8;

Status ClosedStatus() { return Unavailable("ledger is closed"); }

// A thread running `loop` of `impl`, named (at most 15 characters) for top
// and perf.
std::thread NamedThread(const char* name, LedgerImpl* impl,
                        void (LedgerImpl::*loop)()) {
  return std::thread([name, impl, loop] {
    pthread_setname_np(pthread_self(), name);
    (impl->*loop)();
  });
}

// Adds the nanoseconds of its scope to `sum` (writer thread: one writer, so a
// relaxed add suffices; readers only sample).
class NanoTimer {
 public:
  explicit NanoTimer(std::atomic<uint64_t>& sum)
      : sum_(sum), started_(std::chrono::steady_clock::now()) {}
  ~NanoTimer() {
    sum_.fetch_add(static_cast<uint64_t>(
                       std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now() - started_)
                           .count()),
                   std::memory_order_relaxed);
  }
  NanoTimer(const NanoTimer&) = delete;
  NanoTimer& operator=(const NanoTimer&) = delete;

 private:
  std::atomic<uint64_t>& sum_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

Result<std::unique_ptr<Ledger>> Ledger::Open(const LedgerOptions& options) {
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<LedgerImpl> impl,
                          LedgerImpl::Open(options));
  return std::unique_ptr<Ledger>(std::move(impl));
}

Result<std::unique_ptr<LedgerImpl>> LedgerImpl::Open(
    const LedgerOptions& options) {
  if (options.data_dir.empty()) return InvalidArgument("data_dir is required");
  if (options.max_batch == 0)
    return InvalidArgument("max_batch must be positive");
  if (options.clock == nullptr) return InvalidArgument("clock is required");
  CITYID_RETURN_IF_ERROR(options.policy.Check());
  std::unique_ptr<LedgerImpl> impl(new LedgerImpl(options));
  CITYID_RETURN_IF_ERROR(impl->Init());
  impl->writer_ =
      NamedThread("ledger-writer", impl.get(), &LedgerImpl::WriterLoop);
  impl->publisher_ =
      NamedThread("ledger-publish", impl.get(), &LedgerImpl::PublisherLoop);
  impl->notifier_ =
      NamedThread("ledger-notify", impl.get(), &LedgerImpl::NotifierLoop);
  if (options.retention_days > 0 && options.retention_sweep_interval > 0) {
    impl->retention_ =
        NamedThread("ledger-retain", impl.get(), &LedgerImpl::RetentionLoop);
  }
  return impl;
}

LedgerImpl::LedgerImpl(const LedgerOptions& options)
    : options_(options),
      floor_(options.min_free_bytes, options.free_space_probe
                                         ? options.free_space_probe
                                         : StatvfsProbe(options.data_dir)),
      slots_(std::make_unique<StatusSlots>(options.status_list_size)) {}

LedgerImpl::~LedgerImpl() { Close(); }

Status LedgerImpl::Init() {
  CITYID_ASSIGN_OR_RETURN(
      vault_, Vault::Open(options_.kek_file, options_.blind_index_key_file));
  namespace fs = std::filesystem;
  fs::path dir = fs::path(options_.data_dir) / "ledger";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return Unavailable("cannot create " + dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);

  std::vector<std::string> extra;
  for (LogExtension* ext : options_.extensions) {
    for (std::string& name : ext->ColumnFamilies())
      extra.push_back(std::move(name));
  }
  CITYID_ASSIGN_OR_RETURN(
      log_, RocksLog::Open(dir.string(), extra, options_.storage));

  // The slot layout depends on the list size: refuse to reinterpret it.
  std::string size_bytes = BigEndian64(options_.status_list_size);
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          log_->Get(Cf::kMeta, kListSizeKey));
  if (stored && *stored != size_bytes) {
    return InvalidArgument(
        "status_list_size differs from the one this ledger was created with (" +
        std::to_string(ReadBigEndian64(*stored)) + ")");
  }
  if (!stored) {
    rocksdb::WriteBatch wb;
    wb.Put(log_->handle(Cf::kMeta), kListSizeKey, size_bytes)
        .PermitUncheckedError();
    CITYID_RETURN_IF_ERROR(log_->Write(wb));
  }
  CITYID_RETURN_IF_ERROR(CheckKek());
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> indexed,
                          log_->Get(Cf::kMeta, kRetentionIndexKey));
  if (!indexed) CITYID_RETURN_IF_ERROR(BackfillRetentionIndex(*log_));
  // Vault records an earlier run could not publish go out with the next batch.
  vault_backlog_ = options_.vault_sink != nullptr;
  CITYID_ASSIGN_OR_RETURN(uint64_t last, log_->LastEventSeq());
  last_seq_.store(last);
  CITYID_RETURN_IF_ERROR(slots_->Load(*log_));

  std::vector<rocksdb::ColumnFamilyHandle*> handles = log_->ExtraHandles();
  size_t next = 0;
  for (LogExtension* ext : options_.extensions) {
    size_t n = ext->ColumnFamilies().size();
    std::vector<rocksdb::ColumnFamilyHandle*> mine(handles.begin() + next,
                                                   handles.begin() + next + n);
    next += n;
    ext->SetEventReader([log = log_.get()](uint64_t after, size_t limit) {
      return log->ReadEvents(after, limit);
    });
    ext->SetWriteGate(
        [floor = &floor_](uint64_t bytes) { return floor->Check(bytes); });
    CITYID_RETURN_IF_ERROR(ext->OnOpen(log_->db(), mine, last));
    ++opened_extensions_;
  }
  return Status::Ok();
}

// The vault must be opened with the KEK that wrapped its data keys: a wrong
// one would read nothing and wrap new keys under a KEK nobody keeps. The
// KEK's fingerprint is kept in meta; a ledger without one (created before
// it existed) proves its KEK on the first wrapped key, then records it.
Status LedgerImpl::CheckKek() {
  const std::string id = vault_->KekId();
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          log_->Get(Cf::kMeta, kKekIdKey));
  if (stored) {
    if (*stored == id) return Status::Ok();
    return InvalidArgument(
        "the key-encryption key " + options_.kek_file + " (kek_id " + id +
        ") is not this vault's (kek_id " + *stored +
        "); if `cityid keys rotate-kek` was interrupted, run it again");
  }
  Status proven = Status::Ok();
  Status scanned = log_->ForEach(
      Cf::kVaultKeys, "", [&](std::string_view rid, std::string_view wrapped) {
        proven = vault_->CheckWrappedKey(rid, wrapped);
        return Conflict("stop");  // one entry is enough
      });
  if (!proven.ok()) {
    return InvalidArgument("the key-encryption key " + options_.kek_file +
                           " does not open this vault's data keys");
  }
  if (!scanned.ok() && scanned.code() != Code::kConflict) return scanned;
  rocksdb::WriteBatch wb;
  wb.Put(log_->handle(Cf::kMeta), kKekIdKey, id).PermitUncheckedError();
  return log_->Write(wb);
}

void LedgerImpl::RetentionLoop() {
  const auto interval =
      std::chrono::microseconds(options_.retention_sweep_interval);
  std::unique_lock<std::mutex> lock(retention_mu_);
  for (;;) {
    if (retention_cv_.wait_for(lock, interval, [&] { return retention_stop_; }))
      return;
    lock.unlock();
    // Sweep until a pass erases less than its limit (a backlog drains in
    // consecutive batches, each bounded).
    for (;;) {
      CommandContext ctx;
      ctx.actor = kRetentionActor;
      Result<CommandResult> r =
          Execute(RetentionSweepCommand{options_.retention_sweep_limit}, ctx);
      if (!r.ok()) {
        spdlog::warn("ledger: retention sweep failed: {}",
                     r.status().ToString());
        break;
      }
      if (!r->erased_residents.empty()) {
        spdlog::info("ledger: retention erased {} resident(s), last seq {}",
                     r->erased_residents.size(), r->seq);
      }
      if (r->erased_residents.size() < options_.retention_sweep_limit) break;
    }
    lock.lock();
  }
}

DecideEnv LedgerImpl::Env() const {
  return DecideEnv{options_.clock->Now(), options_.cards, options_.pii_fields,
                   options_.retention_days, options_.policy};
}

void LedgerImpl::Submit(Command command, CommandContext context,
                        Callback done) {
  // On the caller's thread, so that callers in parallel keep it off the
  // writer. vault_ is immutable and thread-safe once open.
  std::optional<PreparedCommand> prepared =
      PrepareCommand(command, *vault_, Env());
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (!closing_) {
      queue_.push_back({std::move(command), std::move(context), std::move(done),
                        std::move(prepared)});
      queue_cv_.notify_one();
      return;
    }
  }
  done(ClosedStatus());
}

WriterStats LedgerImpl::GetWriterStats() const {
  WriterStats s;
  s.commands = stat_commands_.load(std::memory_order_relaxed);
  s.batches = stat_batches_.load(std::memory_order_relaxed);
  s.decide_nanos = stat_decide_nanos_.load(std::memory_order_relaxed);
  s.write_nanos = stat_write_nanos_.load(std::memory_order_relaxed);
  s.publish_nanos = stat_publish_nanos_.load(std::memory_order_relaxed);
  return s;
}

void LedgerImpl::WriterLoop() {
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      auto ready = [&] { return closing_ || !queue_.empty(); };
      if (!queue_cv_.wait_for(lock, kRecoveryProbeInterval, ready)) {
        // Idle after a failed write, or while RocksDB reports a background
        // error (which comes without a failed command): probe the disk now
        // and then, so Ready() recovers even when no command arrives (e.g.
        // /readyz took the ledger out of rotation).
        lock.unlock();
        if (HasWriteError()) ProbeRecovery();
        continue;
      }
      if (queue_.empty()) return;  // closing and drained
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(batch);
  }
}

bool LedgerImpl::HasWriteError() const {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (!write_error_.ok()) return true;
  }
  // Writer thread: log_ lives until the writer has stopped.
  return !log_->BackgroundError().ok();
}

void LedgerImpl::ProbeRecovery() {
  rocksdb::WriteBatch wb;
  wb.Put(log_->handle(Cf::kMeta), "last_seq", BigEndian64(last_seq_.load()))
      .PermitUncheckedError();
  if (!floor_.Check(wb.GetDataSize()).ok()) return;
  ResumeIfRoom();  // the probe write tells
  Status s = log_->Write(wb);
  if (s.ok()) spdlog::info("ledger: storage accepts writes again");
  SetWriteError(std::move(s));
}

// Resume() flushes every memtable: it waits until that fits above the
// floor, so retries on a disk that is still full neither eat the space the
// floor keeps nor fail the flush over and over.
void LedgerImpl::ResumeIfRoom() {
  if (!floor_.Check(log_->MemtableBytes()).ok()) return;
  log_->Resume().PermitUnchecked();
}

void LedgerImpl::RunBatch(std::vector<Pending>& pending) {
  const auto started = std::chrono::steady_clock::now();
  const uint64_t waited_before = WaitedNanos();
  if (HasWriteError()) ResumeIfRoom();  // the batch's write below tells
  LedgerBatch batch(*log_, *vault_, *slots_, Env(), last_seq_.load());
  std::vector<Result<CommandResult>> answers;
  answers.reserve(pending.size());
  for (Pending& p : pending) {
    answers.push_back(batch.Execute(p.command, p.context,
                                    p.prepared ? &*p.prepared : nullptr));
  }

  Status committed = batch.empty() ? Status::Ok() : CommitLocally(batch);
  std::vector<AckQueue::Answer> out;
  out.reserve(pending.size());
  for (size_t i = 0; i < pending.size(); ++i) {
    // A failed write fails the whole batch: even a refusal may have rested
    // on an earlier command of the batch that never became durable.
    out.push_back({std::move(pending[i].done),
                   committed.ok() ? std::move(answers[i])
                                  : Result<CommandResult>(committed)});
  }
  const bool publish = committed.ok() && !batch.empty() && HasSinks();
  {
    // Back-pressure: a publisher that falls behind slows the writer down
    // instead of queueing without bound.
    NanoTimer timer(stat_publish_nanos_);
    acks_.WaitBelow(kMaxUnansweredBatches);
  }
  // Accounted before any answer is released, so a caller that got its
  // answer sees its command counted.
  const uint64_t total = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now() - started)
          .count());
  const uint64_t waited = WaitedNanos() - waited_before;
  stat_commands_.fetch_add(pending.size(), std::memory_order_relaxed);
  stat_batches_.fetch_add(1, std::memory_order_relaxed);
  stat_decide_nanos_.fetch_add(total > waited ? total - waited : 0,
                               std::memory_order_relaxed);
  // The answers are released by the publisher thread, not here: rendering
  // and sending them is not the writer's work.
  const uint64_t ticket = acks_.Add(std::move(out));
  std::lock_guard<std::mutex> lock(publish_mu_);
  PublishJob job{ticket, publish, {}, {}};
  if (publish) {
    job.vault_changed = batch.vault_changed();
    job.events = batch.events();
  }
  publish_queue_.push_back(std::move(job));
  publish_cv_.notify_one();
}

uint64_t LedgerImpl::WaitedNanos() const {
  return stat_write_nanos_.load(std::memory_order_relaxed) +
         stat_publish_nanos_.load(std::memory_order_relaxed);
}

bool LedgerImpl::HasSinks() const {
  return options_.sink != nullptr || options_.vault_sink != nullptr;
}

// Answers each batch in order. A batch with nothing to publish (embedded
// mode, a batch of refusals, a failed write) is released at once. Otherwise
// it publishes the batch's vault records (synchronously), then its events
// (the sink's own thread commits them and completes the batch's ticket). A
// batch whose vault records could not be published is answered with that error
// and its events are not handed over: the next batch's publication reads them
// from the local log first (kafka_publisher.h), so Kafka never misses one.
void LedgerImpl::PublisherLoop() {
  for (;;) {
    PublishJob job;
    {
      std::unique_lock<std::mutex> lock(publish_mu_);
      publish_cv_.wait(
          lock, [&] { return publish_stop_ || !publish_queue_.empty(); });
      if (publish_queue_.empty()) return;  // stopping and drained
      job = std::move(publish_queue_.front());
      publish_queue_.pop_front();
    }
    if (!job.publish) {
      acks_.Complete(job.ticket, Status::Ok());
      continue;
    }
    if (options_.vault_sink != nullptr) {
      Status vault = PublishVault(job.vault_changed);
      if (!vault.ok()) {
        acks_.Complete(job.ticket, std::move(vault));
        continue;
      }
    }
    if (options_.sink == nullptr) {
      acks_.Complete(job.ticket, Status::Ok());
      continue;
    }
    options_.sink->Publish(job.events, [this, ticket = job.ticket](Status s) {
      if (!s.ok()) {
        s = Unavailable("events are durable locally but not yet published: " +
                        s.message());
      }
      acks_.Complete(ticket, std::move(s));
    });
  }
}

Status LedgerImpl::CommitLocally(LedgerBatch& batch) {
  Status written = WriteBatch(batch);
  if (!written.ok()) return written;
  if (!batch.erased_keys().empty()) {
    Status compacted = log_->CompactKeys(batch.erased_keys());
    if (!compacted.ok()) {
      spdlog::error("ledger: vault compaction after erasure failed: {}",
                    compacted.ToString());
    }
    // The operator's trail of erasures: ids and seqs only.
    for (const auto& [cf, key] : batch.erased_keys()) {
      if (cf != Cf::kVaultKeys) continue;
      spdlog::info(
          "ledger: vault entry of resident {} destroyed{} (batch up "
          "to seq {})",
          key, compacted.ok() ? " and compacted" : "", batch.last_seq());
    }
  }
  Status journaled = JournalErasures(batch);
  last_seq_.store(batch.last_seq());
  {
    std::lock_guard<std::mutex> lock(waiters_mu_);
    waiters_cv_.notify_all();
  }
  return journaled;
}

Status LedgerImpl::JournalErasures(const LedgerBatch& batch) const {
  if (!options_.on_erased) return Status::Ok();
  std::vector<std::string> ids;
  for (const auto& [cf, key] : batch.erased_keys()) {
    if (cf == Cf::kVaultKeys) ids.push_back(key);
  }
  if (ids.empty()) return Status::Ok();
  Status s = options_.on_erased(ids);
  if (s.ok()) return s;
  spdlog::error("ledger: erasure journal not written (batch up to seq {}): {}",
                batch.last_seq(), s.ToString());
  return Unavailable("erasure is durable but not journaled: " + s.message());
}

Status LedgerImpl::WriteBatch(LedgerBatch& batch) {
  rocksdb::WriteBatch wb;
  Status s = batch.StageRetention();
  if (s.ok()) batch.Build(wb);
  if (s.ok() && options_.vault_sink != nullptr) {
    for (const std::string& rid : batch.vault_changed()) {
      wb.Put(log_->handle(Cf::kMeta), kVaultOutboxPrefix + rid, "")
          .PermitUncheckedError();
    }
  }
  size_t added = 0;
  for (; s.ok() && added < options_.extensions.size(); ++added) {
    s = options_.extensions[added]->AddToBatch(batch.events(), wb);
  }
  bool refused = false;  // by the floor: RocksDB never saw the batch
  if (s.ok()) {
    s = floor_.Check(wb.GetDataSize());
    refused = !s.ok();
  }
  if (s.ok()) {
    NanoTimer timer(stat_write_nanos_);
    s = log_->Write(wb);
  }
  for (size_t i = 0; i < added; ++i)
    options_.extensions[i]->OnBatchDone(s.ok());
  if (!s.ok()) {
    slots_->AbortLastBatch();
    if (refused) return s;  // Ready() reports it while it lasts
    spdlog::error("ledger: batch write failed, seq stays {}: {}",
                  last_seq_.load(), s.ToString());
    SetWriteError(s);
    return Unavailable("storage cannot accept writes now: " + s.message());
  }
  SetWriteError(Status::Ok());
  return Status::Ok();
}

// Sends the current vault entry of every changed resident and of every
// resident left in the outbox by an earlier failure, then clears their
// outbox entries. Publisher thread.
Status LedgerImpl::PublishVault(const std::vector<std::string>& changed) {
  std::set<std::string> rids(changed.begin(), changed.end());
  bool more = false;
  if (vault_backlog_) {
    Status scanned = log_->ForEach(
        Cf::kMeta, kVaultOutboxPrefix, [&](std::string_view key, auto) {
          if (rids.size() >= changed.size() + kVaultBacklogLimit) {
            more = true;
            return Conflict("stop");
          }
          rids.emplace(key.substr(sizeof(kVaultOutboxPrefix) - 1));
          return Status::Ok();
        });
    if (!scanned.ok() && !more) return scanned;
  }
  if (rids.empty()) return Status::Ok();
  std::vector<VaultRecord> records;
  for (const std::string& rid : rids) {
    VaultRecord r{rid, std::nullopt, std::nullopt};
    CITYID_ASSIGN_OR_RETURN(std::optional<std::string> key,
                            log_->Get(Cf::kVaultKeys, rid));
    CITYID_ASSIGN_OR_RETURN(std::optional<std::string> data,
                            log_->Get(Cf::kVaultData, rid));
    if (key && data) {
      r.wrapped_key = std::move(key);
      r.ciphertext = std::move(data);
    }
    records.push_back(std::move(r));
  }
  if (Status s = options_.vault_sink->Publish(records); !s.ok()) {
    vault_backlog_ = true;
    spdlog::warn("ledger: {} vault record(s) not yet published: {}",
                 records.size(), s.ToString());
    return Unavailable(
        "events are durable locally but the vault is not yet "
        "published: " +
        s.message());
  }
  rocksdb::WriteBatch wb;
  for (const std::string& rid : rids) {
    wb.Delete(log_->handle(Cf::kMeta), kVaultOutboxPrefix + rid)
        .PermitUncheckedError();
  }
  if (Status room = floor_.Check(wb.GetDataSize()); !room.ok()) {
    // The records are published; their outbox entries only mean "send
    // again", which a later batch does harmlessly.
    vault_backlog_ = true;
    return Status::Ok();
  }
  vault_backlog_ = more;
  // Unsynced: a lost delete only sends the records again, harmlessly, and
  // the next synced batch makes it durable anyway.
  return log_->Write(wb, /*sync=*/false);
}

void LedgerImpl::SetWriteError(Status s) {
  std::lock_guard<std::mutex> lock(state_mu_);
  write_error_ = std::move(s);
}

Status LedgerImpl::Ready() const {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (closed_) return ClosedStatus();
  }
  CITYID_RETURN_IF_ERROR(floor_.Check());
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (!write_error_.ok())
      return Unavailable("last write failed: " + write_error_.message());
  }
  // A failed flush or compaction stops RocksDB's writes before any command
  // fails; the writer's probe resumes it once the floor is met.
  std::shared_lock<std::shared_mutex> db_lock(db_mu_);
  if (!log_) return ClosedStatus();
  return log_->BackgroundError();
}

void LedgerImpl::Close() {
  std::call_once(close_once_, [this] {
    {
      std::lock_guard<std::mutex> lock(retention_mu_);
      retention_stop_ = true;
      retention_cv_.notify_all();
    }
    if (retention_.joinable()) retention_.join();
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      closing_ = true;
      queue_cv_.notify_all();
    }
    if (writer_.joinable()) writer_.join();
    {
      std::lock_guard<std::mutex> lock(publish_mu_);
      publish_stop_ = true;
      publish_cv_.notify_all();
    }
    if (publisher_.joinable()) publisher_.join();
    // Every batch handed to the sink is answered (committed, or failed after
    // the sink's bounded wait) before the ledger goes away.
    acks_.WaitBelow(0);
    {
      std::lock_guard<std::mutex> lock(waiters_mu_);
      notifier_stop_ = true;
      waiters_cv_.notify_all();
    }
    if (notifier_.joinable()) notifier_.join();
    std::unique_lock<std::shared_mutex> db_lock(db_mu_);
    for (size_t i = 0; i < opened_extensions_; ++i)
      options_.extensions[i]->OnClose();
    log_.reset();
    std::lock_guard<std::mutex> lock(state_mu_);
    closed_ = true;
  });
}

}  // namespace cityid
