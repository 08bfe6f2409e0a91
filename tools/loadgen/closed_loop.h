// A generic closed-loop driver: `clients` threads, each with its own
// connection, send one request after another (the next as soon as the last
// is answered) for a fixed time; throughput and latency percentiles of what
// was answered. `cityid bench` drives the ledger's `POST /v1/residents` and
// its peers (Tessera's `POST /add`, PostgreSQL inserts) with it, so every
// system is measured by the same loop at the same concurrency.
//
// The loop knows nothing of the protocol: a ClientFactory opens one client
// per thread (an HTTP keep-alive connection, a libpq connection, ...), and
// the client's Send performs request number `i` (unique across threads) and
// returns a status: 200..299 is success, 0 means no answer, anything else is
// a failure counted under that code. HttpPoster() is the HTTP client.
//
// Threading: RunClosedLoop() blocks the caller for the run; it starts and
// joins the threads. Each client object is used by its own thread only.
#ifndef CITYID_TOOLS_LOADGEN_CLOSED_LOOP_H_
#define CITYID_TOOLS_LOADGEN_CLOSED_LOOP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/http_client.h"
#include "base/status.h"

namespace cityid::loadgen {

class LoopClient {
 public:
  virtual ~LoopClient() = default;
  // Sends request `i` and waits for its answer: an HTTP-like status.
  virtual int Send(uint64_t i) = 0;
};

// Opens the client of thread `index` (0..clients-1).
using ClientFactory =
    std::function<Result<std::unique_ptr<LoopClient>>(int index)>;

struct ClosedLoopReport {
  uint64_t requests = 0;                      // answered or failed
  uint64_t ok = 0;                            // status 2xx
  double seconds = 0;                         // start to last answer
  double ok_per_s = 0;                        // ok / seconds
  double p50_ms = 0, p99_ms = 0, max_ms = 0;  // every request
  std::map<int, uint64_t> errors;  // failed requests by status (0: none)
};

// "no errors" or "3 x 503, 1 x no answer": failures by status, 0 = no answer.
std::string FormatErrors(const std::map<int, uint64_t>& errors);

// Runs `clients` threads for `seconds`. kInvalidArgument for bad options;
// the first client that cannot be opened fails the run (its status).
Result<ClosedLoopReport> RunClosedLoop(const ClientFactory& factory,
                                       int clients, double seconds);

// HTTP POSTs to host:port `target`, one keep-alive connection per client:
// body(i) as the body, headers(i) as the headers, 30 s timeout each.
struct HttpPostSpec {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string target;
  std::function<std::string(uint64_t i)> body;
  std::function<HttpHeaders(uint64_t i)> headers;
};
ClientFactory HttpPoster(HttpPostSpec spec);

}  // namespace cityid::loadgen

#endif  // CITYID_TOOLS_LOADGEN_CLOSED_LOOP_H_
