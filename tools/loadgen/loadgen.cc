#include "tools/loadgen/loadgen.h"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "base/bytes.h"
#include "base/http_client.h"

namespace cityid::loadgen {
namespace {

namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

const char* const kGiven[] = {"Ana",    "José",   "Mei",   "Olu",
                              "Fatima", "Dmitri", "Lucía", "Kwame",
                              "Priya",  "Tomás",  "Noor"};
const char* const kDistricts[] = {"north", "south", "east", "west", "central"};
const char* const kAgeBands[] = {"18-24", "25-34", "35-44",
                                 "45-54", "55-64", "65+"};
const char* const kLanguages[] = {"en", "es", "zh", "ar", "fr", "pt"};
const char* const kCardTypes[] = {"standard", "standard", "standard", "youth",
                                  "senior"};

template <size_t N>
const char* Pick(const char* const (&items)[N], uint64_t i) {
  return items[i % N];
}

struct Request {
  std::string target, body;
  bool supervisor = false;
  const char* id_field = nullptr;  // field of the answer holding a new id
};

Request RequestFor(const Op& op, const CityModel& city) {
  const auto card = [&] { return "/v1/cards/" + city.card_id(op.card); };
  switch (op.kind) {
    case OpKind::kEnroll:
      return {"/v1/residents", EnrollBody(op.index), false, "resident_id"};
    case OpKind::kIssue:
      return {"/v1/cards",
              json::serialize(
                  json::object{{"resident_id", city.resident_id(op.resident)},
                               {"card_type", Pick(kCardTypes, op.resident)}}),
              false, "card_id"};
    case OpKind::kRenew:
      return {card() + "/renew", "", false, nullptr};
    case OpKind::kReplace:
      return {card() + "/replace",
              op.card % 3 ? R"({"reason":"lost"})" : R"({"reason":"stolen"})",
              false, "card_id"};
    case OpKind::kRevoke:
      return {card() + "/revoke", R"({"reason":"fraud"})", true, nullptr};
    case OpKind::kErase:
      return {"/v1/residents/" + city.resident_id(op.resident) + "/erase",
              R"({"reason":"request"})", true, nullptr};
  }
  return {};
}

// State shared by the workers; the model and the schedule under `mu`.
struct Shared {
  const LoadOptions* options;
  std::mutex mu;
  CityModel city;
  uint64_t next_index = 0;
  uint64_t in_flight = 0;
  bool done = false;
  SteadyClock::time_point start, deadline;
  std::atomic<uint64_t> answered{0}, failed{0};
  LoadReport report;                 // errors, by_kind: under mu
  std::vector<double> latencies_ms;  // under mu, merged at worker exit
  SteadyClock::time_point last_answer;

