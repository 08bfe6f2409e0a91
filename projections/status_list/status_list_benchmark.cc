// Micro-benchmarks: building both forms of a 1,000,000-entry list and
// looking up one entry after load. Build with -DCITYID_BENCHMARKS=ON in a
// Release build; run with --benchmark_repetitions to see variation.
#include <benchmark/benchmark.h>

#include <random>

#include "projections/status_list/compact_list.h"
#include "projections/status_list/status_list_jwt.h"
#include "projections/status_list/test_util.h"
#include "projections/status_list/verifier.h"

namespace cityid::statuslist {
namespace {

constexpr uint32_t kEntries = 1'000'000;

// A 1M-entry list with state.range(0) per mille revoked (and a fifth as many
// suspended).
StatusList BenchList(const benchmark::State& state) {
  const auto revoked = static_cast<uint32_t>(kEntries / 1000 * state.range(0));
  return testing::MakeList(
      testing::RandomStatuses(kEntries, revoked, revoked / 5, 1));
}

const SigningKey& BenchKey() {
  static const SigningKey key = *SigningKey::FromSeed(std::string(32, '\3'));
  return key;
}

Verifier BenchVerifier() {
  Jwks keys;
  keys.AddPublicOf(BenchKey()).PermitUnchecked();
  return Verifier(std::move(keys));
}

void BM_EncodeCompact(benchmark::State& state) {
  const StatusList list = BenchList(state);
  size_t bytes = 0;
  for (auto _ : state) {
    Result<std::string> out = EncodeCompactList(list, BenchKey());
    bytes = out->size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_EncodeCompact)
    ->Arg(1)
    ->Arg(10)
    ->Arg(50)
    ->Unit(benchmark::kMillisecond);

void BM_EncodeStandardJwt(benchmark::State& state) {
  const StatusList list = BenchList(state);
  size_t bytes = 0;
  for (auto _ : state) {
    Result<std::string> out = EncodeStatusListJwt(
        list.statuses,
        {"https://x/v1/status-lists/1", list.iat, list.exp, 3600}, BenchKey());
    bytes = out->size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_EncodeStandardJwt)
    ->Arg(1)
    ->Arg(10)
    ->Arg(50)
    ->Unit(benchmark::kMillisecond);

void BM_LoadCompact(benchmark::State& state) {
  const std::string bytes = *EncodeCompactList(BenchList(state), BenchKey());
  const Verifier verifier = BenchVerifier();
  for (auto _ : state)
    benchmark::DoNotOptimize(verifier.Load(bytes, testing::kNow));
}
BENCHMARK(BM_LoadCompact)->Arg(10)->Unit(benchmark::kMillisecond);

void BM_LoadStandardJwt(benchmark::State& state) {
  const StatusList list = BenchList(state);
  const std::string jwt = *EncodeStatusListJwt(
      list.statuses, {"https://x/v1/status-lists/1", list.iat, list.exp, 3600},
      BenchKey());
  const Verifier verifier = BenchVerifier();
  for (auto _ : state)
    benchmark::DoNotOptimize(verifier.Load(jwt, testing::kNow));
}
BENCHMARK(BM_LoadStandardJwt)->Arg(10)->Unit(benchmark::kMillisecond);

// One checked lookup (range, expiry, reserved value) at a random index.
void BM_Lookup(benchmark::State& state) {
  const LoadedList list = *BenchVerifier().Load(
      *EncodeCompactList(BenchList(state), BenchKey()), testing::kNow);
  std::mt19937 rng(5);
  std::uniform_int_distribution<uint32_t> index(0, kEntries - 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(list.Lookup(index(rng), testing::kNow));
  }
}
BENCHMARK(BM_Lookup)->Arg(10);

// The raw two-bit read underneath.
void BM_RawGet(benchmark::State& state) {
  const StatusList list = BenchList(state);
  std::mt19937 rng(5);
  std::uniform_int_distribution<uint32_t> index(0, kEntries - 1);
  for (auto _ : state) benchmark::DoNotOptimize(list.statuses.Get(index(rng)));
}
BENCHMARK(BM_RawGet)->Arg(10);

}  // namespace
}  // namespace cityid::statuslist

BENCHMARK_MAIN();
