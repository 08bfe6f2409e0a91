// Checkpointer: signs the Merkle tree's committed head as a C2SP checkpoint
// (checkpoint.h) whenever it has grown, keeps the latest signed note for
// GET /v1/checkpoint, and records each one in the CheckpointStore history.
//
// It never signs a checkpoint inconsistent with the previous one (C2SP
// tlog-checkpoint §Signatures): before signing size n after size m it checks
// that the tree's root at m is still the root it signed for m. A tree that
// shrank or whose old root changed means the log was rewritten: SignLatest()
// then returns kCorruption and signs nothing.
//
// Threading: all methods are thread-safe. Start() runs SignLatest() on its
// own thread every `period` until Stop() (or destruction); failures there are
// logged with spdlog and retried at the next period.
#ifndef CITYID_LEDGER_INTEGRITY_CHECKPOINTER_H_
#define CITYID_LEDGER_INTEGRITY_CHECKPOINTER_H_

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "ledger/integrity/checkpoint.h"
#include "ledger/integrity/checkpoint_store.h"
#include "ledger/integrity/merkle_tree.h"
#include "ledger/integrity/signed_note.h"

namespace cityid {

struct CheckpointerOptions {
  std::string origin;                  // the log's origin line
  NoteSigner signer;                   // its key name SHOULD equal origin
  CheckpointStore* history = nullptr;  // borrowed; null keeps no history
};

class Checkpointer {
 public:
  // Restores the latest checkpoint from the history and signs the tree's
  // current head if it grew (or if nothing was signed yet). The restored note
  // must verify with the signer's key (else OpenNote's error; one signed by
  // another key is taken as a key rotation: its body is trusted for the
  // consistency check and the head is re-signed) and name this origin (else
  // kInvalidArgument); then the consistency check above applies (kCorruption).
  // `tree` is borrowed.
  static Result<std::unique_ptr<Checkpointer>> Create(
      const MerkleTree* tree, CheckpointerOptions options);
  ~Checkpointer();

  // Signs and records the tree's committed head if it differs in size from
  // the latest signed one; returns the latest signed note either way.
  // kCorruption as above; storage errors from the history.
  Result<std::string> SignLatest();

  std::string LatestNote() const;
  Checkpoint LatestCheckpoint() const;
  // The verifier key text for GET /v1/keys.
  std::string VerifierKey() const {
    return options_.signer.Verifier().ToString();
  }

  // Runs SignLatest() every `period` on a background thread. Idempotent.
  void Start(std::chrono::milliseconds period);
  // Stops and joins the background thread. Idempotent.
  void Stop();

 private:
  Checkpointer(const MerkleTree* tree, CheckpointerOptions options)
      : tree_(tree), options_(std::move(options)) {}
  Status Restore();
  // Signs `head`; requires sign_mu_.
  Status SignHead(const TreeHead& head);

  const MerkleTree* tree_;
  const CheckpointerOptions options_;

  std::mutex sign_mu_;  // serializes SignLatest
  mutable std::mutex latest_mu_;
  std::string latest_note_;  // guarded by latest_mu_
  Checkpoint latest_;        // guarded by latest_mu_

  std::mutex thread_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by thread_mu_
  std::thread thread_;
};

}  // namespace cityid

#endif  // CITYID_LEDGER_INTEGRITY_CHECKPOINTER_H_
