#include "ledger/integrity/checkpointer.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace cityid {
namespace {

std::string Str(uint64_t v) { return std::to_string(v); }

// The text of a note, unverified: for a stored checkpoint signed by a key
// that has since been rotated out (local history is trusted for continuity).
Result<Checkpoint> ParseUnverified(std::string_view note) {
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return Malformed("stored checkpoint is not a signed note");
  }
  return ParseCheckpoint(note.substr(0, split + 1));
}

}  // namespace

Result<std::unique_ptr<Checkpointer>> Checkpointer::Create(
    const MerkleTree* tree, CheckpointerOptions options) {
  std::unique_ptr<Checkpointer> c(new Checkpointer(tree, std::move(options)));
  CITYID_RETURN_IF_ERROR(c->Restore());
  CITYID_ASSIGN_OR_RETURN(std::string note, c->SignLatest());
  return c;
}

Checkpointer::~Checkpointer() { Stop(); }

Status Checkpointer::Restore() {
  if (options_.history == nullptr) return Status::Ok();
  Result<StoredCheckpoint> stored = options_.history->Latest();
  if (!stored.ok()) {
    if (stored.status().code() == Code::kNotFound) return Status::Ok();
    return stored.status();
  }
  NoteVerifier verifier = options_.signer.Verifier();
  Result<Checkpoint> c = OpenCheckpoint(
      stored->note, std::span<const NoteVerifier>(&verifier, 1), "");
  bool rotated = !c.ok() && c.status().code() == Code::kNotFound;
  if (rotated) c = ParseUnverified(stored->note);
  if (!c.ok()) {
    return Status(c.status().code(), "latest stored checkpoint (size " +
                                         Str(stored->size) +
                                         "): " + c.status().message());
  }
  if (c->origin != options_.origin) {
    return InvalidArgument("latest stored checkpoint names origin '" +
                           c->origin + "', not '" + options_.origin + "'");
  }
  std::lock_guard<std::mutex> sign_lock(sign_mu_);
  std::lock_guard<std::mutex> lock(latest_mu_);
  latest_ = *c;
  // After a key rotation the note is re-signed (SignLatest sees no note).
  latest_note_ = rotated ? "" : stored->note;
  return Status::Ok();
}

Result<std::string> Checkpointer::SignLatest() {
  std::lock_guard<std::mutex> sign_lock(sign_mu_);
  TreeHead head = tree_->Head();
  {
    std::lock_guard<std::mutex> lock(latest_mu_);
    if (!latest_note_.empty() && head.size == latest_.size &&
        head.root == latest_.root) {
      return latest_note_;
    }
  }
  CITYID_RETURN_IF_ERROR(SignHead(head));
  return LatestNote();
}

Status Checkpointer::SignHead(const TreeHead& head) {
  Checkpoint previous = LatestCheckpoint();
  bool have_previous = !previous.origin.empty();
  if (have_previous) {
    if (head.size < previous.size) {
      return Corruption("log shrank from signed size " + Str(previous.size) +
                        " to " + Str(head.size) + "; refusing to sign");
    }
    CITYID_ASSIGN_OR_RETURN(MerkleHash root, tree_->RootAt(previous.size));
    if (root != previous.root) {
      return Corruption("log's root at signed size " + Str(previous.size) +
                        " differs from its checkpoint; refusing to sign");
    }
  }
  Checkpoint next{options_.origin, head.size, head.root, {}};
  CITYID_ASSIGN_OR_RETURN(std::string note,
                          SignCheckpoint(next, options_.signer));
  if (options_.history != nullptr) {
    CITYID_RETURN_IF_ERROR(options_.history->Put(head.size, note));
  }
  std::lock_guard<std::mutex> lock(latest_mu_);
  latest_ = std::move(next);
  latest_note_ = std::move(note);
  return Status::Ok();
}

std::string Checkpointer::LatestNote() const {
  std::lock_guard<std::mutex> lock(latest_mu_);
  return latest_note_;
}

Checkpoint Checkpointer::LatestCheckpoint() const {
  std::lock_guard<std::mutex> lock(latest_mu_);
  return latest_;
}

void Checkpointer::Start(std::chrono::milliseconds period) {
  std::lock_guard<std::mutex> lock(thread_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this, period] {
    std::unique_lock<std::mutex> lock(thread_mu_);
    while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
      lock.unlock();
      Result<std::string> note = SignLatest();
      if (!note.ok()) {
        spdlog::error("checkpoint signing failed: {}",
                      note.status().ToString());
      }
      lock.lock();
    }
  });
}

void Checkpointer::Stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    stopping_ = true;
    thread = std::move(thread_);
  }
  wake_.notify_all();
  if (thread.joinable()) thread.join();
}

}  // namespace cityid
