// `cityid bench`: the benchmark suite (SPEC §9); tools/bench/bench.h does
// the work, this file parses flags and prints the table or JSON.
#include <fstream>
#include <iostream>

#include "tools/bench/bench.h"
#include "tools/commands.h"

namespace cityid {
namespace {

struct BenchFlags {
  bench::BenchOptions options;
  bool json = false;
  uint64_t rss_large_residents = 0;  // used when given
  CLI::Option* rss_large = nullptr;
  std::string json_file;  // also write the JSON here ("" : don't)
};

int Run(const BenchFlags& flags) {
  bench::BenchOptions options = flags.options;
  if (flags.rss_large->count() > 0)
    options.rss_large_residents = flags.rss_large_residents;
  auto rows = bench::RunBench(options);
  if (!rows.ok()) return Fail(rows.status());
  if (!flags.json_file.empty()) {
    std::ofstream out(flags.json_file);
    out << bench::FormatJson(*rows) << "\n";
    if (!out) return Fail(Unavailable("cannot write " + flags.json_file));
  }
  std::cout << (flags.json ? bench::FormatJson(*rows) + "\n"
                           : bench::FormatTable(*rows));
  return 0;
}

}  // namespace

void AddBenchCommand(CLI::App* app) {
  auto flags = std::make_shared<BenchFlags>();
  bench::BenchOptions& o = flags->options;
  CLI::App* cmd = app->add_subcommand(
      "bench", "benchmark suite: each figure beside its ceiling (SPEC §9)");
  cmd->add_flag("--quick", o.quick, "small sizes (CI smoke test)");
  cmd->add_flag("--json", flags->json, "print {\"rows\": [...]} as JSON");
  cmd->add_option("--json-file", flags->json_file,
                  "also write the JSON rows to this file (with the table)");
  cmd->add_flag("--peers", o.peers,
                "also measure the peers (SPEC §15): Tessera POSIX log, "
                "PostgreSQL bigserial and SHA-256 chain tables");
  cmd->add_option("--clients", o.sweep_clients,
                  "clients of the closed-loop enroll and peer rows "
                  "(4 quick; 16 64 256)")
      ->delimiter(',');
  cmd->add_option("--kafka", o.kafka_bootstrap,
                  "Kafka bootstrap servers for the Kafka rows");
  cmd->add_option("--work-dir", o.work_dir,
                  "where the ledger under test lives (kept afterwards)");
  cmd->add_option("--concurrency", o.concurrency, "load clients (4 quick, 16)");
  cmd->add_option("--seconds", o.seconds, "per throughput run (3 quick, 20)");
  cmd->add_option("--rss-residents", o.rss_residents,
                  "residents bulk-loaded before the RSS reading (300 quick, "
                  "1000000)");
  flags->rss_large = cmd->add_option(
      "--rss-large-residents", flags->rss_large_residents,
      "the same ledger then loaded on to this many residents for the second "
      "RSS row, last in the run (600 quick, 10000000: ~1.5 h here; 0 skips)");
  cmd->add_option("--audit-events", o.audit_events,
                  "events replayed in the audit row (20000 quick, 1000000)");
  cmd->add_option("--kafka-preload", o.kafka_preload,
                  "residents bulk-loaded into the Kafka-mode ledger before "
                  "its peak run (300 quick, 50000)");
  cmd->add_option("--cityid", o.cityid_binary,
                  "cityid binary for the ledger under test (default: this)");
  cmd->callback([flags] { throw CLI::RuntimeError(Run(*flags)); });
}

}  // namespace cityid
