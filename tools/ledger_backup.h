// Backups of an embedded ledger's RocksDB (SPEC §14): online, consistent,
// point in time, incremental, through RocksDB's BackupEngine.
//
// How one backup is taken (BackupLedgerDb):
//   1. a RocksDB checkpoint of the open DB into <data>/backup-staging: its
//      memtables flushed, table files hard-linked, the live WAL copied; a
//      consistent cut of every column family at one moment, taken while the
//      ledger keeps writing;
//   2. the checkpoint is opened on its own (no compactions) and its last
//      event seq read: the backup's recovery point, exact;
//   3. BackupEngine backs the checkpoint up into DEST with that seq in its
//      app metadata ({"last_seq":N,"events_cf_bytes":...}). Table files are
//      shared by name and checksum, so a table file an earlier backup holds
//      is not copied again;
//   4. backups older than keep_days are deleted (never the newest), and the
//      files no backup needs any more are collected; the checkpoint goes.
// A backup interrupted at any point (kill -9) leaves only BackupEngine's
// temporary files, which the next Open of DEST ignores and removes; earlier
// backups stay intact.
//
// What a backup holds: the ledger's DB only (<data>/ledger: events, state,
// vault, Merkle tree, checkpoints). Never the keys (they live outside the
// data directory, tools/bootstrap.h), the tokens, or the erasure journal.
//
// Threading: one backup of a DEST at a time (BackupEngine's rule); the
// caller serializes. The DB may be written concurrently.
#ifndef CITYID_TOOLS_LEDGER_BACKUP_H_
#define CITYID_TOOLS_LEDGER_BACKUP_H_

#include <rocksdb/db.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace cityid {

struct BackupRequest {
  std::string to;                // the backup directory (DEST), created
  std::string staging_dir;       // where the checkpoint is made: same fs as DB
  int keep_days = 35;            // backup.keep_days; 0: keep every backup
  int64_t now_unix_seconds = 0;  // 0: the current time (test seam)
  // Called now and then while files are copied, with the bytes copied so
  // far (cityid backup prints it on a terminal). May be empty.
  std::function<void(uint64_t bytes)> progress;
};

struct BackupReport {
  uint32_t backup_id = 0;
  uint64_t last_seq = 0;     // the backup's recovery point
  uint64_t size_bytes = 0;   // every file the backup references
  uint32_t files = 0;        // how many
  uint64_t files_added = 0;  // table/blob files copied by this run
  uint64_t bytes_added = 0;  // their bytes (incremental: only new ones)
  uint32_t pruned = 0;       // backups deleted as older than keep_days
  uint32_t kept = 0;         // backups in DEST afterwards
};

// Backs up the open `db` (the ledger's; written concurrently is fine) as
// described above. kInvalidArgument for an empty `to`, kUnavailable on an
// I/O error (nothing of a failed backup counts), kCorruption when DEST holds
// a damaged backup the engine refuses.
Result<BackupReport> BackupLedgerDb(rocksdb::DB* db,
                                    const BackupRequest& request);

// Opens the DB at <data_dir>/ledger (every column family, no compactions),
// for a backup while no ledger runs; kUnavailable when it is locked (a
// ledger runs: ask it instead) or missing.
Result<std::unique_ptr<rocksdb::DB>> OpenLedgerDbForBackup(
    const std::string& data_dir,
    std::vector<rocksdb::ColumnFamilyHandle*>* handles);

struct RestoreRequest {
  std::string from;                   // the backup directory
  std::string data_dir;               // the ledger's DB goes to <data>/ledger
  std::optional<uint32_t> backup_id;  // none: the newest
  bool force = false;                 // replace a non-empty data directory
};

struct RestoredBackup {
  uint32_t backup_id = 0;
  uint64_t last_seq = 0;  // from the backup's metadata
  int64_t timestamp = 0;  // when it was taken (unix seconds)
};

// Verifies the backup (sizes and checksums) and restores it into
// <data_dir>/ledger. kConflict when data_dir is not empty and !force
// (nothing touched); with force, everything in data_dir but tokens.json and
// auth.json is removed first (projection stores rebuild from the feed);
// kNotFound when DEST holds no (such) backup; kCorruption when it fails
// verification.
Result<RestoredBackup> RestoreLedgerBackup(const RestoreRequest& request);

// The recovery point recorded in a backup's app metadata; 0 when absent.
uint64_t BackupLastSeq(const std::string& app_metadata);

}  // namespace cityid

#endif  // CITYID_TOOLS_LEDGER_BACKUP_H_
