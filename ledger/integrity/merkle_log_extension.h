// MerkleLogExtension: plugs the Merkle tree and the checkpoint history into
// the ledger's RocksDB log through its LogExtension seam (rocksdb_log.h), so
// that every batch's Merkle nodes commit in the SAME synced WriteBatch as its
// events. Leaf = the exact event bytes, leaf index = seq - 1.
//
// Wiring (whoever builds LedgerOptions: tools/, api/, tests):
//   MerkleLogExtension merkle;                  // outlives the Ledger
//   options.extensions.push_back(&merkle);
//   auto ledger = Ledger::Open(options);        // calls OnOpen
//   auto signer = Checkpointer::Create(merkle.tree(), {origin, note_signer,
//                                                      merkle.checkpoints()});
//   signer->Start(std::chrono::seconds(1));
//   ... serve merkle.tree() proofs and signer->LatestNote() ...
//   signer->Stop(); stop HTTP; ledger->Close();  // handles die in OnClose
//
// Column families: "merkle" (RocksDbMerkleStore) and "checkpoints"
// (CheckpointStore).
//
// Threading: the LogExtension calls come from the ledger as documented there
// (OnOpen on the opening thread, AddToBatch/OnBatchDone on its writer).
// tree() and checkpoints() are valid from OnOpen until OnClose, and usable
// from any thread in between.
#ifndef CITYID_LEDGER_INTEGRITY_MERKLE_LOG_EXTENSION_H_
#define CITYID_LEDGER_INTEGRITY_MERKLE_LOG_EXTENSION_H_

#include <memory>
#include <string>
#include <vector>

#include "ledger/integrity/checkpoint_store.h"
#include "ledger/integrity/merkle_store.h"
#include "ledger/integrity/merkle_tree.h"
#include "ledger/rocksdb_log.h"

namespace cityid {

class MerkleLogExtension final : public LogExtension {
 public:
  MerkleLogExtension() = default;
  MerkleLogExtension(const MerkleLogExtension&) = delete;
  MerkleLogExtension& operator=(const MerkleLogExtension&) = delete;

  // {kMerkleColumnFamily, kCheckpointColumnFamily}.
  std::vector<std::string> ColumnFamilies() const override;
  // Keeps the reader for OnOpen's catch-up.
  void SetEventReader(EventReader reader) override {
    reader_ = std::move(reader);
  }
  // Guards the catch-up writes and the checkpoint history's Put.
  void SetWriteGate(WriteGate gate) override { gate_ = std::move(gate); }
  // Opens the tree. More leaves than `last_seq`: kCorruption (events were
  // removed from the log). Fewer (the extension was added to an existing
  // ledger, or events were written without it): appends the missing events
  // as leaves from the EventReader, in synced batches of 4096, before the
  // ledger takes commands; kCorruption when a read event is not the next
  // seq or no reader was given; storage errors as returned.
  Status OnOpen(rocksdb::DB* db,
                const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                uint64_t last_seq) override;
  // Appends each event as the next leaf, staging its nodes into `batch`.
  // kInternal when an event's seq is not the tree's next leaf index + 1.
  Status AddToBatch(const std::vector<StoredEvent>& events,
                    rocksdb::WriteBatch& batch) override;
  // Commits (durable) or forgets (dropped) the leaves of the last batch.
  void OnBatchDone(bool durable) override;
  void OnClose() override;

  // Null before OnOpen and after OnClose.
  MerkleTree* tree() const { return tree_.get(); }
  CheckpointStore* checkpoints() const { return checkpoints_.get(); }

 private:
  // Appends the log's events after the tree's size up to last_seq.
  Status CatchUp(rocksdb::DB* db, uint64_t last_seq);

  EventReader reader_;
  WriteGate gate_;  // may be null: no gate
  std::unique_ptr<RocksDbMerkleStore> store_;
  std::unique_ptr<MerkleTree> tree_;
  std::unique_ptr<CheckpointStore> checkpoints_;
};

}  // namespace cityid

#endif  // CITYID_LEDGER_INTEGRITY_MERKLE_LOG_EXTENSION_H_
