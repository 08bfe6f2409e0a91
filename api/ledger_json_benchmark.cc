// Micro-benchmarks: parsing command bodies as the ledger routes do (strict
// JSON decoding of an enrollment and a card issue). Build with
// -DCITYID_BENCHMARKS=ON.
#include <benchmark/benchmark.h>

#include "api/ledger_json.h"

namespace cityid {
namespace {

constexpr std::string_view kEnroll =
    R"({"pii":{"given_name":"Ana","family_name":"Resident-1234",)"
    R"("date_of_birth":"1984-04-12"},"attributes":{"district":"north",)"
    R"("age_band":"35-44","language":"es"},"documents":["passport",)"
    R"("utility_bill"],"office":"central"})";
constexpr std::string_view kIssue =
    R"({"resident_id":"res_01JD3K5Q8Z7X","card_type":"standard"})";

void BM_ParseEnrollBody(benchmark::State& state) {
  std::string office;
  for (auto _ : state)
    benchmark::DoNotOptimize(ParseEnrollBody(kEnroll, &office));
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * kEnroll.size()));
}
BENCHMARK(BM_ParseEnrollBody);

void BM_ParseIssueBody(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ParseIssueBody(kIssue));
}
BENCHMARK(BM_ParseIssueBody);

}  // namespace
}  // namespace cityid

BENCHMARK_MAIN();
