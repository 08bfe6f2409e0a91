// FreeSpaceFloor: keeps the ledger's writes off a full disk (issue 9).
//
// Why: with Debian 12's RocksDB 7.8 (built with assertions) a WAL append
// that fails with ENOSPC leaves the WAL writer in an error state, and the
// next use of that writer (the next write, or Resume()) aborts the process
// (writable_file_writer.h AssertFalseAndGetStatusForPrevError). So the
// ledger must never let a WAL append fail for lack of space: every writer
// of the ledger's DB asks Check() before writing, and while the data
// directory's filesystem has fewer than `floor` bytes free (counting the
// write about to happen) the write is refused with kUnavailable instead.
// The floor also leaves room for RocksDB's own background work (memtable
// flushes, compactions); if one of those still runs out of space, RocksDB
// stops writes with a background error (writes then fail before touching
// the WAL) and the ledger's recovery probe calls Resume() once the floor is
// met with room for the memtables' flush on top (ledger_impl.h).
//
// Limit: the check and the write are not atomic. Background work (a flush,
// a compaction) running between them can take free space the check saw;
// the floor must be larger than what that work writes, which is why the
// default (64 MiB) is several memtables (16 MiB each). A compaction larger
// than the floor on an almost full disk can still make a WAL append fail.
//
// Check() probes on every call, without caching: one statvfs(2) costs about
// a microsecond (free_space_test measures it), against the hundreds of
// microseconds of the synced write it guards, and a cached answer could let
// a write through just after the disk filled.
//
// Threading: Check() may be called from any thread concurrently.
#ifndef CITYID_LEDGER_FREE_SPACE_H_
#define CITYID_LEDGER_FREE_SPACE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"

namespace cityid {

// Bytes an unprivileged writer could still use on the filesystem, or why
// that cannot be told.
using FreeSpaceProbe = std::function<Result<uint64_t>()>;

// statvfs(path): f_bavail * f_frsize (root may use a little more: the
// reserved blocks stay as extra margin). kUnavailable when statvfs fails.
FreeSpaceProbe StatvfsProbe(std::string path);

class FreeSpaceFloor {
 public:
  // floor_bytes 0: the floor is off; Check() never probes and returns OK.
  FreeSpaceFloor(uint64_t floor_bytes, FreeSpaceProbe probe)
      : floor_(floor_bytes), probe_(std::move(probe)) {}

  // OK when at least floor + `incoming` bytes are free. Otherwise
  // kUnavailable "disk full: N bytes free below floor M" (or, when the
  // write itself would cross the floor, "... a K-byte write would leave
  // less than floor M"); a probe error is passed on as kUnavailable (the
  // write is refused: unknown free space is not enough free space).
  // Logs a warning when the refusals start and a note when they stop.
  Status Check(uint64_t incoming = 0) const;

  uint64_t floor() const { return floor_; }

 private:
  const uint64_t floor_;
  const FreeSpaceProbe probe_;
  mutable std::atomic<bool> refusing_{false};  // only for the log lines
};

}  // namespace cityid

#endif  // CITYID_LEDGER_FREE_SPACE_H_
