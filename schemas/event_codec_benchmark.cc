// Micro-benchmarks: encoding and decoding the golden events (one of each
// type), the per-event cost under every ledger write, feed read and replay.
// Build with -DCITYID_BENCHMARKS=ON.
#include <benchmark/benchmark.h>

#include "schemas/event_codec.h"
#include "schemas/golden_events.h"

namespace cityid {
namespace {

void BM_EncodeEvent(benchmark::State& state) {
  const std::vector<Event> events = GoldenEvents();
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    std::string out = EncodeEvent(events[i++ % events.size()]);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EncodeEvent);

void BM_DecodeEvent(benchmark::State& state) {
  std::vector<std::string> framed;
  for (const Event& e : GoldenEvents()) framed.push_back(EncodeEvent(e));
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& in = framed[i++ % framed.size()];
    bytes += in.size();
    benchmark::DoNotOptimize(DecodeEvent(in));
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_DecodeEvent);

}  // namespace
}  // namespace cityid

BENCHMARK_MAIN();
