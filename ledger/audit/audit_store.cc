#include "ledger/audit/audit_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "base/bytes.h"

namespace cityid {
namespace {

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  const std::string msg = what + ": " + s.ToString();
  if (s.IsNotFound()) return NotFound(msg);
  if (s.IsCorruption()) return Corruption(msg);
  return Unavailable(msg);
}

uint64_t BigEndian(std::string_view b) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return v;
}

// Bucket value of vault_blind 'b' keys: [32-byte index][u8 length][id]...
Status ForEachBucketEntry(std::string_view bucket,
                          const std::function<void(std::string_view)>& fn) {
  while (!bucket.empty()) {
    if (bucket.size() < 33) return Corruption("vault_blind: truncated bucket");
    const size_t n = static_cast<uint8_t>(bucket[32]);
    if (bucket.size() < 33 + n) return Corruption("vault_blind: bad entry");
    fn(bucket.substr(33, n));
    bucket.remove_prefix(33 + n);
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<LedgerSnapshot>> LedgerSnapshot::Open(
    const std::string& data_dir) {
  const std::string path =
      (std::filesystem::path(data_dir) / "ledger").string();
  if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT"))
    return NotFound("no ledger RocksDB at " + path);
  rocksdb::Options options;
  options.max_open_files = -1;
  std::unique_ptr<LedgerSnapshot> snap(new LedgerSnapshot());
  snap->path_ = path;
  CITYID_RETURN_IF_ERROR(
      FromRocks(rocksdb::DB::ListColumnFamilies(options, path, &snap->names_),
                "list column families of " + path));
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : snap->names_)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions(options));
  rocksdb::DB* raw = nullptr;
  CITYID_RETURN_IF_ERROR(FromRocks(
      rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(options), path,
                                   descriptors, &snap->handles_, &raw),
      "open " + path + " read-only"));
  snap->db_.reset(raw);
  return snap;
}

LedgerSnapshot::~LedgerSnapshot() {
  tree_.reset();
  merkle_store_.reset();
  if (!db_) return;
  for (auto* h : handles_)
    db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db_->Close().PermitUncheckedError();
}

rocksdb::ColumnFamilyHandle* LedgerSnapshot::Handle(
    const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return handles_[i];
  }
  return nullptr;
}

Result<uint64_t> LedgerSnapshot::LastSeq() const {
  rocksdb::ColumnFamilyHandle* events = Handle("events");
  if (events == nullptr) return uint64_t{0};
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), events));
  it->SeekToLast();
  CITYID_RETURN_IF_ERROR(FromRocks(it->status(), "last event"));
  if (!it->Valid() || it->key().size() != 8) return uint64_t{0};
  return BigEndian(it->key().ToStringView());
}

Status LedgerSnapshot::ForEachEvent(
    const std::function<Status(uint64_t, std::string_view)>& fn) const {
  rocksdb::ColumnFamilyHandle* events = Handle("events");
  if (events == nullptr) return Status::Ok();
  rocksdb::ReadOptions read;
  read.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, events));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8)
      return Corruption("events: a key that is not an 8-byte seq");
    CITYID_RETURN_IF_ERROR(
        fn(BigEndian(it->key().ToStringView()), it->value().ToStringView()));
  }
  return FromRocks(it->status(), "read events");
}

Status LedgerSnapshot::ForEachEventAndLeaf(
    const std::function<Status(uint64_t, std::string_view,
                               const std::optional<MerkleHash>&)>& fn,
    bool* has_leaves) const {
  rocksdb::ColumnFamilyHandle* merkle = Handle(kMerkleColumnFamily);
  *has_leaves = merkle != nullptr;
  if (merkle == nullptr) {
    return ForEachEvent([&](uint64_t seq, std::string_view bytes) {
      return fn(seq, bytes, std::nullopt);
    });
  }
  // Level-0 keys (0x00 + 8-byte BE index) sort before every other key of
  // the column family, in index order.
  rocksdb::ReadOptions read;
  read.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> leaf(db_->NewIterator(read, merkle));
  leaf->Seek(RocksDbMerkleStore::NodeKey(0, 0));
  auto leaf_index = [&]() -> std::optional<uint64_t> {
    if (!leaf->Valid() || leaf->key().size() != 9 || leaf->key()[0] != 0)
      return std::nullopt;
    return BigEndian(leaf->key().ToStringView().substr(1));
  };
  Status s = ForEachEvent([&](uint64_t seq, std::string_view bytes) {
    std::optional<MerkleHash> hash;
    for (auto i = leaf_index(); i && seq > 0 && *i < seq - 1; i = leaf_index())
      leaf->Next();
    auto i = leaf_index();
    if (i && seq > 0 && *i == seq - 1) {
      auto h = MerkleHashFromBytes(leaf->value().ToStringView());
      if (h.ok()) hash = *h;
    }
    return fn(seq, bytes, hash);
  });
  CITYID_RETURN_IF_ERROR(s);
  return FromRocks(leaf->status(), "read merkle leaves");
}

Result<std::optional<std::vector<StoredCheckpoint>>>
LedgerSnapshot::Checkpoints() const {
  rocksdb::ColumnFamilyHandle* cf = Handle(kCheckpointColumnFamily);
  if (cf == nullptr) return std::optional<std::vector<StoredCheckpoint>>();
  CheckpointStore store(db_.get(), cf);
  CITYID_ASSIGN_OR_RETURN(std::vector<StoredCheckpoint> all,
                          store.List(0, SIZE_MAX));
  return std::optional<std::vector<StoredCheckpoint>>(std::move(all));
}

