// BenchRow arithmetic and the two output forms of `cityid bench`.
#include "tools/bench/bench.h"

#include <boost/json.hpp>
#include <cstdio>
#include <sstream>

namespace cityid::bench {
namespace {

namespace json = boost::json;

json::value Number(std::optional<double> v) {
  return v ? json::value(*v) : json::value(nullptr);
}

std::string Fixed(std::optional<double> v, int digits = 3) {
  if (!v) return "-";
  char buf[64];
  const double a = *v < 0 ? -*v : *v;
  if (a >= 1e6)
    std::snprintf(buf, sizeof buf, "%.3g", *v);
  else if (a >= 100)
    std::snprintf(buf, sizeof buf, "%.0f", *v);
  else
    std::snprintf(buf, sizeof buf, "%.*f", digits, *v);
  return buf;
}

std::string TargetText(const BenchRow& r) {
  if (!r.target) return "-";
  return std::string(r.lower_is_better ? "<= " : ">= ") + Fixed(r.target, 2) +
         (r.target_on_value ? " " + r.unit : "x");
}

}  // namespace

std::optional<double> BenchRow::ratio() const {
  if (!value || !ceiling || *ceiling == 0) return std::nullopt;
  return *value / *ceiling;
}

std::optional<bool> BenchRow::met() const {
  if (!target) return std::nullopt;
  const std::optional<double> x = target_on_value ? value : ratio();
  if (!x) return std::nullopt;
  return lower_is_better ? *x <= *target : *x >= *target;
}

void ApplyPeerRatios(std::vector<BenchRow>* rows) {
  for (BenchRow& r : *rows) {
    if (!r.vs_peers || r.clients <= 0 || !r.value) continue;
    const BenchRow* best = nullptr;
    for (const BenchRow& p : *rows)
      if (!p.peer.empty() && p.clients == r.clients && p.value &&
          (!best || *p.value > *best->value))
        best = &p;
    if (!best) continue;
    r.best_peer = best->name;
    if (r.value && *best->value > 0) r.peer_ratio = *r.value / *best->value;
    if (!r.ceiling && r.ceiling_name.empty()) {
      r.ceiling = best->value;
      r.ceiling_name = "best peer at " + std::to_string(r.clients) +
                       " clients: " + best->name;
    }
  }
}

std::string FormatJson(const std::vector<BenchRow>& rows) {
  json::array out;
  for (const BenchRow& r : rows) {
    json::object o{{"name", r.name},
                   {"value", Number(r.value)},
                   {"unit", r.unit},
                   {"ceiling", Number(r.ceiling)},
                   {"ratio", Number(r.ratio())},
                   {"target", Number(r.target)},
                   {"lower_is_better", r.lower_is_better},
                   {"target_on", r.target_on_value ? "value" : "ratio"},
                   {"ceiling_name", r.ceiling_name}};
    const std::optional<bool> met = r.met();
    o["met"] = met ? json::value(*met) : json::value(nullptr);
    o["peer_ratio"] = Number(r.peer_ratio);
    o["best_peer"] = r.best_peer;
    if (r.clients > 0) {
      o["clients"] = r.clients;
      o["p50_ms"] = Number(r.p50_ms);
      o["p99_ms"] = Number(r.p99_ms);
    }
    if (!r.peer.empty()) o["peer"] = r.peer;
    if (!r.skipped.empty()) o["skipped"] = r.skipped;
    if (!r.note.empty()) o["note"] = r.note;
    out.push_back(std::move(o));
  }
  return json::serialize(json::object{{"rows", std::move(out)}});
}

std::string FormatTable(const std::vector<BenchRow>& rows) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line,
                "%-44s %14s %-10s %14s %8s %-14s %-4s %8s %8s %8s\n", "row",
                "value", "unit", "ceiling", "ratio", "target", "met", "p50 ms",
                "p99 ms", "vs peer");
  out << line;
  for (const BenchRow& r : rows) {
    if (!r.skipped.empty()) {
      std::snprintf(line, sizeof line, "%-44s skipped: %s\n", r.name.c_str(),
                    r.skipped.c_str());
      out << line;
      continue;
    }
    const std::optional<bool> met = r.met();
    std::snprintf(line, sizeof line,
                  "%-44s %14s %-10s %14s %8s %-14s %-4s %8s %8s %8s\n",
                  r.name.c_str(), Fixed(r.value).c_str(), r.unit.c_str(),
                  Fixed(r.ceiling).c_str(), Fixed(r.ratio()).c_str(),
                  TargetText(r).c_str(), met ? (*met ? "yes" : "NO") : "-",
                  Fixed(r.p50_ms, 2).c_str(), Fixed(r.p99_ms, 2).c_str(),
                  Fixed(r.peer_ratio).c_str());
    out << line;
  }
  out << "\nceilings and conditions:\n";
  for (const BenchRow& r : rows) {
    if (r.ceiling_name.empty() && r.note.empty() && r.best_peer.empty())
      continue;
    const bool peer_named =
        r.best_peer.empty() ||
        r.ceiling_name.find(r.best_peer) != std::string::npos;
    out << "  " << r.name << ": " << r.ceiling_name
        << (r.note.empty()           ? ""
            : r.ceiling_name.empty() ? r.note
                                     : " (" + r.note + ")")
        << (peer_named ? "" : "; best peer: " + r.best_peer) << "\n";
  }
  return out.str();
}

}  // namespace cityid::bench
