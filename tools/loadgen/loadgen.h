// The load generator engine behind `cityid loadgen` and `cityid bench`:
// drives a CityModel (tools/loadgen/city_model.h) against a running ledger
// over its HTTP API (SPEC §3, §10) with `concurrency` worker threads, one
// HttpClient each.
//
// Rate control is open-loop: command i is due at start + i / rate whatever
// the answers so far; a worker takes the next due command, sleeps until its
// due time and sends it. Latency is measured from the due time (so queueing
// behind a slow ledger counts, no coordinated omission). rate == 0 means
// closed loop: every worker sends its next command as soon as it has an
// answer (peak throughput).
//
// Threading: RunLoad() blocks the caller for the run; it starts and joins the
// workers and, when `progress` is set, prints a progress line to stderr every
// second (carriage return, for a terminal).
#ifndef CITYID_TOOLS_LOADGEN_LOADGEN_H_
#define CITYID_TOOLS_LOADGEN_LOADGEN_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "base/status.h"
#include "tools/loadgen/city_model.h"

namespace cityid::loadgen {

struct LoadOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string clerk_token;
  std::string supervisor_token;
  CityParams city;
  double rate = 0;         // commands per second; 0: closed loop
  double duration_s = 10;  // stop sending after this long
  // Stop after this many commands (0: no limit); with bulk mode and a
  // finished city the run ends early anyway.
  uint64_t max_commands = 0;
  int concurrency = 8;
  bool progress = false;
};

struct LoadReport {
  uint64_t commands = 0;  // answered or failed
  uint64_t ok = 0;        // 2xx
  double seconds = 0;     // first due time to last answer
  double throughput = 0;  // commands per second (all answers)
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;  // all answers
  // Failed commands by HTTP status; 0 = no answer (connection, timeout).
  std::map<int, uint64_t> errors;
  std::array<uint64_t, kOpKinds> by_kind{};
  double sim_years = 0;
  uint64_t residents = 0;  // enrolled at the end
  uint64_t active_cards = 0;

  // The human report: throughput, percentiles, errors, mix.
  std::string Format() const;
};

// Runs the load. kInvalidArgument for bad options; kUnavailable when the
// ledger does not answer /readyz within 30 s. Command failures are counted
// in the report, not returned.
Result<LoadReport> RunLoad(const LoadOptions& options);

// The JSON body of `POST /v1/residents` for resident number `i` of a city
// (PII, attributes, documents, office; deterministic in i).
std::string EnrollBody(uint64_t i);

// Percentile `p` (0..100) of sorted values (nearest rank); 0 when empty.
double Percentile(const std::vector<double>& sorted, double p);

}  // namespace cityid::loadgen

#endif  // CITYID_TOOLS_LOADGEN_LOADGEN_H_