Result<const MerkleTree*> LedgerSnapshot::StoredTree() {
  if (tree_) return static_cast<const MerkleTree*>(tree_.get());
  rocksdb::ColumnFamilyHandle* cf = Handle(kMerkleColumnFamily);
  if (cf == nullptr) return static_cast<const MerkleTree*>(nullptr);
  merkle_store_ = std::make_unique<RocksDbMerkleStore>(db_.get(), cf);
  CITYID_ASSIGN_OR_RETURN(tree_, MerkleTree::Open(merkle_store_.get()));
  return static_cast<const MerkleTree*>(tree_.get());
}

Status LedgerSnapshot::ForEachEntry(
    const std::function<void(std::string_view, VaultPart, std::string_view)>&
        fn) const {
  auto scan =
      [&](const char* cf_name,
          const std::function<Status(std::string_view, std::string_view)>&
              each) {
        rocksdb::ColumnFamilyHandle* cf = Handle(cf_name);
        if (cf == nullptr) return Status::Ok();
        std::unique_ptr<rocksdb::Iterator> it(
            db_->NewIterator(rocksdb::ReadOptions(), cf));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
          CITYID_RETURN_IF_ERROR(
              each(it->key().ToStringView(), it->value().ToStringView()));
        }
        return FromRocks(it->status(), std::string("scan ") + cf_name);
      };
  CITYID_RETURN_IF_ERROR(
      scan("vault_keys", [&](std::string_view k, std::string_view v) {
        fn(k, VaultPart::kDataKey, v);
        return Status::Ok();
      }));
  CITYID_RETURN_IF_ERROR(
      scan("vault_data", [&](std::string_view k, std::string_view v) {
        fn(k, VaultPart::kCiphertext, v);
        return Status::Ok();
      }));
  return scan("vault_blind", [&](std::string_view k, std::string_view v) {
    if (k.starts_with("r")) {
      fn(k.substr(1), VaultPart::kBlindIndex, v);
      return Status::Ok();
    }
    return ForEachBucketEntry(
        v, [&](std::string_view rid) { fn(rid, VaultPart::kBlindBucket, {}); });
  });
}

void MergeCheckpoints(std::vector<StoredCheckpoint>& history,
                      const std::vector<StoredCheckpoint>& extra) {
  for (const StoredCheckpoint& c : extra) {
    const bool known = std::any_of(
        history.begin(), history.end(),
        [&](const auto& h) { return h.size == c.size && h.note == c.note; });
    if (!known) history.push_back(c);
  }
}

Result<AuditReport> AuditLedgerDir(const std::string& data_dir,
                                   const AuditOptions& options,
                                   const AuditHooks& hooks,
                                   const std::vector<StoredCheckpoint>& extra) {
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<LedgerSnapshot> snap,
                          LedgerSnapshot::Open(data_dir));
  CITYID_ASSIGN_OR_RETURN(uint64_t last, snap->LastSeq());
  Auditor auditor(options);
  CITYID_ASSIGN_OR_RETURN(auto stored, snap->Checkpoints());
  std::vector<StoredCheckpoint> history =
      stored ? std::move(*stored) : std::vector<StoredCheckpoint>{};
  MergeCheckpoints(history, extra);
  auditor.SetCheckpoints(history);
  CITYID_ASSIGN_OR_RETURN(const MerkleTree* tree, snap->StoredTree());
  auditor.SetStoredTree(tree);
  if (hooks.export_sink) auditor.SetExport(hooks.export_sink);
  uint64_t read = 0;
  bool has_leaves = false;
  Status s = snap->ForEachEventAndLeaf(
      [&](uint64_t seq, std::string_view bytes,
          const std::optional<MerkleHash>& leaf) {
        AuditInput in{seq, bytes};
        in.stored_leaf_given = has_leaves;
        in.stored_leaf = leaf;
        auditor.AddEvent(in);
        if (hooks.progress && (++read & 4095) == 0) hooks.progress(read, last);
        return Status::Ok();
      },
      &has_leaves);
  if (!s.ok()) auditor.ReadFailed(s);
  if (hooks.progress) hooks.progress(read, last);
  auditor.CheckVault(*snap);
  AuditReport report = auditor.Finish();
  report.source = "rocksdb " + snap->path();
  return report;
}

Result<Sha256Baseline> MeasureSha256(const LedgerSnapshot& snapshot) {
  using Clock = std::chrono::steady_clock;
  Sha256Baseline b;
  std::vector<std::string> chunk;
  size_t chunk_bytes = 0;
  volatile uint8_t sink = 0;  // keeps the digests from being optimized away
  auto hash_chunk = [&] {
    const auto start = Clock::now();
    for (const std::string& e : chunk) sink = sink ^ Sha256(e)[0];
    b.seconds += std::chrono::duration<double>(Clock::now() - start).count();
    chunk.clear();
    chunk_bytes = 0;
  };
  CITYID_RETURN_IF_ERROR(
      snapshot.ForEachEvent([&](uint64_t, std::string_view bytes) {
        chunk.emplace_back(bytes);
        chunk_bytes += bytes.size();
        ++b.events;
        b.bytes += bytes.size();
        if (chunk_bytes >= (8 << 20)) hash_chunk();
        return Status::Ok();
      }));
  hash_chunk();
  return b;
}

}  // namespace cityid
