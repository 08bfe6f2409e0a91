// `cityid bench`: the benchmark suite (SPEC §9). Every row is a figure beside
// a ceiling measured on the same machine in the same run, and their ratio.
//
//   RunBench() starts its own ledger (`<this binary> keys init` and
//   `<this binary> ledger` in a temporary directory), loads it with the
//   loadgen engine (tools/loadgen/loadgen.h), and measures the rows in
//   tools/bench/bench_rows.h, then the closed-loop enroll rows at each of
//   `sweep_clients` and, with `peers`, the peers of SPEC §15
//   (tools/bench/peers.h) at the same client counts; each ledger throughput
//   row gets its ratio to the best peer. A row that cannot be measured here
//   (no broker, no `go`) carries `skipped` and no numbers — never a made-up
//   one.
//
// Threading: RunBench() blocks the caller for the whole run (seconds with
// --quick, many minutes without) and prints progress to stderr.
#ifndef CITYID_TOOLS_BENCH_BENCH_H_
#define CITYID_TOOLS_BENCH_BENCH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cityid::bench {

struct BenchRow {
  BenchRow() = default;
  BenchRow(std::string row_name, std::string row_unit)
      : name(std::move(row_name)), unit(std::move(row_unit)) {}

  std::string name;
  std::string unit;
  std::optional<double> value;
  std::optional<double> ceiling;
  std::string ceiling_name;  // what the ceiling is
  // The target, on the ratio unless target_on_value (then on the value).
  std::optional<double> target;
  bool target_on_value = false;
  bool lower_is_better = false;
  std::string skipped;  // why the row has no numbers; "" when measured
  std::string note;     // sizes, conditions

  // Closed-loop rows (one system at one concurrency): the clients, and the
  // latency percentiles of every request of the run.
  int clients = 0;  // 0: not a closed-loop row
  std::optional<double> p50_ms, p99_ms;
  // Peers (SPEC §15). A peer row names its system in `peer`. A ledger
  // throughput row (vs_peers) gets, from ApplyPeerRatios(), the best peer
  // row measured at its `clients` and its value's ratio to that peer's.
  std::string peer;  // "" : not a peer row
  bool vs_peers = false;
  std::optional<double> peer_ratio;
  std::string best_peer;  // the row name of that peer

  std::optional<double> ratio() const;
  // Whether the target is met; nullopt without a target or numbers.
  std::optional<bool> met() const;
};

struct BenchOptions {
  bool quick = false;
  std::string kafka_bootstrap;  // "" : Kafka rows are skipped
  std::string cityid_binary;    // "" : this executable
  std::string work_dir;         // "" : a fresh directory under $TMPDIR
  bool keep_work_dir = false;
  int concurrency = 0;         // 0: 4 quick, 16 full
  double seconds = 0;          // per throughput run; 0: 3 quick, 20 full
  uint64_t rss_residents = 0;  // 0: 300 quick, 1,000,000 full
  // The same ledger is then loaded on to this many residents (last, as it
  // takes longest: ~1.5 h for 10 M here). nullopt: 600 quick, 10,000,000
  // full; at most rss_residents: the row is skipped.
  std::optional<uint64_t> rss_large_residents;
  uint64_t audit_events = 0;  // 0: 20,000 quick, 1,000,000 full
  // Residents bulk-loaded into the Kafka-mode ledger before its peak run;
  // with that run they make the history the Kafka rebuild row reads.
  uint64_t kafka_preload = 0;  // 0: 300 quick, 50,000 full
  // Measure the peers (SPEC §15) beside the ledger's closed-loop rows.
  bool peers = false;
  // Clients of the closed-loop enroll rows (ledger and peers). Empty: {4}
  // quick, {16, 64, 256} full; `concurrency` is added when missing, so the
  // realistic-mix rows have peers at their concurrency too.
  std::vector<int> sweep_clients;
  double sweep_seconds = 0;  // per closed-loop point; 0: 1 quick, `seconds`
};

// Runs every row. kUnavailable when the ledger under test cannot be started;
// a row that fails on its own is reported in its `skipped` with the error.
Result<std::vector<BenchRow>> RunBench(const BenchOptions& options);

// Sets peer_ratio, best_peer (and, for closed-loop ledger rows without a
// ceiling of their own, the ceiling) of every vs_peers row from the measured
// peer row with the same clients and the highest value.
void ApplyPeerRatios(std::vector<BenchRow>* rows);

// {"rows": [{"name","value","unit","ceiling","ratio","target",
//            "lower_is_better", "peer_ratio", "best_peer", ...}]}; missing
// numbers are null; closed-loop rows add "clients", "p50_ms", "p99_ms",
// peer rows "peer".
std::string FormatJson(const std::vector<BenchRow>& rows);
// One aligned text table.
std::string FormatTable(const std::vector<BenchRow>& rows);

}  // namespace cityid::bench

#endif  // CITYID_TOOLS_BENCH_BENCH_H_
