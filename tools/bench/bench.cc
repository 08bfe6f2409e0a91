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
    if (!r.skipped.empty()) o["skipped"] = r.skipped;
    if (!r.note.empty()) o["note"] = r.note;
    out.push_back(std::move(o));
  }
  return json::serialize(json::object{{"rows", std::move(out)}});
}

std::string FormatTable(const std::vector<BenchRow>& rows) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "%-44s %14s %-10s %14s %8s %-14s %s\n",
                "row", "value", "unit", "ceiling", "ratio", "target", "met");
  out << line;
  for (const BenchRow& r : rows) {
    if (!r.skipped.empty()) {
      std::snprintf(line, sizeof line, "%-44s skipped: %s\n", r.name.c_str(),
                    r.skipped.c_str());
      out << line;
      continue;
    }
    const std::optional<bool> met = r.met();
    std::snprintf(line, sizeof line, "%-44s %14s %-10s %14s %8s %-14s %s\n",
                  r.name.c_str(), Fixed(r.value).c_str(), r.unit.c_str(),
                  Fixed(r.ceiling).c_str(), Fixed(r.ratio()).c_str(),
                  TargetText(r).c_str(), met ? (*met ? "yes" : "NO") : "-");
    out << line;
  }
  out << "\nceilings and conditions:\n";
  for (const BenchRow& r : rows) {
    if (r.ceiling_name.empty() && r.note.empty()) continue;
    out << "  " << r.name << ": " << r.ceiling_name
        << (r.note.empty() ? "" : " (" + r.note + ")") << "\n";
  }
  return out.str();
}

}  // namespace cityid::bench
