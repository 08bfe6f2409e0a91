#include "ledger/rocksdb_log.h"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/metadata.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <map>
#include <mutex>

namespace cityid {
namespace {

// Names of the Cf values, in enum order. kDefaultColumnFamilyName is unused
// but always exists.
const char* const kCfNames[] = {
    "events",     "residents",  "cards",       "idempotency",  "meta",
    "vault_keys", "vault_data", "vault_blind", "status_slots", "retention"};
static_assert(std::size(kCfNames) == static_cast<size_t>(Cf::kCount));

rocksdb::Options DbOptions() {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  // Old WAL files must not linger: erasure relies on flush deleting them.
  o.recycle_log_file_num = 0;
  o.WAL_ttl_seconds = 0;
  o.WAL_size_limit_MB = 0;
  o.keep_log_file_num = 4;
  o.max_background_jobs = 2;
  return o;
}

// One table factory for every column family: a table factory holds the
// shared block cache, so all of them share one.
std::shared_ptr<rocksdb::TableFactory> TableFactory(
    const RocksLogOptions& options) {
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  t.cache_index_and_filter_blocks = true;
  t.cache_index_and_filter_blocks_with_high_priority = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  if (options.bloom_bits_per_key > 0) {
    t.filter_policy.reset(
        rocksdb::NewBloomFilterPolicy(options.bloom_bits_per_key));
  }
  return std::shared_ptr<rocksdb::TableFactory>(
      rocksdb::NewBlockBasedTableFactory(t));
}

rocksdb::ColumnFamilyOptions CfOptions(
    const std::shared_ptr<rocksdb::TableFactory>& tables,
    const RocksLogOptions& options) {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = 16 << 20;  // small memtables: RSS stays modest
  o.table_factory = tables;
  o.memtable_prefix_bloom_size_ratio = options.memtable_bloom_ratio;
  o.memtable_whole_key_filtering = options.memtable_bloom_ratio > 0;
  return o;
}

}  // namespace

// Remembers the pending background error. Its callbacks run on RocksDB's
// threads, some with the DB mutex held: they only take their own mutex.
class RocksLog::ErrorListener : public rocksdb::EventListener {
 public:
  void OnBackgroundError(rocksdb::BackgroundErrorReason,
                         rocksdb::Status* error) override {
    if (error == nullptr || error->ok()) return;
    std::lock_guard<std::mutex> lock(mu_);
    error_ = error->ToString();
  }
  // The ledger resumes by itself (RocksLog::Resume from its writer, once
  // its free-space floor is met, every second). RocksDB's automatic
  // recovery would only retry every few seconds and, while pending, makes
  // manual Resume() answer Busy.
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status,
                            bool* auto_recovery) override {
    if (auto_recovery != nullptr) *auto_recovery = false;
  }
  void OnErrorRecoveryEnd(
      const rocksdb::BackgroundErrorRecoveryInfo& info) override {
    if (info.new_bg_error.ok()) Clear();
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    error_.clear();
  }
  Status Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.empty()) return Status::Ok();
    return Unavailable("background error: " + error_);
  }

 private:
  mutable std::mutex mu_;
  std::string error_;  // guarded by mu_; empty: none pending
};

Status FromRocksStatus(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return NotFound(std::move(msg));
  if (s.IsCorruption()) return Corruption(std::move(msg));
  if (s.IsIOError() || s.IsNoSpace() || s.IsBusy() || s.IsTimedOut() ||
      s.IsTryAgain() || s.IsIncomplete() || s.IsAborted() ||
      s.IsShutdownInProgress() || s.IsColumnFamilyDropped()) {
    return Unavailable(std::move(msg));
  }
  return Internal(std::move(msg));
}

std::string BigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

uint64_t ReadBigEndian64(std::string_view b) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return v;
}

Result<std::unique_ptr<RocksLog>> RocksLog::Open(
    const std::string& path, const std::vector<std::string>& extra_cfs,
    const RocksLogOptions& log_options) {
  rocksdb::Options options = DbOptions();
  const std::shared_ptr<rocksdb::TableFactory> tables =
      TableFactory(log_options);
  std::vector<std::string> names(std::begin(kCfNames), std::end(kCfNames));
  names.insert(names.end(), extra_cfs.begin(), extra_cfs.end());
  // Column families created by an extension not registered this time must
  // still be opened (RocksDB refuses to open a DB without all of them).
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(options, path, &existing).ok()) {
    for (const std::string& name : existing) {
      if (name != rocksdb::kDefaultColumnFamilyName &&
          std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, CfOptions(tables, log_options)}};
  for (const std::string& name : names)
    descriptors.emplace_back(name, CfOptions(tables, log_options));

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::DBOptions db_options(options);
  auto errors = std::make_shared<ErrorListener>();
  db_options.listeners.push_back(errors);
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw);
  if (!s.ok()) {
    Status st = FromRocksStatus(s, "open " + path);
    return st.code() == Code::kInternal ? Unavailable(st.message()) : st;
  }
  auto log = std::unique_ptr<RocksLog>(new RocksLog());
  log->errors_ = std::move(errors);
  log->db_.reset(raw);
  log->handles_.assign(handles.begin() + 1, handles.end());
  log->default_handle_ = handles[0];
  return log;
}

