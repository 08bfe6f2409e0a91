// LedgerIntegrity: the Merkle log and signed checkpoints of `cityid ledger`
// (SPEC §7), set up from config. It is the ledger's LogExtension (wrapping
// ledger/integrity/merkle_log_extension.h) and owns the Checkpointer, so that
// closing the ledger stops the signer before the tree goes away, whatever the
// order in which the caller's objects die.
//
// Config:
//   checkpoint.origin       the checkpoint origin line and key name
//                           (default kDefaultCheckpointOrigin)
//   checkpoint.interval_ms  how often the head is signed while it grows
//                           (default 1000: SPEC §7 "at least every second")
// Key: <keys>/checkpoint.key, the C2SP signer key text
// (ledger/integrity/signed_note.h), created on first start by BootstrapDataDir
// (mode 0600). Its verifier key is served at GET /v1/keys and is what `cityid
// audit` checks checkpoints with.
//
// Wiring (tools/cmd_ledger.cc):
//   auto integrity = LedgerIntegrity::Create(config);   // before Ledger::Open
//   options.extensions.push_back(integrity->get());     // must outlive it
//   auto ledger = Ledger::Open(options);
//   integrity->Start();                      // restores history, signs head
//   integrity->RegisterRoutes(router);        // api/integrity_routes.h
//   ... server.Stop(); ledger->Close();      // Close stops the signer first
//
// Threading: LogExtension calls as the ledger makes them; Start on the
// opening thread; tree() and checkpointer() from any thread between Start
// and the ledger's Close.
#ifndef CITYID_TOOLS_LEDGER_INTEGRITY_H_
#define CITYID_TOOLS_LEDGER_INTEGRITY_H_

#include <chrono>
#include <memory>
#include <string>

#include "api/router.h"
#include "base/status.h"
#include "ledger/integrity/checkpointer.h"
#include "ledger/integrity/merkle_log_extension.h"
#include "ledger/integrity/signed_note.h"
#include "tools/config.h"

namespace cityid {

inline constexpr char kDefaultCheckpointOrigin[] = "cityid.example/ledger";

// checkpoint.origin, or the default.
std::string CheckpointOrigin(const Config& config);

// Creates the signer key file for `origin` unless it exists (mode 0600).
// kInvalidArgument when origin is not a valid note key name (no spaces, no
// '+'); kUnavailable on an I/O error.
Status EnsureCheckpointKey(const std::string& path, const std::string& origin);
// Reads a signer key file. kNotFound/kUnavailable when it cannot be read,
// kMalformed when it is not a signer key text.
Result<NoteSigner> LoadCheckpointSigner(const std::string& path);

class LedgerIntegrity final : public LogExtension {
 public:
  // Reads the origin, interval and signer key (path from LayoutFor(config)).
  static Result<std::unique_ptr<LedgerIntegrity>> Create(const Config& config);
  ~LedgerIntegrity() override;

  // After Ledger::Open: restores the checkpoint history, signs the current
  // head and starts signing every interval. Errors of Checkpointer::Create
  // (kCorruption: the stored tree disagrees with the signed history).
  Status Start();

  // GET /v1/checkpoint, /v1/keys, /v1/proofs/* (api/integrity_routes.h).
  // After Start; the server must stop before the ledger closes.
  void RegisterRoutes(Router& router) const;

  const MerkleTree* tree() const { return merkle_.tree(); }
  const Checkpointer* checkpointer() const { return checkpointer_.get(); }
  const std::string& origin() const { return origin_; }

  // LogExtension, forwarded to the Merkle extension.
  std::vector<std::string> ColumnFamilies() const override;
  void SetEventReader(EventReader reader) override {
    merkle_.SetEventReader(std::move(reader));
  }
  void SetWriteGate(WriteGate gate) override {
    merkle_.SetWriteGate(std::move(gate));
  }
  Status OnOpen(rocksdb::DB* db,
                const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                uint64_t last_seq) override;
  Status AddToBatch(const std::vector<StoredEvent>& events,
                    rocksdb::WriteBatch& batch) override;
  void OnBatchDone(bool durable) override;
  // Stops the signer, then closes the tree.
  void OnClose() override;

 private:
  LedgerIntegrity(std::string origin, NoteSigner signer,
                  std::chrono::milliseconds interval)
      : origin_(std::move(origin)),
        signer_(std::move(signer)),
        interval_(interval) {}

  const std::string origin_;
  const NoteSigner signer_;
  const std::chrono::milliseconds interval_;
  MerkleLogExtension merkle_;
  std::unique_ptr<Checkpointer> checkpointer_;
};

}  // namespace cityid

#endif  // CITYID_TOOLS_LEDGER_INTEGRITY_H_
