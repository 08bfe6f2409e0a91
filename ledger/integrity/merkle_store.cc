#include "ledger/integrity/merkle_store.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <string>

namespace cityid {
namespace {

void AppendBigEndian64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint64_t ReadBigEndian64(std::string_view in) {
  uint64_t v = 0;
  for (char c : in) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return NotFound(what + " not found");
  if (s.IsCorruption()) return Corruption(what + ": " + s.ToString());
  return Unavailable(what + ": " + s.ToString());
}

std::string NodeName(uint32_t level, uint64_t index) {
  return "merkle node (" + std::to_string(level) + ", " +
         std::to_string(index) + ")";
}

}  // namespace

// --- InMemoryMerkleStore ---

Result<MerkleHash> InMemoryMerkleStore::Get(uint32_t level,
                                            uint64_t index) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (level >= levels_.size() || index >= levels_[level].size() ||
      !present_[level][index]) {
    return NotFound(NodeName(level, index) + " not found");
  }
  return levels_[level][index];
}

Status InMemoryMerkleStore::Put(uint32_t level, uint64_t index,
                                const MerkleHash& hash) {
  std::lock_guard<std::mutex> lock(mu_);
  if (level >= levels_.size()) {
    levels_.resize(level + 1);
    present_.resize(level + 1);
  }
  if (index >= levels_[level].size()) {
    levels_[level].resize(index + 1);
    present_[level].resize(index + 1, false);
  }
  levels_[level][index] = hash;
  present_[level][index] = true;
  return Status::Ok();
}

Result<uint64_t> InMemoryMerkleStore::GetSize() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}

Status InMemoryMerkleStore::PutSize(uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  size_ = size;
  return Status::Ok();
}

// --- RocksDbMerkleStore ---

std::string RocksDbMerkleStore::NodeKey(uint32_t level, uint64_t index) {
  std::string key;
  key.reserve(9);
  key.push_back(static_cast<char>(level));
  AppendBigEndian64(&key, index);
  return key;
}

std::string RocksDbMerkleStore::SizeKey() { return "size"; }

Result<MerkleHash> RocksDbMerkleStore::Get(uint32_t level,
                                           uint64_t index) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf_, NodeKey(level, index), &value);
  CITYID_RETURN_IF_ERROR(FromRocks(s, NodeName(level, index)));
  Result<MerkleHash> hash = MerkleHashFromBytes(value);
  if (!hash.ok()) {
    return Corruption(NodeName(level, index) + ": " + hash.status().message());
  }
  return hash;
}

Status RocksDbMerkleStore::Put(uint32_t level, uint64_t index,
                               const MerkleHash& hash) {
  if (batch_ == nullptr) return Internal("merkle store: no batch staged");
  rocksdb::Status s =
      batch_->Put(cf_, NodeKey(level, index), MerkleHashBytes(hash));
  return FromRocks(s, NodeName(level, index));
}

Result<uint64_t> RocksDbMerkleStore::GetSize() const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_, SizeKey(), &value);
  if (s.IsNotFound()) return uint64_t{0};
  CITYID_RETURN_IF_ERROR(FromRocks(s, "merkle tree size"));
  if (value.size() != 8) {
    return Corruption("merkle tree size is " + std::to_string(value.size()) +
                      " bytes, not 8");
  }
  return ReadBigEndian64(value);
}

Status RocksDbMerkleStore::PutSize(uint64_t size) {
  if (batch_ == nullptr) return Internal("merkle store: no batch staged");
  std::string value;
  AppendBigEndian64(&value, size);
  return FromRocks(batch_->Put(cf_, SizeKey(), value), "merkle tree size");
}

}  // namespace cityid
