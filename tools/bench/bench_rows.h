// The measurements behind `cityid bench` rows that need no running ledger:
// status lists, audit replay over given event bytes, synced RocksDB writes
// (the embedded ceiling) and the raw librdkafka producer (the Kafka ceiling).
// Each function runs on the caller's thread (RocksDB ones start `threads`
// writers) and returns its figures; errors are returned, never printed.
#ifndef CITYID_TOOLS_BENCH_BENCH_ROWS_H_
#define CITYID_TOOLS_BENCH_BENCH_ROWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "tools/bench/bench.h"

namespace cityid::bench {

// Status list rows: compact bytes beside the entropy bound, build time beside
// the standard (zlib JWT) build time, checked lookup ns beside the raw 2-bit
// read. `entries` with 1 % revoked and 0.2 % suspended, at random slots.
std::vector<BenchRow> StatusListRows(uint32_t entries);

// Audit replay of `events` (framed event bytes, cycled up to `total`):
// decode with CRC check + Merkle leaf hash + RFC 9162 root fold, beside
// SHA-256 of the same bytes. Both in events/s.
struct ReplayFigures {
  double replay_events_per_s = 0;
  double sha256_events_per_s = 0;
  uint64_t events = 0;
  uint64_t bytes = 0;
  uint64_t decode_failures = 0;
};
Result<ReplayFigures> MeasureReplay(const std::vector<std::string>& events,
                                    uint64_t total);

// Synced RocksDB WriteBatch throughput as the ledger's group commit does it:
// one writer, each batch `batch_commands` commands of (one event record of
// `event_bytes` + one 128-byte state record), WriteOptions::sync. Commands/s
// over `seconds`, in a fresh DB under `dir`.
Result<double> SyncedWriteBatchCommandsPerSecond(const std::string& dir,
                                                 int batch_commands,
                                                 size_t event_bytes,
                                                 double seconds);
// p99 latency in ms of one synced WriteBatch holding one command, over
// `samples` writes at `rate` per second (0: back to back).
Result<double> SyncedWriteP99Ms(const std::string& dir, size_t event_bytes,
                                int samples, double rate);

// Raw librdkafka producer: `records` of `record_bytes` to a fresh topic,
// acks=all, enable.idempotence=true; records/s from first produce to flush.
Result<double> RawProducerRecordsPerSecond(const std::string& bootstrap,
                                           size_t record_bytes,
                                           uint64_t records);

// Raw librdkafka consumer: reads `topic` from its beginning to its end (every
// partition, isolation.level=read_committed like the projections' source,
// the same fetch settings) and counts the records; no decoding.
struct ConsumeFigures {
  double records_per_s = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;
};
Result<ConsumeFigures> RawConsumerRecordsPerSecond(const std::string& bootstrap,
                                                   const std::string& topic);

}  // namespace cityid::bench

#endif  // CITYID_TOOLS_BENCH_BENCH_ROWS_H_
