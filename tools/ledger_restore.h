// Rebuilding a ledger's RocksDB log from the Kafka events topic (SPEC §1
// `cityid restore`, §8): for a ledger whose disk was lost, or a standby that
// takes over a shard.
//
// Reads every committed record of <prefix>events in seq order (read_committed,
// stream/kafka/kafka_reader.h), checks that the seqs run 1, 2, 3, ... without a
// gap and that every value decodes, and writes into an EMPTY <data>/ledger:
//   events        the record values, byte for byte (seq -> framed bytes)
//   residents     ResidentState folded from the events (ledger/aggregates.h)
//   cards         CardState folded from the events
//   status_slots  every slot a card.issued / card.replaced took
//   meta          last_seq, status_list_size
//   merkle        the Merkle tree over the events
//   (ledger/integrity/merkle_log_extension.h)
// in synced WriteBatches of up to `batch_events` events, each one a
// consistent prefix of the history. The column families are the ones the
// ledger itself would have written for the same events (ledger/FORMAT.md), so
// the restored ledger decides later commands exactly as the original would.
//
// Not in Kafka, so not restored: the vault (PII ciphertext, wrapped keys and
// blind indexes: there is no vault topic publisher yet), so restored residents'
// PII cannot be read and their duplicate detection is lost; and idempotency
// records, so a retry of a pre-restore request with its Idempotency-Key is a
// new command. Signed checkpoints are not restored (the ledger signs its head
// again when it starts); other extensions' column families catch up when the
// ledger opens (LogExtension::OnOpen).
//
// Threading: blocks the caller; single-threaded.
#ifndef CITYID_TOOLS_LEDGER_RESTORE_H_
#define CITYID_TOOLS_LEDGER_RESTORE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "stream/kafka/kafka_common.h"

namespace cityid {

struct RestoreOptions {
  KafkaOptions kafka;
  std::string data_dir;                // the ledger goes to data_dir/ledger
  uint32_t status_list_size = 131072;  // must match the ledger's config
  size_t batch_events = 5000;          // events per synced WriteBatch
  // Called after each written batch with the last restored seq.
  std::function<void(uint64_t)> progress;
};

struct RestoreReport {
  uint64_t events = 0;  // seqs 1..events restored
  uint64_t residents = 0;
  uint64_t cards = 0;
};

// Outcomes: OK with the report; kConflict when data_dir/ledger already exists
// and is not empty (restore never merges into a ledger); kNotFound when the
// events topic does not exist; kCorruption for a gap, a record that does not
// decode, or a status slot outside status_list_size; kUnavailable when Kafka
// or the disk fails (the directory then holds a consistent prefix: remove it
// and run again).
Result<RestoreReport> RestoreLedgerFromKafka(const RestoreOptions& options);

}  // namespace cityid

#endif  // CITYID_TOOLS_LEDGER_RESTORE_H_
