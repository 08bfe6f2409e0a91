// RunBench: the ledger-backed rows of `cityid bench` and the run's order.
//
//   1. keys init + `cityid ledger` in <work>/ledger (a child process)
//   2. bulk-load residents (loadgen --bulk) -> RSS row
//   3. realistic mix, closed loop -> peak commands/s
//   4. open loop at half the peak -> p99 latency
//   5. read the whole feed (ceiling) -> events for audit replay
//   6. registry cold rebuild from the feed; then the closed-loop enroll rows
//      at each of sweep_clients (then the ledger is frozen until step 9)
//   7. offline ceilings: synced RocksDB batches, synced single writes
//   8. Kafka rows when a broker is given (with its enroll rows); the peers
//      with --peers; audit replay; status lists
//   9. the large RSS load; every ledger row's ratio to the best peer
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/http_client.h"
#include "projections/projection_runner.h"
#include "projections/registry.h"
#include "schemas/event_codec.h"
#include "stream/feed_source.h"
#include "stream/kafka/kafka_source.h"
#include "tools/bench/bench.h"
#include "tools/bench/bench_rows.h"
#include "tools/bench/child_process.h"
#include "tools/bench/peers.h"
#include "tools/loadgen/closed_loop.h"
#include "tools/loadgen/loadgen.h"

namespace cityid::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr double kMiB = 1024.0 * 1024.0;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

void Say(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
}

Result<std::string> TokenOf(const std::string& dir, const std::string& role) {
  std::ifstream in(dir + "/tokens.json");
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text.str(), ec);
  if (ec || !v.is_object() || !v.as_object().contains(role) ||
      !v.as_object().at(role).is_string())
    return NotFound("no " + role + " token in " + dir + "/tokens.json");
  return std::string(v.as_object().at(role).as_string());
}

// A running ledger under test and its tokens.
struct LedgerUnderTest {
  std::string dir;
  uint16_t port = 0;
  std::optional<ChildProcess> process;
  std::string clerk, supervisor, projection;
};