RocksLog::~RocksLog() {
  if (!db_) return;
  for (auto* h : handles_)
    db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db_->DestroyColumnFamilyHandle(default_handle_).PermitUncheckedError();
  db_->Close().PermitUncheckedError();
}

std::vector<rocksdb::ColumnFamilyHandle*> RocksLog::ExtraHandles() const {
  return {handles_.begin() + static_cast<int>(Cf::kCount), handles_.end()};
}

Result<std::optional<std::string>> RocksLog::Get(Cf cf,
                                                 std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(cf), key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocksStatus(s, "get");
  return std::optional<std::string>(std::move(value));
}

Status RocksLog::Write(rocksdb::WriteBatch& batch, bool sync) {
  rocksdb::WriteOptions options;
  options.sync = sync;
  Status s = FromRocksStatus(db_->Write(options, &batch), "write");
  if (s.ok()) errors_->Clear();  // a stopped DB takes no write
  return s;
}

Result<std::vector<StoredEvent>> RocksLog::ReadEvents(uint64_t after,
                                                      size_t limit) const {
  std::vector<StoredEvent> out;
  if (limit == 0) return out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handle(Cf::kEvents)));
  for (it->Seek(BigEndian64(after + 1)); it->Valid() && out.size() < limit;
       it->Next()) {
    if (it->key().size() != 8) return Corruption("event key of wrong size");
    out.push_back(
        {ReadBigEndian64(it->key().ToStringView()), it->value().ToString()});
  }
  if (!it->status().ok()) return FromRocksStatus(it->status(), "read events");
  return out;
}

Result<uint64_t> RocksLog::LastEventSeq() const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handle(Cf::kEvents)));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocksStatus(it->status(), "last event");
  if (!it->Valid()) return uint64_t{0};
  if (it->key().size() != 8) return Corruption("event key of wrong size");
  return ReadBigEndian64(it->key().ToStringView());
}

Status RocksLog::ForEach(
    Cf cf, std::string_view prefix,
    const std::function<Status(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), handle(cf)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    CITYID_RETURN_IF_ERROR(
        fn(it->key().ToStringView(), it->value().ToStringView()));
  }
  return FromRocksStatus(it->status(), "scan");
}

Status RocksLog::CompactKeys(
    const std::vector<std::pair<Cf, std::string>>& keys) {
  if (keys.empty()) return Status::Ok();
  rocksdb::FlushOptions flush;
  flush.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> all = handles_;
  all.push_back(default_handle_);
  CITYID_RETURN_IF_ERROR(FromRocksStatus(db_->Flush(flush, all), "flush"));
  // Keys are grouped by the bottommost-level table file that holds them and
  // each group is compacted once over its span: a file holding several keys
  // is rewritten once (not once per key: a batch of erasures used to rewrite
  // the vault files hundreds of times), and a file holding none is left
  // alone (one span over all keys would rewrite the whole column family).
  std::map<Cf, std::vector<std::string_view>> by_cf;
  for (const auto& [cf, key] : keys) by_cf[cf].push_back(key);
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  for (auto& [cf, cf_keys] : by_cf) {
    std::sort(cf_keys.begin(), cf_keys.end());
    rocksdb::ColumnFamilyMetaData meta;
    db_->GetColumnFamilyMetaData(handle(cf), &meta);
    // The largest key of each file of the deepest non-empty level, in order.
    std::vector<std::string> file_ends;
    for (auto level = meta.levels.rbegin(); level != meta.levels.rend();
         ++level) {
      if (level->files.empty()) continue;
      for (const rocksdb::SstFileMetaData& f : level->files) {
        file_ends.push_back(f.largestkey);
      }
      std::sort(file_ends.begin(), file_ends.end());
      break;
    }
    auto file_of = [&](std::string_view key) {
      return std::lower_bound(file_ends.begin(), file_ends.end(), key) -
             file_ends.begin();
    };
    for (size_t first = 0; first < cf_keys.size();) {
      size_t last = first;
      const auto file = file_of(cf_keys[first]);
      while (last + 1 < cf_keys.size() && file_of(cf_keys[last + 1]) == file) {
        ++last;
      }
      rocksdb::Slice begin(cf_keys[first].data(), cf_keys[first].size());
      rocksdb::Slice end(cf_keys[last].data(), cf_keys[last].size());
      CITYID_RETURN_IF_ERROR(FromRocksStatus(
          db_->CompactRange(compact, handle(cf), &begin, &end), "compact"));
      first = last + 1;
    }
  }
  return Status::Ok();
}

Status RocksLog::Resume() {
  Status s = FromRocksStatus(db_->Resume(), "resume");
  if (s.ok()) errors_->Clear();
  return s;
}

Status RocksLog::BackgroundError() const { return errors_->Get(); }

uint64_t RocksLog::MemtableBytes() const {
  uint64_t bytes = 0;
  if (!db_->GetAggregatedIntProperty(
          rocksdb::DB::Properties::kCurSizeAllMemTables, &bytes)) {
    return 0;
  }
  return bytes;
}

}  // namespace cityid
