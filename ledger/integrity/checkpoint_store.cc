#include "ledger/integrity/checkpoint_store.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include <memory>

namespace cityid {
namespace {

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return NotFound(what + " not found");
  if (s.IsCorruption()) return Corruption(what + ": " + s.ToString());
  return Unavailable(what + ": " + s.ToString());
}

Result<StoredCheckpoint> Decode(const rocksdb::Slice& key,
                                const rocksdb::Slice& value) {
  if (key.size() != 8) {
    return Corruption("checkpoint key is " + std::to_string(key.size()) +
                      " bytes, not 8");
  }
  StoredCheckpoint c;
  for (size_t i = 0; i < 8; ++i) {
    c.size = (c.size << 8) | static_cast<uint8_t>(key[i]);
  }
  c.note = value.ToString();
  return c;
}

}  // namespace

std::string CheckpointStore::Key(uint64_t size) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i, size >>= 8) {
    key[i] = static_cast<char>(size & 0xff);
  }
  return key;
}

Status CheckpointStore::Put(uint64_t size, std::string_view note) {
  if (gate_) CITYID_RETURN_IF_ERROR(gate_(Key(size).size() + note.size()));
  rocksdb::WriteOptions options;
  options.sync = true;
  return FromRocks(db_->Put(options, cf_, Key(size), note), "checkpoint");
}

Status CheckpointStore::Put(rocksdb::WriteBatch* batch, uint64_t size,
                            std::string_view note) {
  return FromRocks(batch->Put(cf_, Key(size), note), "checkpoint");
}

Result<std::string> CheckpointStore::Get(uint64_t size) const {
  std::string note;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_, Key(size), &note);
  CITYID_RETURN_IF_ERROR(
      FromRocks(s, "checkpoint at size " + std::to_string(size)));
  return note;
}

Result<StoredCheckpoint> CheckpointStore::Latest() const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cf_));
  it->SeekToLast();
  if (!it->Valid()) {
    CITYID_RETURN_IF_ERROR(FromRocks(it->status(), "checkpoint history"));
    return NotFound("no checkpoint was signed yet");
  }
  return Decode(it->key(), it->value());
}

Result<std::vector<StoredCheckpoint>> CheckpointStore::List(
    uint64_t from_size, size_t limit) const {
  std::vector<StoredCheckpoint> out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cf_));
  for (it->Seek(Key(from_size)); it->Valid() && out.size() < limit;
       it->Next()) {
    CITYID_ASSIGN_OR_RETURN(StoredCheckpoint c, Decode(it->key(), it->value()));
    out.push_back(std::move(c));
  }
  CITYID_RETURN_IF_ERROR(FromRocks(it->status(), "checkpoint history"));
  return out;
}

}  // namespace cityid
