#include "tools/loadgen/closed_loop.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "tools/loadgen/loadgen.h"

namespace cityid::loadgen {
namespace {

using SteadyClock = std::chrono::steady_clock;

class HttpPostClient final : public LoopClient {
 public:
  explicit HttpPostClient(std::shared_ptr<const HttpPostSpec> spec)
      : spec_(std::move(spec)), client_(spec_->host, spec_->port) {}
  int Send(uint64_t i) override {
    const HttpHeaders headers =
        spec_->headers ? spec_->headers(i) : HttpHeaders{};
    auto r = client_.Post(spec_->target, spec_->body ? spec_->body(i) : "",
                          headers, 30 * kMicrosPerSecond);
    return r.ok() ? r->status : 0;
  }

 private:
  std::shared_ptr<const HttpPostSpec> spec_;
  HttpClient client_;
};

// What the threads share; the tallies under `mu`, merged at thread exit.
struct LoopState {
  std::atomic<uint64_t> next{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::map<int, uint64_t> errors;
  uint64_t ok = 0;
  SteadyClock::time_point last_answer;
};

void LoopThread(LoopClient* client, SteadyClock::time_point deadline,
                LoopState* s) {
  std::vector<double> lat;
  std::map<int, uint64_t> errors;
  uint64_t ok = 0;
  auto last = SteadyClock::now();
  while (SteadyClock::now() < deadline) {
    const auto sent = SteadyClock::now();
    const int status = client->Send(s->next.fetch_add(1));
    last = SteadyClock::now();
    lat.push_back(
        std::chrono::duration<double, std::milli>(last - sent).count());
    if (status >= 200 && status < 300)
      ++ok;
    else
      ++errors[status];
  }
  std::lock_guard<std::mutex> lock(s->mu);
  s->latencies_ms.insert(s->latencies_ms.end(), lat.begin(), lat.end());
  for (const auto& [status, n] : errors) s->errors[status] += n;
  s->ok += ok;
  s->last_answer = std::max(s->last_answer, last);
}

}  // namespace

std::string FormatErrors(const std::map<int, uint64_t>& errors) {
  std::string out;
  for (const auto& [status, n] : errors)
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " x " +
           (status ? std::to_string(status) : "no answer");
  return out.empty() ? "no errors" : out;
}

Result<ClosedLoopReport> RunClosedLoop(const ClientFactory& factory,
                                       int clients, double seconds) {
  if (clients < 1 || clients > 4096 || seconds <= 0)
    return InvalidArgument("clients must be 1..4096 and seconds > 0");
  // Every connection is open before the clock starts.
  std::vector<std::unique_ptr<LoopClient>> open;
  for (int i = 0; i < clients; ++i) {
    CITYID_ASSIGN_OR_RETURN(std::unique_ptr<LoopClient> c, factory(i));
    open.push_back(std::move(c));
  }
  LoopState s;
  const auto start = SteadyClock::now();
  s.last_answer = start;
  const auto deadline =
      start + std::chrono::duration_cast<SteadyClock::duration>(
                  std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (auto& c : open)
    threads.emplace_back(
        [&, client = c.get()] { LoopThread(client, deadline, &s); });
  for (auto& t : threads) t.join();
  ClosedLoopReport r;
  std::sort(s.latencies_ms.begin(), s.latencies_ms.end());
  r.requests = s.latencies_ms.size();
  r.ok = s.ok;
  r.errors = std::move(s.errors);
  r.seconds = std::chrono::duration<double>(s.last_answer - start).count();
  r.ok_per_s = r.seconds > 0 ? static_cast<double>(r.ok) / r.seconds : 0;
  r.p50_ms = Percentile(s.latencies_ms, 50);
  r.p99_ms = Percentile(s.latencies_ms, 99);
  r.max_ms = s.latencies_ms.empty() ? 0 : s.latencies_ms.back();
  return r;
}

ClientFactory HttpPoster(HttpPostSpec spec) {
  auto shared = std::make_shared<const HttpPostSpec>(std::move(spec));
  return [shared](int) -> Result<std::unique_ptr<LoopClient>> {
    return std::unique_ptr<LoopClient>(
        std::make_unique<HttpPostClient>(shared));
  };
}

}  // namespace cityid::loadgen
