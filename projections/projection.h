// The projection runtime (SPEC §1, §4, §8): a Projection folds events into
// its own state; a ProjectionStore keeps that state and the projection's
// position (the last applied seq) in one RocksDB and commits both in one
// synced WriteBatch, so state and position can never disagree.
//
// Exactly-once by construction: a batch of events is applied into a
// StateBatch (nothing is written yet), then committed together with the seq
// of its last event. A crash before the commit loses the whole batch and the
// position with it; on restart the runner (projections/projection_runner.h)
// asks for the events after the committed position and applies them again.
// For that to converge to a clean replay, Projection::Apply must be
// deterministic: a function of the event and of the state it reads through
// the StateBatch only (no clock, no randomness, no outside reads).
//
// On-disk layout (one RocksDB per projection, under data_dir/<name>):
//   column family "default": the projection's own keys and values
//   column family "meta":    "position" -> u64 big-endian last applied seq
#ifndef CITYID_PROJECTIONS_PROJECTION_H_
#define CITYID_PROJECTIONS_PROJECTION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "schemas/event.h"
#include "stream/stored_event.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class WriteBatchWithIndex;
}  // namespace rocksdb

namespace cityid {

class ProjectionStore;

// The uncommitted state changes of one batch of events. Reads see the
// committed state overlaid with this batch's own earlier writes, so an event
// sees the changes of the events before it in the same batch.
//
// Owned by whoever called ProjectionStore::NewBatch(); must not outlive the
// store. Not thread-safe: used by the runner thread only.
class StateBatch {
 public:
  ~StateBatch();
  StateBatch(const StateBatch&) = delete;
  StateBatch& operator=(const StateBatch&) = delete;

  // The value of `key`, or nullopt when absent. kUnavailable/kCorruption when
  // RocksDB fails.
  Result<std::optional<std::string>> Get(std::string_view key) const;
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // Calls fn(key, value) for every key starting with `prefix`, in key order,
  // over committed state overlaid with this batch. Stops early (OK) when fn
  // returns false.
  Status Scan(
      std::string_view prefix,
      const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // Number of Put/Delete operations recorded so far.
  size_t size() const { return ops_; }

 private:
  friend class ProjectionStore;
  explicit StateBatch(ProjectionStore* store);

  ProjectionStore* store_;
  std::unique_ptr<rocksdb::WriteBatchWithIndex> batch_;
  size_t ops_ = 0;
};

// A projection: folds events, one at a time and in seq order, into state.
// Called on the runner thread only.
class Projection {
 public:
  virtual ~Projection() = default;

  // Adds the state changes `event` causes to `batch`. `stored` carries the
  // exact bytes (for projections that hash or re-publish them). Must be
  // deterministic (see the file comment). Returns OK for events the
  // projection ignores; any error stops the batch before it is committed
  // (kCorruption for a history the projection cannot make sense of, e.g. a
  // card event for an unknown card).
  virtual Status Apply(const Event& event, const StoredEvent& stored,
                       StateBatch& batch) = 0;
};

struct ProjectionStoreOptions {
  // fsync each commit. Tests that do not simulate power loss may turn it off.
  bool sync = true;
};

// One projection's RocksDB: state plus position.
//
// Threading: NewBatch() and Commit() are called by the one runner thread;
// Get(), Scan(), position() and Fingerprint() may be called from any thread
// at any time and see committed state only (a consistent snapshot per call).
class ProjectionStore {
 public:
  // Opens or creates the store at data_dir/<name>. Returns kUnavailable when
  // RocksDB cannot open it (e.g. locked by another process) and kCorruption
  // when the stored position is malformed.
  static Result<std::unique_ptr<ProjectionStore>> Open(
      const std::string& data_dir, const std::string& name,
      ProjectionStoreOptions options = {});
  ~ProjectionStore();
  ProjectionStore(const ProjectionStore&) = delete;
  ProjectionStore& operator=(const ProjectionStore&) = delete;

  // The last committed seq; 0 for a new store.
  uint64_t position() const;

  // A new, empty batch over the current committed state.
  std::unique_ptr<StateBatch> NewBatch();
  // Writes the batch's changes and `position` in one synced WriteBatch.
  // `position` must be >= position() (kInternal otherwise). Returns
  // kUnavailable when the write fails; nothing is then committed.
  Status Commit(StateBatch& batch, uint64_t position);

  // Committed state: value of `key` or nullopt.
  Result<std::optional<std::string>> Get(std::string_view key) const;
  // Committed state, keys starting with `prefix` in key order; stops early
  // (OK) when fn returns false.
  Status Scan(
      std::string_view prefix,
      const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // Lower-case hex SHA-256 over the position and every (key, value) of the
  // state in key order, each length-prefixed. Two stores with the same
  // position and state have the same fingerprint, whatever batches built
  // them; crash tests compare it with a clean replay.
  Result<std::string> Fingerprint() const;

  const std::string& path() const { return path_; }

 private:
  friend class StateBatch;
  ProjectionStore(std::string path, ProjectionStoreOptions options);

  std::string path_;
  ProjectionStoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // default, meta
  std::atomic<uint64_t> position_{0};
};

}  // namespace cityid

#endif  // CITYID_PROJECTIONS_PROJECTION_H_
