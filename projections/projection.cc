#include "projections/projection.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <filesystem>

#include "base/bytes.h"

namespace cityid {
namespace {

constexpr char kMetaFamily[] = "meta";
constexpr char kPositionKey[] = "position";
constexpr size_t kDefaultCf = 0;
constexpr size_t kMetaCf = 1;

// Translates a RocksDB failure. Busy/locked/IO errors are worth retrying
// (kUnavailable); a bad block or checksum is not (kCorruption).
Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string message = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Corruption(std::move(message));
  return Unavailable(std::move(message));
}

std::string EncodeU64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

Result<uint64_t> DecodeU64(std::string_view bytes) {
  if (bytes.size() != 8)
    return Corruption("projection position is not 8 bytes");
  uint64_t v = 0;
  for (unsigned char c : bytes) v = (v << 8) | c;
  return v;
}

bool HasPrefix(const rocksdb::Slice& key, std::string_view prefix) {
  return key.size() >= prefix.size() &&
         std::string_view(key.data(), prefix.size()) == prefix;
}

// The loop shared by StateBatch::Scan and ProjectionStore::Scan.
Status ScanIterator(
    rocksdb::Iterator* it, std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  for (it->Seek(prefix); it->Valid() && HasPrefix(it->key(), prefix);
       it->Next()) {
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "projection scan");
}

// Appends one length-prefixed part to the fingerprint material. The material
// is folded into its SHA-256 whenever it passes 1 MiB, so memory stays
// bounded; the folding points depend only on the content, so equal states
// still give equal fingerprints.
void AppendLengthPrefixed(std::string& out, std::string_view part) {
  constexpr size_t kFoldAt = 1 << 20;
  out += EncodeU64(part.size());
  out.append(part);
  if (out.size() >= kFoldAt) out = Sha256String(out);
}

}  // namespace

// --- StateBatch ---

StateBatch::StateBatch(ProjectionStore* store)
    : store_(store),
      batch_(std::make_unique<rocksdb::WriteBatchWithIndex>(
          rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true)) {}

StateBatch::~StateBatch() = default;

Result<std::optional<std::string>> StateBatch::Get(std::string_view key) const {
  std::string value;
  rocksdb::Status s =
      batch_->GetFromBatchAndDB(store_->db_.get(), rocksdb::ReadOptions(),
                                store_->handles_[kDefaultCf], key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  CITYID_RETURN_IF_ERROR(FromRocks(s, "projection read"));
  return std::optional<std::string>(std::move(value));
}

void StateBatch::Put(std::string_view key, std::string_view value) {
  // Cannot fail: the batch has no size limit and no merge operator.
  batch_->Put(store_->handles_[kDefaultCf], key, value).PermitUncheckedError();
  ++ops_;
}

void StateBatch::Delete(std::string_view key) {
  batch_->Delete(store_->handles_[kDefaultCf], key).PermitUncheckedError();
  ++ops_;
}

Status StateBatch::Scan(
    std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  rocksdb::ColumnFamilyHandle* cf = store_->handles_[kDefaultCf];
  std::unique_ptr<rocksdb::Iterator> it(batch_->NewIteratorWithBase(
      cf, store_->db_->NewIterator(rocksdb::ReadOptions(), cf)));
  return ScanIterator(it.get(), prefix, fn);
}

// --- ProjectionStore ---

ProjectionStore::ProjectionStore(std::string path,
                                 ProjectionStoreOptions options)
    : path_(std::move(path)), options_(options) {}

ProjectionStore::~ProjectionStore() {
  if (!db_) return;
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
}

Result<std::unique_ptr<ProjectionStore>> ProjectionStore::Open(
    const std::string& data_dir, const std::string& name,
    ProjectionStoreOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Unavailable("cannot create " + data_dir + ": " + ec.message());
  std::unique_ptr<ProjectionStore> store(new ProjectionStore(
      (std::filesystem::path(data_dir) / name).string(), options));
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kMetaFamily, rocksdb::ColumnFamilyOptions()}};
  rocksdb::DB* db = nullptr;
  CITYID_RETURN_IF_ERROR(
      FromRocks(rocksdb::DB::Open(db_options, store->path_, families,
                                  &store->handles_, &db),
                "open projection store " + store->path_));
  store->db_.reset(db);
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), store->handles_[kMetaCf],
                              kPositionKey, &value);
  if (!s.IsNotFound()) {
    CITYID_RETURN_IF_ERROR(FromRocks(s, "read projection position"));
    CITYID_ASSIGN_OR_RETURN(uint64_t position, DecodeU64(value));
    store->position_.store(position);
  }
  return store;
}

uint64_t ProjectionStore::position() const { return position_.load(); }

std::unique_ptr<StateBatch> ProjectionStore::NewBatch() {
  return std::unique_ptr<StateBatch>(new StateBatch(this));
}

Status ProjectionStore::Commit(StateBatch& batch, uint64_t position) {
  if (batch.store_ != this) return Internal("batch of another store");
  if (position < position_.load()) {
    return Internal("projection position would move backwards");
  }
  rocksdb::WriteBatch* wb = batch.batch_->GetWriteBatch();
  CITYID_RETURN_IF_ERROR(
      FromRocks(wb->Put(handles_[kMetaCf], kPositionKey, EncodeU64(position)),
                "stage projection position"));
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  CITYID_RETURN_IF_ERROR(
      FromRocks(db_->Write(write_options, wb), "commit projection batch"));
  position_.store(position);
  batch.batch_->Clear();
  batch.ops_ = 0;
  return Status::Ok();
}

Result<std::optional<std::string>> ProjectionStore::Get(
    std::string_view key) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handles_[kDefaultCf], key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  CITYID_RETURN_IF_ERROR(FromRocks(s, "projection read"));
  return std::optional<std::string>(std::move(value));
}

Status ProjectionStore::Scan(
    std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handles_[kDefaultCf]));
  return ScanIterator(it.get(), prefix, fn);
}

Result<std::string> ProjectionStore::Fingerprint() const {
  // One snapshot for position and state: a commit in between cannot tear them.
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::string position_bytes;
  rocksdb::Status s =
      db_->Get(read, handles_[kMetaCf], kPositionKey, &position_bytes);
  if (s.IsNotFound()) {
    position_bytes = EncodeU64(0);
    s = rocksdb::Status::OK();
  }
  std::string material = "cityid-projection-fingerprint-v1";
  AppendLengthPrefixed(material, position_bytes);
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read, handles_[kDefaultCf]));
  for (it->SeekToFirst(); s.ok() && it->Valid(); it->Next()) {
    AppendLengthPrefixed(material, it->key().ToStringView());
    AppendLengthPrefixed(material, it->value().ToStringView());
  }
  if (s.ok()) s = it->status();
  it.reset();
  db_->ReleaseSnapshot(snapshot);
  CITYID_RETURN_IF_ERROR(FromRocks(s, "projection fingerprint"));
  return HexEncode(Sha256String(material));
}

}  // namespace cityid
