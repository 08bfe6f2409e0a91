// The peers of `cityid bench --peers` (SPEC §15): the systems a city would
// pick instead of cityid, measured in the same run by the same closed-loop
// driver (tools/loadgen/closed_loop.h) at the same concurrencies as the
// ledger's closed-loop rows.
//
//   tessera_posix        Tessera 1.0.4's POSIX conformance server
//                        (`go install` into a cache dir, reused), `POST /add`
//                        of an event-sized body over HTTP keep-alive.
//   postgres_bigserial   PostgreSQL from Debian, a throwaway cluster (initdb
//                        in the work dir; fsync and synchronous_commit on),
//                        one INSERT into a bigserial events table.
//   postgres_chain       the same cluster: gap-free seq + SHA-256 chain, the
//                        head row taken FOR UPDATE, seq+1 inserted with
//                        sha256(prev_hash || payload), the head updated; one
//                        statement (one transaction) per append.
//
// A peer that cannot be set up here (no `go`, no PostgreSQL binaries, no
// libpq at build time) gives rows carrying `skipped` with the reason, never
// numbers. Every function blocks the caller; servers are child processes
// stopped before it returns.
#ifndef CITYID_TOOLS_BENCH_PEERS_H_
#define CITYID_TOOLS_BENCH_PEERS_H_

#include <string>
#include <vector>

#include "base/status.h"
#include "tools/bench/bench.h"
#include "tools/loadgen/closed_loop.h"

namespace cityid::bench {

struct PeerOptions {
  std::string work_dir;      // each peer's data under here
  size_t payload_bytes = 0;  // the body of one append (an enroll event's size)
  std::vector<int> clients;  // one closed-loop run per entry
  double seconds = 1;        // per run
};

// One row per peer and entry of `clients`, in that order (peer-major).
std::vector<BenchRow> PeerRows(const PeerOptions& options);

// The closed-loop row `name` at `clients` from a run's report: value = 2xx
// answers per second, p50/p99 set, the conditions in the note (`what`, the
// run length and the errors); skipped with the status or when nothing
// succeeded.
BenchRow ClosedLoopRow(std::string name, std::string unit, int clients,
                       const Result<loadgen::ClosedLoopReport>& report,
                       const std::string& what);

}  // namespace cityid::bench

#endif  // CITYID_TOOLS_BENCH_PEERS_H_
