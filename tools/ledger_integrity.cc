#include "tools/ledger_integrity.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "api/integrity_routes.h"
#include "tools/bootstrap.h"
#include "tools/key_files.h"

namespace cityid {

std::string CheckpointOrigin(const Config& config) {
  std::string origin = config.GetString("checkpoint.origin");
  return origin.empty() ? kDefaultCheckpointOrigin : origin;
}

Status EnsureCheckpointKey(const std::string& path, const std::string& origin) {
  if (std::filesystem::exists(path)) return Status::Ok();
  if (!IsValidNoteKeyName(origin)) {
    return InvalidArgument(
        "checkpoint.origin must be a note key name: no spaces, no '+'");
  }
  CITYID_ASSIGN_OR_RETURN(NoteSigner signer, NoteSigner::Generate(origin));
  return WriteSecretFileOnce(path, signer.ToString() + "\n");
}

Result<NoteSigner> LoadCheckpointSigner(const std::string& path) {
  CITYID_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  while (!text.empty() &&
         (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  Result<NoteSigner> signer = NoteSigner::Parse(text);
  if (!signer.ok())
    return Malformed(path +
                     " is not a note signer key: " + signer.status().message());
  return signer;
}

Result<std::unique_ptr<LedgerIntegrity>> LedgerIntegrity::Create(
    const Config& config) {
  const DataLayout layout = LayoutFor(config);
  CITYID_ASSIGN_OR_RETURN(NoteSigner signer,
                          LoadCheckpointSigner(layout.checkpoint_key));
  int64_t interval_ms = 1000;
  if (config.Has("checkpoint.interval_ms")) {
    CITYID_ASSIGN_OR_RETURN(interval_ms,
                            config.GetInt("checkpoint.interval_ms"));
    if (interval_ms <= 0 || interval_ms > 1000) {
      return InvalidArgument(
          "checkpoint.interval_ms must be 1..1000 (SPEC §7: at least every "
          "second)");
    }
  }
  const std::string origin = CheckpointOrigin(config);
  if (signer.name() != origin) {
    spdlog::warn(
        "checkpoint key {} is named '{}' but checkpoint.origin is '{}'; "
        "verifiers expect them equal",
        layout.checkpoint_key, signer.name(), origin);
  }
  return std::unique_ptr<LedgerIntegrity>(new LedgerIntegrity(
      origin, std::move(signer), std::chrono::milliseconds(interval_ms)));
}

LedgerIntegrity::~LedgerIntegrity() {
  if (checkpointer_) checkpointer_->Stop();
}

Status LedgerIntegrity::Start() {
  if (merkle_.tree() == nullptr)
    return Internal("LedgerIntegrity::Start before the ledger opened");
  CITYID_ASSIGN_OR_RETURN(
      checkpointer_,
      Checkpointer::Create(merkle_.tree(),
                           {origin_, signer_, merkle_.checkpoints()}));
  checkpointer_->Start(interval_);
  const Checkpoint head = checkpointer_->LatestCheckpoint();
  spdlog::info("checkpoints: origin {}, signed size {}, key {}", origin_,
               head.size, checkpointer_->VerifierKey());
  return Status::Ok();
}

void LedgerIntegrity::RegisterRoutes(Router& router) const {
  RegisterIntegrityRoutes(router, *merkle_.tree(), *checkpointer_);
}

std::vector<std::string> LedgerIntegrity::ColumnFamilies() const {
  return merkle_.ColumnFamilies();
}

Status LedgerIntegrity::OnOpen(
    rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
    uint64_t last_seq) {
  return merkle_.OnOpen(db, handles, last_seq);
}

Status LedgerIntegrity::AddToBatch(const std::vector<StoredEvent>& events,
                                   rocksdb::WriteBatch& batch) {
  return merkle_.AddToBatch(events, batch);
}

void LedgerIntegrity::OnBatchDone(bool durable) {
  merkle_.OnBatchDone(durable);
}

void LedgerIntegrity::OnClose() {
  if (checkpointer_) {
    checkpointer_->Stop();
    // A last signature, so a cleanly stopped ledger's history covers its
    // whole log (errors are logged; the history stays consistent anyway).
    if (auto s = checkpointer_->SignLatest(); !s.ok())
      spdlog::warn("final checkpoint not signed: {}", s.status().ToString());
  }
  merkle_.OnClose();
}

}  // namespace cityid