Result<LedgerUnderTest> StartLedger(const std::string& binary,
                                    const std::string& dir,
                                    std::vector<std::string> extra) {
  LedgerUnderTest l;
  l.dir = dir;
  std::filesystem::create_directories(dir);
  CITYID_ASSIGN_OR_RETURN(
      ChildProcess init,
      ChildProcess::Start({binary, "keys", "init", "--data", dir},
                          dir + ".init.log"));
  if (init.Wait(60'000) != 0)
    return Unavailable("keys init failed; see " + dir + ".init.log");
  CITYID_ASSIGN_OR_RETURN(l.clerk, TokenOf(dir, "clerk"));
  CITYID_ASSIGN_OR_RETURN(l.supervisor, TokenOf(dir, "supervisor"));
  CITYID_ASSIGN_OR_RETURN(l.projection, TokenOf(dir, "projection"));
  CITYID_ASSIGN_OR_RETURN(l.port, FreePort());
  std::vector<std::string> argv = {binary, "ledger", "--data",
                                   dir,    "--port", std::to_string(l.port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  CITYID_ASSIGN_OR_RETURN(ChildProcess p,
                          ChildProcess::Start(argv, dir + "/ledger.log"));
  l.process.emplace(std::move(p));
  HttpClient client("127.0.0.1", l.port);
  for (int i = 0; i < 600; ++i) {
    auto r = client.Get("/readyz", {}, kMicrosPerSecond);
    if (r.ok() && r->status == 200) return l;
    if (l.process->Wait(0) != -1 || l.process->pid() < 0)
      return Unavailable("ledger exited; see " + dir + "/ledger.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Unavailable("ledger not ready in 60 s; see " + dir + "/ledger.log");
}

loadgen::LoadOptions LoadFor(const LedgerUnderTest& l, const BenchOptions& o) {
  loadgen::LoadOptions lo;
  lo.port = l.port;
  lo.clerk_token = l.clerk;
  lo.supervisor_token = l.supervisor;
  lo.concurrency = o.concurrency;
  lo.duration_s = o.seconds;
  lo.city.residents = 1'000'000;
  return lo;
}

std::string ErrorsText(const loadgen::LoadReport& r) {
  return loadgen::FormatErrors(r.errors);
}

// Bulk loads and the RSS rows. A load of `residents` more residents runs in
// `parts` equal parts (distinct seeds, so distinct residents); VmRSS after
// each part goes into the note as the growth curve. `loaded` is how many the
// ledger already holds (its curve continues from there).
BenchRow RssRow(const LedgerUnderTest& l, const BenchOptions& o,
                uint64_t loaded, uint64_t residents, int parts,
                uint64_t first_seed, double* commands_per_s) {
  const uint64_t total = loaded + residents;
  BenchRow row{"ledger_rss_after_" + std::to_string(total) + "_residents",
               "MiB"};
  row.ceiling_name = "ledger data directory size on disk";
  row.target = 512;
  row.target_on_value = true;
  row.lower_is_better = true;
  uint64_t commands = 0;
  double seconds = 0;
  std::string curve, errors;
  Say("bulk-loading " + std::to_string(residents) + " residents (to " +
      std::to_string(total) + ")");
  for (int part = 0; part < parts; ++part) {
    loadgen::LoadOptions lo = LoadFor(l, o);
    lo.city.residents = residents / parts + (part == 0 ? residents % parts : 0);
    lo.city.bulk = true;
    lo.city.seed = first_seed + static_cast<uint64_t>(part);
    lo.duration_s = 24 * 3600;
    lo.progress = true;
    auto r = loadgen::RunLoad(lo);
    if (!r.ok()) return row.skipped = r.status().ToString(), row;
    commands += r->commands;
    seconds += r->seconds;
    loaded += lo.city.residents;
    if (!r->errors.empty())
      errors += (errors.empty() ? "" : "; ") + ErrorsText(*r);
    auto rss = ProcStatusBytes(l.process->pid(), "VmRSS");
    if (!rss.ok()) return row.skipped = "no /proc status", row;
    char point[64];
    std::snprintf(point, sizeof point, "%llu: %.0f",
                  static_cast<unsigned long long>(loaded),
                  static_cast<double>(*rss) / kMiB);
    curve += (curve.empty() ? "" : ", ") + std::string(point);
    Say(std::string("  VmRSS MiB after ") + point);
  }
  auto rss = ProcStatusBytes(l.process->pid(), "VmRSS");
  auto hwm = ProcStatusBytes(l.process->pid(), "VmHWM");
  if (!rss.ok() || !hwm.ok()) return row.skipped = "no /proc status", row;
  row.value = static_cast<double>(*rss) / kMiB;
  row.ceiling = static_cast<double>(DirectoryBytes(l.dir)) / kMiB;
  *commands_per_s = static_cast<double>(commands) / std::max(seconds, 1e-9);
  char note[256];
  std::snprintf(note, sizeof note,
                "VmHWM %.1f MiB; bulk load %llu commands in %.1f s at %.0f/s "
                "(%s); VmRSS MiB by residents loaded: ",
                static_cast<double>(*hwm) / kMiB,
                static_cast<unsigned long long>(commands), seconds,
                static_cast<double>(commands) / std::max(seconds, 1e-9),
                errors.empty() ? "no errors" : errors.c_str());
  row.note = note + curve;
  return row;
}

// Step 5: reads the whole feed; events/s, and the bytes (up to `keep`).
Result<double> ReadFeed(const LedgerUnderTest& l, size_t keep,
                        std::vector<std::string>* events, uint64_t* head) {
  FeedSource source({"127.0.0.1", l.port, l.projection});
  uint64_t after = 0, n = 0;
  const auto start = SteadyClock::now();
  while (true) {
    CITYID_ASSIGN_OR_RETURN(auto batch, source.Fetch(after, 1000, 0));
    if (batch.empty()) break;
    for (auto& e : batch) {
      if (events->size() < keep) events->push_back(std::move(e.bytes));
      after = e.seq;
      ++n;
    }
    if (source.HeadSeq() && after >= *source.HeadSeq()) break;
  }
  *head = after;
  return static_cast<double>(n) / SecondsSince(start);
}

// Wraps a source and adds up the wall time spent in its Fetch, so a rebuild
// row can say how much of its time was reading and how much applying and
// committing.
class TimedSource final : public EventSource {
 public:
  explicit TimedSource(EventSource* inner) : inner_(inner) {}
  Result<std::vector<StoredEvent>> Fetch(uint64_t after, size_t limit,
                                         Micros wait) override {
    const auto start = SteadyClock::now();
    auto out = inner_->Fetch(after, limit, wait);
    fetch_seconds_ += SecondsSince(start);
    return out;
  }
  std::optional<uint64_t> HeadSeq() const override { return inner_->HeadSeq(); }
  double fetch_seconds() const { return fetch_seconds_; }

 private:
  EventSource* inner_;
  double fetch_seconds_ = 0;
};

// Steps 6 and 8a: a cold registry rebuild (a fresh store under `dir`) from
// `source` up to `head` (nullopt: the source's HeadSeq after its first
// fetch), events/s. `wait` is the runner's fetch wait.
struct RebuildFigures {
  double events_per_s = 0;
  uint64_t events = 0;
  uint64_t cycles = 0;       // fetch + apply + synced commit
  double seconds = 0;        // wall time of the whole rebuild
  double fetch_seconds = 0;  // of which inside the source's Fetch
  std::string Note() const {
    char note[200];
    std::snprintf(note, sizeof note,
                  "%llu events, %llu fetch+apply+synced-commit cycles (<= "
                  "1000 events each); %.0f%% of %.1f s in the source's Fetch",
                  static_cast<unsigned long long>(events),
                  static_cast<unsigned long long>(cycles),
                  100 * fetch_seconds / std::max(seconds, 1e-9), seconds);
    return note;
  }
};

Result<RebuildFigures> RebuildRegistry(EventSource* inner,
                                       const std::string& dir,
                                       std::optional<uint64_t> head,
                                       Micros wait) {
  TimedSource timed(inner);
  EventSource* source = &timed;
  CITYID_ASSIGN_OR_RETURN(auto store, ProjectionStore::Open(dir, "registry"));
  Registry registry(store.get(), SystemClock::Default());
  ProjectionRunner runner(store.get(), &registry, source,
                          {.batch_limit = 1000, .wait = wait});
  const auto start = SteadyClock::now();
  int idle = 0;
  RebuildFigures f;
  while (true) {
    CITYID_ASSIGN_OR_RETURN(size_t n, runner.RunOnce());
    ++f.cycles;
    if (!head) head = source->HeadSeq();
    if (head && runner.position() >= *head) break;
    if (n == 0 && ++idle > 10)
      return Internal("registry stalled at " +
                      std::to_string(runner.position()) + " before the head");
  }
  f.seconds = SecondsSince(start);
  f.events = runner.position();
  f.fetch_seconds = timed.fetch_seconds();
  f.events_per_s = static_cast<double>(f.events) / f.seconds;
  return f;
}

void Defaults(BenchOptions* o) {
  if (o->concurrency <= 0) o->concurrency = o->quick ? 4 : 16;
  if (o->seconds <= 0) o->seconds = o->quick ? 3 : 20;
  if (o->rss_residents == 0) o->rss_residents = o->quick ? 300 : 1'000'000;
  if (!o->rss_large_residents)
    o->rss_large_residents = o->quick ? 600 : 10'000'000;
  if (o->audit_events == 0) o->audit_events = o->quick ? 20'000 : 1'000'000;
  if (o->kafka_preload == 0) o->kafka_preload = o->quick ? 300 : 50'000;
  if (o->cityid_binary.empty()) o->cityid_binary = SelfExe();
  if (o->sweep_clients.empty())
    o->sweep_clients =
        o->quick ? std::vector<int>{4} : std::vector<int>{16, 64, 256};
  if (std::find(o->sweep_clients.begin(), o->sweep_clients.end(),
                o->concurrency) == o->sweep_clients.end())
    o->sweep_clients.push_back(o->concurrency);
  std::sort(o->sweep_clients.begin(), o->sweep_clients.end());
  if (o->sweep_seconds <= 0) o->sweep_seconds = o->quick ? 1 : o->seconds;
}

}  // namespace

namespace {

// Steps 3-4 on one ledger: peak, then half of it. `prefix` names the mode.
void ThroughputRows(const LedgerUnderTest& l, const BenchOptions& o,
                    const std::string& mode, BenchRow* peak_row,
                    BenchRow* p99_row, double* peak_out) {
  loadgen::LoadOptions lo = LoadFor(l, o);
  lo.city.seed = 2;
  Say(mode + ": peak (closed loop, " + std::to_string(o.concurrency) +
      " clients)");
  auto peak = loadgen::RunLoad(lo);
  if (!peak.ok() || peak->ok == 0) {
    peak_row->skipped = peak.ok() ? "no command succeeded: " + ErrorsText(*peak)
                                  : peak.status().ToString();
    if (p99_row) p99_row->skipped = peak_row->skipped;
    return;
  }
  const double ok_rate = static_cast<double>(peak->ok) / peak->seconds;
  *peak_out = ok_rate;
  peak_row->value = ok_rate;
  peak_row->clients = o.concurrency;
  peak_row->vs_peers = true;
  peak_row->p50_ms = peak->p50_ms;
  peak_row->p99_ms = peak->p99_ms;
  char note[256];
  std::snprintf(note, sizeof note,
                "%d clients, %.0f s, realistic mix, p99 %.1f ms at peak; %s",
                o.concurrency, peak->seconds, peak->p99_ms,
                ErrorsText(*peak).c_str());
  peak_row->note = note;
  if (!p99_row) return;
  lo.rate = ok_rate / 2;
  // Open loop needs spare clients: each one waits for its answer.
  lo.concurrency = std::max(o.concurrency * 4, 32);
  lo.city.seed = 3;
  Say(mode + ": half of peak, open loop at " + std::to_string(lo.rate) + "/s");
  auto half = loadgen::RunLoad(lo);
  if (!half.ok()) return void(p99_row->skipped = half.status().ToString());
  p99_row->value = half->p99_ms;
  std::snprintf(
      note, sizeof note,
      "open loop %.0f/s achieved %.0f/s, p50 %.2f ms, max %.1f ms; %s", lo.rate,
      half->throughput, half->p50_ms, half->max_ms, ErrorsText(*half).c_str());
  p99_row->note = note;
}

double MeanSize(const std::vector<std::string>& events) {
  if (events.empty()) return 300;
  double total = 0;
  for (const auto& e : events) total += static_cast<double>(e.size());
  return total / static_cast<double>(events.size());
}

// Why the 10 M row is not run, with what it would take at the measured rate.
std::string TenMillionNote(double bulk_commands_per_s) {
  std::string why = "not run (--rss-large-residents 10000000 runs it)";
  if (bulk_commands_per_s <= 0) return why;
  char more[160];
  std::snprintf(more, sizeof more,
                "; at the bulk rate measured above (%.0f commands/s, two per "
                "resident) it would take %.1f h",
                bulk_commands_per_s, 2e7 / bulk_commands_per_s / 3600);
  return why + more;
}

BenchRow Skipped(std::string name, std::string unit, std::string why) {
  BenchRow r{std::move(name), std::move(unit)};
  r.skipped = std::move(why);
  return r;
}

// First resident numbers of the enroll sweeps: city-model seed 900 000 and
// 910 000 (tools/loadgen/city_model.h numbers residents seed * 10^9 + n),
// clear of every seed the bench's city loads use, so no enroll is refused as
// a duplicate of theirs.
constexpr uint64_t kEmbeddedSweepResidents = 900'000ull * 1'000'000'000;
constexpr uint64_t kKafkaSweepResidents = 910'000ull * 1'000'000'000;

// The closed-loop enroll rows of one ledger: `POST /v1/residents` with
// loadgen's enroll bodies (residents numbered from `first_resident`, clear of
// the city model's), one keep-alive connection per client, at each of the
// sweep's client counts.
std::vector<BenchRow> EnrollSweep(const LedgerUnderTest& l,
                                  const BenchOptions& o,
                                  const std::string& mode,
                                  uint64_t first_resident) {
  std::vector<BenchRow> rows;
  for (int c : o.sweep_clients) {
    Say(mode + ": enroll, closed loop, " + std::to_string(c) + " clients");
    loadgen::HttpPostSpec spec;
    spec.port = l.port;
    spec.target = "/v1/residents";
    spec.body = [first_resident](uint64_t i) {
      return loadgen::EnrollBody(first_resident + i);
    };
    spec.headers = [token = l.clerk](uint64_t) {
      return HttpHeaders{{"Authorization", "Bearer " + token},
                         {"Content-Type", "application/json"},
                         {"Idempotency-Key", HexEncode(RandomBytes(12))}};
    };
    auto report =
        loadgen::RunClosedLoop(loadgen::HttpPoster(spec), c, o.sweep_seconds);
    if (report.ok()) first_resident += report->requests;
    rows.push_back(ClosedLoopRow(
        mode + "_ledger_enroll_per_s_at_" + std::to_string(c), "commands/s", c,
        report,
        "POST /v1/residents (loadgen enroll bodies), HTTP keep-alive, " + mode +
            "-mode ledger"));
    rows.back().vs_peers = true;
  }
  return rows;
}

std::vector<BenchRow> SkippedSweep(const BenchOptions& o,
                                   const std::string& mode,
                                   const std::string& why) {
  std::vector<BenchRow> rows;
  for (int c : o.sweep_clients) {
    rows.push_back(
        Skipped(mode + "_ledger_enroll_per_s_at_" + std::to_string(c),
                "commands/s", why));
    rows.back().clients = c;
    rows.back().vs_peers = true;
  }
  return rows;
}

// Mean size of the enroll events among `events` (framed bytes); the mean of
// all of them when there is none.
size_t EnrollEventBytes(const std::vector<std::string>& events) {
  double total = 0;
  uint64_t n = 0;
  for (const auto& e : events) {
    auto decoded = DecodeEvent(e);
    if (!decoded.ok() ||
        !std::holds_alternative<ResidentEnrolled>(decoded->payload))
      continue;
    total += static_cast<double>(e.size());
    ++n;
  }
  return n ? static_cast<size_t>(total / static_cast<double>(n))
           : static_cast<size_t>(MeanSize(events));
}

// Step 8a, second half: the cold registry rebuild from the Kafka ledger's
// events topic beside a raw consumer of the same topic.
BenchRow KafkaRebuildRow(const BenchOptions& o, const std::string& work,
                         const std::string& topic_prefix) {
  BenchRow row{"projection_rebuild_from_kafka_events_per_s", "events/s"};
  row.ceiling_name =
      "raw librdkafka consumer of the same topic (read_committed, no decode)";
  row.target = 0.5;
  Say("kafka: raw consumer ceiling");
  auto raw =
      RawConsumerRecordsPerSecond(o.kafka_bootstrap, topic_prefix + "events");
  if (!raw.ok())
    return row.skipped = "raw consumer: " + raw.status().ToString(), row;
  Say("kafka: cold registry rebuild from " + std::to_string(raw->records) +
      " records");
  KafkaOptions ko;
  ko.bootstrap = o.kafka_bootstrap;
  ko.topic_prefix = topic_prefix;
  auto source = KafkaSource::Open(ko, "registry");
  if (!source.ok())
    return row.skipped = "KafkaSource: " + source.status().ToString(), row;
  auto rebuilt = RebuildRegistry(source->get(), work + "/kregistry",
                                 std::nullopt, kMicrosPerSecond);
  if (!rebuilt.ok())
    return row.skipped = "rebuild: " + rebuilt.status().ToString(), row;
  row.value = rebuilt->events_per_s;
  row.ceiling = raw->records_per_s;
  row.note = "ProjectionRunner + Registry + KafkaSource; " + rebuilt->Note() +
             "; topic " + std::to_string(raw->records) + " records, " +
             std::to_string(raw->bytes / std::max<uint64_t>(raw->records, 1)) +
             " B mean";
  return row;
}

// Step 8a: Kafka mode rows (or their skipped forms).
void KafkaRows(const BenchOptions& o, const std::string& work,
               size_t event_bytes, std::vector<BenchRow>* rows,
               std::vector<BenchRow>* sweep) {
  BenchRow cmds{"kafka_ledger_commands_per_s", "commands/s"};
  cmds.ceiling_name = "raw librdkafka producer, acks=all, idempotent, " +
                      std::to_string(event_bytes) + "-byte records";
  cmds.target = 0.5;
  if (o.kafka_bootstrap.empty()) {
    const std::string why = "no broker (pass --kafka BOOTSTRAP)";
    rows->push_back(Skipped(cmds.name, cmds.unit, why));
    rows->push_back(
        Skipped("projection_rebuild_from_kafka_events_per_s", "events/s", why));
    *sweep = SkippedSweep(o, "kafka", why);
    return;
  }
  Say("kafka: raw producer ceiling");
  auto raw = RawProducerRecordsPerSecond(o.kafka_bootstrap, event_bytes,
                                         o.quick ? 20'000 : 200'000);
  if (raw.ok()) cmds.ceiling = *raw;
  const std::string prefix = "bench-" + HexEncode(RandomBytes(4)) + ".";
  auto ledger = StartLedger(
      o.cityid_binary, work + "/kledger",
      {"--kafka", o.kafka_bootstrap, "--set", "kafka.topic_prefix=" + prefix});
  if (!raw.ok()) {
    cmds.skipped = "raw producer: " + raw.status().ToString();
  } else if (!ledger.ok()) {
    cmds.skipped = "Kafka-mode ledger: " + ledger.status().ToString();
  } else {
    // A history for the rebuild row, and a ledger that is not empty.
    loadgen::LoadOptions lo = LoadFor(*ledger, o);
    lo.city.residents = o.kafka_preload;
    lo.city.bulk = true;
    lo.city.seed = 5;
    lo.duration_s = 3600;
    Say("kafka: bulk-loading " + std::to_string(o.kafka_preload) +
        " residents");
    auto pre = loadgen::RunLoad(lo);
    if (!pre.ok()) {
      cmds.skipped = "kafka preload: " + pre.status().ToString();
    } else {
      double peak = 0;
      ThroughputRows(*ledger, o, "kafka", &cmds, nullptr, &peak);
      char note[160];
      std::snprintf(
          note, sizeof note, "; after a bulk load of %llu commands at %.0f/s",
          static_cast<unsigned long long>(pre->commands), pre->throughput);
      cmds.note += note;
      *sweep = EnrollSweep(*ledger, o, "kafka", kKafkaSweepResidents);
    }
  }
  if (sweep->empty())
    *sweep = SkippedSweep(o, "kafka",
                          cmds.skipped.empty() ? "not measured" : cmds.skipped);
  if (ledger.ok()) ledger->process->Stop();
  rows->push_back(cmds);
  if (ledger.ok())
    rows->push_back(KafkaRebuildRow(o, work, prefix));
  else
    rows->push_back(Skipped("projection_rebuild_from_kafka_events_per_s",
                            "events/s", "no Kafka-mode ledger to read from"));
}

// Step 8b: audit replay over the feed's events.
BenchRow AuditRow(const std::vector<std::string>& events, uint64_t total) {
  BenchRow row{"audit_replay_events_per_s", "events/s"};
  row.ceiling_name = "SHA-256 over the same event bytes, one pass";
  row.target = 0.5;
  auto f = MeasureReplay(events, total);
  if (!f.ok()) return row.skipped = f.status().ToString(), row;
  row.value = f->replay_events_per_s;
  row.ceiling = f->sha256_events_per_s;
  row.note = std::to_string(f->events) + " events (" +
             std::to_string(events.size()) + " distinct from the feed, " +
             std::to_string(f->bytes / std::max<uint64_t>(f->events, 1)) +
             " B mean), decode+CRC32C+leaf hash+root fold; " +
             std::to_string(f->decode_failures) + " decode failures";
  return row;
}

}  // namespace

Result<std::vector<BenchRow>> RunBench(const BenchOptions& options) {
  BenchOptions o = options;
  Defaults(&o);
  std::string work = o.work_dir;
  if (work.empty()) {
    std::string tmpl = (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
    tmpl += "/cityid-bench-XXXXXX";
    if (!mkdtemp(tmpl.data())) return Unavailable("mkdtemp failed");
    work = tmpl;
  }
  std::vector<BenchRow> rows;
  std::vector<std::string> events;
  {
    CITYID_ASSIGN_OR_RETURN(LedgerUnderTest ledger,
                            StartLedger(o.cityid_binary, work + "/ledger", {}));
    double bulk_rate = 0;
    BenchRow rss = RssRow(ledger, o, 0, o.rss_residents, 5, 100, &bulk_rate);
    BenchRow peak{"embedded_ledger_commands_per_s", "commands/s"};
    peak.target = 0.5;
    BenchRow p99{"p99_command_latency_at_half_peak_ms", "ms"};
    p99.target = 10;
    p99.target_on_value = true;
    p99.lower_is_better = true;
    double peak_rate = 0;
    ThroughputRows(ledger, o, "embedded", &peak, &p99, &peak_rate);
    Say("feed read and registry rebuild");
    BenchRow rebuild{"projection_rebuild_from_feed_events_per_s", "events/s"};
    rebuild.ceiling_name = "raw feed read (GET /v1/events, 1000 per page)";
    rebuild.target = 0.5;
    uint64_t head = 0;
    auto feed = ReadFeed(ledger, o.quick ? 20'000 : 300'000, &events, &head);
    FeedSource source({"127.0.0.1", ledger.port, ledger.projection});
    auto rebuilt = feed.ok()
                       ? RebuildRegistry(&source, work + "/registry", head, 0)
                       : Result<RebuildFigures>(feed.status());
    if (rebuilt.ok()) {
      rebuild.value = rebuilt->events_per_s;
      rebuild.ceiling = *feed;
      rebuild.note = rebuilt->Note();
    } else {
      rebuild.skipped = rebuilt.status().ToString();
    }
    std::vector<BenchRow> sweep =
        EnrollSweep(ledger, o, "embedded", kEmbeddedSweepResidents);
    // The loaded ledger is kept (frozen, so its background compactions do
    // not run under the rows below) for the large RSS load at the end.
    ledger.process->Freeze();
    const auto event_bytes = static_cast<size_t>(MeanSize(events));
    Say("RocksDB ceilings");
    auto ceiling = SyncedWriteBatchCommandsPerSecond(
        work + "/rocks-batch", o.concurrency, event_bytes, o.seconds);
    if (ceiling.ok()) peak.ceiling = *ceiling;
    peak.ceiling_name = "synced RocksDB WriteBatch, " +
                        std::to_string(o.concurrency) + " commands of (" +
                        std::to_string(event_bytes) +
                        " B event + 128 B state)"
                        " per batch, one writer";
    auto p99_floor = SyncedWriteP99Ms(work + "/rocks-p99", event_bytes,
                                      o.quick ? 200 : 2000, 0);
    if (p99_floor.ok()) p99.ceiling = *p99_floor;
    p99.ceiling_name = "p99 of one synced RocksDB WriteBatch (one command)";
    rows.push_back(peak);
    rows.push_back(p99);
    std::vector<BenchRow> kafka_sweep;
    KafkaRows(o, work, event_bytes, &rows, &kafka_sweep);
    sweep.insert(sweep.end(), kafka_sweep.begin(), kafka_sweep.end());
    if (o.peers) {
      const size_t enroll_bytes = EnrollEventBytes(events);
      Say("peers: " + std::to_string(enroll_bytes) + "-byte appends");
      for (BenchRow& r : PeerRows({.work_dir = work + "/peers",
                         .payload_bytes = enroll_bytes,
                         .clients = o.sweep_clients,
                         .seconds = o.sweep_seconds}))
        sweep.push_back(std::move(r));
    }
    rows.push_back(rebuild);
    rows.push_back(rss);
    const size_t large_at = rows.size();
    Say("audit replay");
    rows.push_back(AuditRow(events, o.audit_events));
    Say("status lists");
    for (BenchRow& r : StatusListRows(o.quick ? 131'072 : 1'000'000))
      rows.push_back(std::move(r));
    // Last, as it takes longest: the same ledger process loaded on to
    // rss_large_residents.
    ledger.process->Thaw();
    BenchRow large{"ledger_rss_after_10000000_residents", "MiB"};
    if (*o.rss_large_residents > o.rss_residents) {
      const uint64_t more = *o.rss_large_residents - o.rss_residents;
      const int parts = static_cast<int>(std::clamp<uint64_t>(
          more / std::max<uint64_t>(o.rss_residents, 1), 1, 9));
      double rate = 0;
      large = RssRow(ledger, o, o.rss_residents, more, parts, 200, &rate);
    } else {
      large = Skipped(large.name, large.unit, TenMillionNote(bulk_rate));
    }
    rows.insert(rows.begin() + static_cast<std::ptrdiff_t>(large_at),
                std::move(large));
    ledger.process->Stop();
    rows.insert(rows.end(), sweep.begin(), sweep.end());
    ApplyPeerRatios(&rows);
  }
  if (o.work_dir.empty() && !o.keep_work_dir) {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
  }
  return rows;
}

}  // namespace cityid::bench
