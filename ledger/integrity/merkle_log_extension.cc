#include "ledger/integrity/merkle_log_extension.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <string>

namespace cityid {

std::vector<std::string> MerkleLogExtension::ColumnFamilies() const {
  return {kMerkleColumnFamily, kCheckpointColumnFamily};
}

Status MerkleLogExtension::OnOpen(
    rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
    uint64_t last_seq) {
  if (handles.size() != 2) {
    return Internal("merkle extension expects 2 column family handles, got " +
                    std::to_string(handles.size()));
  }
  auto store = std::make_unique<RocksDbMerkleStore>(db, handles[0]);
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<MerkleTree> tree,
                          MerkleTree::Open(store.get()));
  if (tree->size() > last_seq) {
    return Corruption("merkle tree has " + std::to_string(tree->size()) +
                      " leaves but the log ends at seq " +
                      std::to_string(last_seq) + ": events were removed");
  }
  if (tree->size() < last_seq && !reader_) {
    return Corruption("merkle tree has " + std::to_string(tree->size()) +
                      " leaves but the log ends at seq " +
                      std::to_string(last_seq) +
                      ": events were written without their Merkle nodes");
  }
  store_ = std::move(store);
  tree_ = std::move(tree);
  checkpoints_ = std::make_unique<CheckpointStore>(db, handles[1], gate_);
  Status caught_up = CatchUp(db, last_seq);
  if (!caught_up.ok()) OnClose();
  return caught_up;
}

Status MerkleLogExtension::CatchUp(rocksdb::DB* db, uint64_t last_seq) {
  constexpr size_t kChunk = 4096;
  while (tree_->size() < last_seq) {
    CITYID_ASSIGN_OR_RETURN(std::vector<StoredEvent> events,
                            reader_(tree_->size(), kChunk));
    if (events.empty()) {
      return Corruption("the log ends before seq " + std::to_string(last_seq) +
                        " while catching up");
    }
    rocksdb::WriteBatch batch;
    Status s = AddToBatch(events, batch);
    if (s.ok() && gate_) s = gate_(batch.GetDataSize());
    if (s.ok()) {
      rocksdb::WriteOptions sync;
      sync.sync = true;
      rocksdb::Status w = db->Write(sync, &batch);
      if (!w.ok()) s = Unavailable("merkle catch-up write: " + w.ToString());
    }
    OnBatchDone(s.ok());
    if (!s.ok()) {
      // A gap in the log shows as a seq that is not the next leaf.
      return s.code() == Code::kInternal ? Corruption(s.message()) : s;
    }
  }
  return Status::Ok();
}

Status MerkleLogExtension::AddToBatch(const std::vector<StoredEvent>& events,
                                      rocksdb::WriteBatch& batch) {
  if (tree_ == nullptr) return Internal("merkle extension is not open");
  store_->StageInto(&batch);
  Status s;
  for (const StoredEvent& event : events) {
    if (event.seq != tree_->pending_size() + 1) {
      s = Internal("merkle tree expected seq " +
                   std::to_string(tree_->pending_size() + 1) + ", got " +
                   std::to_string(event.seq));
      break;
    }
    s = tree_->Append(event.bytes);
    if (!s.ok()) break;
  }
  store_->StageInto(nullptr);
  return s;
}

void MerkleLogExtension::OnBatchDone(bool durable) {
  if (tree_ == nullptr) return;
  if (durable) {
    tree_->Commit();
  } else {
    tree_->Abort();
  }
}

void MerkleLogExtension::OnClose() {
  checkpoints_.reset();
  tree_.reset();
  store_.reset();
}

}  // namespace cityid