  explicit Shared(const LoadOptions* o) : options(o), city(o->city) {}
};

// Takes the next command and its due time; false when the run is over.
bool Take(Shared& s, Op* op, Request* req, SteadyClock::time_point* due) {
  std::lock_guard<std::mutex> lock(s.mu);
  const LoadOptions& o = *s.options;
  if (s.done) return false;
  if (o.max_commands && s.next_index >= o.max_commands) return false;
  const auto now = SteadyClock::now();
  *due =
      o.rate > 0
          ? s.start + std::chrono::duration_cast<SteadyClock::duration>(
                          std::chrono::duration<double>(s.next_index / o.rate))
          : now;
  if (*due >= s.deadline || now >= s.deadline) return s.done = true, false;
  if (!s.city.Next(op)) {  // nothing to do now; over if nothing is in flight
    if (s.in_flight == 0) s.done = true;
    return false;
  }
  *req = RequestFor(*op, s.city);
  ++s.next_index;
  ++s.in_flight;
  return true;
}

std::string NewId(const std::string& body, const char* field) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  const json::value* id = v.as_object().if_contains(field);
  return id && id->is_string() ? std::string(id->as_string()) : "";
}

void Worker(Shared& s) {
  const LoadOptions& o = *s.options;
  HttpClient client(o.host, o.port);
  const HttpHeaders clerk{{"Authorization", "Bearer " + o.clerk_token},
                          {"Content-Type", "application/json"}};
  HttpHeaders supervisor = clerk;
  supervisor["Authorization"] = "Bearer " + o.supervisor_token;
  std::vector<double> lat;
  Op op;
  Request req;
  SteadyClock::time_point due;
  while (true) {
    if (!Take(s, &op, &req, &due)) {
      {
        std::lock_guard<std::mutex> lock(s.mu);
        if (s.done || (o.max_commands && s.next_index >= o.max_commands)) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    std::this_thread::sleep_until(due);
    HttpHeaders headers = req.supervisor ? supervisor : clerk;
    headers["Idempotency-Key"] = HexEncode(RandomBytes(12));
    auto r = client.Post(req.target, req.body, headers, 30 * kMicrosPerSecond);
    const auto end = SteadyClock::now();
    lat.push_back(std::chrono::duration<double, std::milli>(end - due).count());
    const int status = r.ok() ? r->status : 0;
    const bool ok = status >= 200 && status < 300;
    const std::string id =
        ok && req.id_field ? NewId(r->body, req.id_field) : "";
    std::lock_guard<std::mutex> lock(s.mu);
    s.city.Complete(op, ok && (!req.id_field || !id.empty()), id);
    ++s.report.by_kind[static_cast<int>(op.kind)];
    if (!ok) ++s.report.errors[status], ++s.failed;
    ++s.answered;
    --s.in_flight;
    s.last_answer = std::max(s.last_answer, end);
  }
  std::lock_guard<std::mutex> lock(s.mu);
  s.latencies_ms.insert(s.latencies_ms.end(), lat.begin(), lat.end());
}

bool WaitReady(const LoadOptions& o) {
  HttpClient client(o.host, o.port);
  for (int i = 0; i < 300; ++i) {
    auto r = client.Get("/readyz", {}, kMicrosPerSecond);
    if (r.ok() && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void Progress(Shared& s, const std::atomic<bool>& stop) {
  uint64_t last = 0;
  while (!stop.load()) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const uint64_t n = s.answered.load();
    const double t =
        std::chrono::duration<double>(SteadyClock::now() - s.start).count();
    std::fprintf(stderr,
                 "\rloadgen: %6.0fs  %9llu commands  %7llu/s  %llu failed   ",
                 t, static_cast<unsigned long long>(n),
                 static_cast<unsigned long long>(n - last),
                 static_cast<unsigned long long>(s.failed.load()));
    last = n;
  }
  std::fprintf(stderr, "\n");
}

}  // namespace

std::string EnrollBody(uint64_t i) {
  char dob[16];
  std::snprintf(dob, sizeof dob, "%04d-%02d-%02d",
                1950 + static_cast<int>(i % 55), 1 + static_cast<int>(i % 12),
                1 + static_cast<int>(i % 28));
  json::object body{
      {"pii", json::object{{"given_name", Pick(kGiven, i / 7)},
                           {"family_name", "Resident-" + std::to_string(i)},
                           {"date_of_birth", dob}}},
      {"attributes", json::object{{"district", Pick(kDistricts, i)},
                                  {"age_band", Pick(kAgeBands, i / 5)},
                                  {"language", Pick(kLanguages, i / 3)}}},
      {"documents", json::array{"passport", "utility_bill"}},
      {"office", Pick(kDistricts, i / 11)}};
  return json::serialize(body);
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(
      std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

Result<LoadReport> RunLoad(const LoadOptions& o) {
  if (o.concurrency < 1 || o.concurrency > 1024)
    return InvalidArgument("concurrency must be 1..1024");
  if (o.rate < 0 || o.duration_s <= 0 || o.city.residents == 0)
    return InvalidArgument("rate >= 0, duration > 0, residents > 0 required");
  if (!WaitReady(o))
    return Unavailable("ledger at " + o.host + ":" + std::to_string(o.port) +
                       " not ready");
  Shared s(&o);
  s.start = SteadyClock::now();
  s.last_answer = s.start;
  s.deadline = s.start + std::chrono::duration_cast<SteadyClock::duration>(
                             std::chrono::duration<double>(o.duration_s));
  std::atomic<bool> stop{false};
  std::thread progress;
  if (o.progress) progress = std::thread([&] { Progress(s, stop); });
  std::vector<std::thread> workers;
  for (int i = 0; i < o.concurrency; ++i)
    workers.emplace_back([&] { Worker(s); });
  for (auto& w : workers) w.join();
  stop = true;
  if (progress.joinable()) progress.join();

  LoadReport r = std::move(s.report);
  std::sort(s.latencies_ms.begin(), s.latencies_ms.end());
  r.commands = s.latencies_ms.size();
  r.ok = r.commands - s.failed.load();
  r.seconds = std::chrono::duration<double>(s.last_answer - s.start).count();
  r.throughput =
      r.seconds > 0 ? static_cast<double>(r.commands) / r.seconds : 0;
  r.p50_ms = Percentile(s.latencies_ms, 50);
  r.p95_ms = Percentile(s.latencies_ms, 95);
  r.p99_ms = Percentile(s.latencies_ms, 99);
  r.max_ms = s.latencies_ms.empty() ? 0 : s.latencies_ms.back();
  r.sim_years = s.city.sim_years();
  r.residents = s.city.enrolled();
  r.active_cards = s.city.active_cards();
  return r;
}

std::string LoadReport::Format() const {
  std::ostringstream out;
  char line[256];
  std::snprintf(
      line, sizeof line,
      "commands   %llu (%llu ok) in %.1f s: %.1f commands/s\n"
      "latency    p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms\n",
      static_cast<unsigned long long>(commands),
      static_cast<unsigned long long>(ok), seconds, throughput, p50_ms, p95_ms,
      p99_ms, max_ms);
  out << line << "errors    ";
  if (errors.empty()) out << " none";
  for (const auto& [status, n] : errors)
    out << " " << (status ? std::to_string(status) : "no-answer") << ": " << n;
  out << "\nmix       ";
  for (int k = 0; k < kOpKinds; ++k)
    out << " " << OpKindName(static_cast<OpKind>(k)) << " " << by_kind[k];
  std::snprintf(line, sizeof line,
                "\ncity       %llu residents enrolled, %llu active cards, "
                "%.2f simulated years\n",
                static_cast<unsigned long long>(residents),
                static_cast<unsigned long long>(active_cards), sim_years);
  out << line;
  return out.str();
}

}  // namespace cityid::loadgen
