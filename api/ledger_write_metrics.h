// LedgerWriteMetrics: a LogExtension that observes the ledger's group
// commits and records them in a Metrics registry (issue 9):
//   cityid_ledger_events_appended_total   counter: events made durable
//   cityid_ledger_batches_total{outcome}  counter: "durable" | "dropped"
//   cityid_ledger_fsync_seconds           histogram: time from the batch's
//       AddToBatch to OnBatchDone, i.e. the synced RocksDB write (WAL append
//       + fsync) of one group commit; dropped batches are not observed.
// It owns no column family and writes nothing into the batch.
//
// Wiring (cmd_ledger): construct before Ledger::Open with the process's
// Metrics, add its address to LedgerOptions::extensions, keep it alive until
// after Ledger::Close().
//
// Threading: AddToBatch/OnBatchDone run on the ledger's writer thread only;
// the metric updates are atomics, so scrapes from other threads are safe.
// Header-only so that it links wherever cityid_api does.
#ifndef CITYID_API_LEDGER_WRITE_METRICS_H_
#define CITYID_API_LEDGER_WRITE_METRICS_H_

#include <chrono>
#include <string>
#include <vector>

#include "api/metrics.h"
#include "ledger/rocksdb_log.h"

namespace cityid {

class LedgerWriteMetrics : public LogExtension {
 public:
  explicit LedgerWriteMetrics(Metrics& metrics)
      : appended_(metrics.GetCounter("cityid_ledger_events_appended_total",
                                     "Events made durable in the ledger log")),
        durable_(metrics.GetCounter("cityid_ledger_batches_total",
                                    "Group commits by outcome",
                                    {{"outcome", "durable"}})),
        dropped_(metrics.GetCounter("cityid_ledger_batches_total",
                                    "Group commits by outcome",
                                    {{"outcome", "dropped"}})),
        fsync_(metrics.GetHistogram(
            "cityid_ledger_fsync_seconds",
            "Synced RocksDB write (WAL append + fsync) of one group commit",
            DefaultLatencyBuckets())) {}

  std::vector<std::string> ColumnFamilies() const override { return {}; }
  Status OnOpen(rocksdb::DB*, const std::vector<rocksdb::ColumnFamilyHandle*>&,
                uint64_t) override {
    return Status::Ok();
  }
  Status AddToBatch(const std::vector<StoredEvent>& events,
                    rocksdb::WriteBatch&) override {
    pending_ = events.size();
    started_ = std::chrono::steady_clock::now();
    return Status::Ok();
  }
  void OnBatchDone(bool durable) override {
    if (!durable) {
      dropped_.Inc();
      return;
    }
    const std::chrono::duration<double> took =
        std::chrono::steady_clock::now() - started_;
    fsync_.Observe(took.count());
    appended_.Inc(pending_);
    durable_.Inc();
  }

 private:
  Counter& appended_;
  Counter& durable_;
  Counter& dropped_;
  Histogram& fsync_;
  size_t pending_ = 0;  // writer thread only
  std::chrono::steady_clock::time_point started_;
};

}  // namespace cityid

#endif  // CITYID_API_LEDGER_WRITE_METRICS_H_
