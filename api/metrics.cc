#include "api/metrics.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>

namespace cityid {
namespace {

std::string FormatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

// Label values escape backslash, double quote and newline (text format 0.0.4).
std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// `a="x",b="y"` (no braces): the key of a series within its family.
std::string RenderLabels(const MetricLabels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    if (!out.empty()) out += ',';
    out += name + "=\"" + EscapeLabelValue(value) + "\"";
  }
  return out;
}

std::string SeriesName(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : name + "{" + labels + "}";
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  assert(std::is_sorted(bounds_.begin(), bounds_.end()) &&
         "histogram bounds must ascend");
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  const size_t i =
      std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

uint64_t Histogram::CumulativeCount(size_t i) const {
  uint64_t total = 0;
  for (size_t j = 0; j <= i && j <= bounds_.size(); ++j) {
    total += buckets_[j].load(std::memory_order_relaxed);
  }
  return total;
}

const std::vector<double>& DefaultLatencyBuckets() {
  static const std::vector<double> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return kBuckets;
}

Metrics::Family& Metrics::FamilyLocked(std::string_view name,
                                       std::string_view help, Kind kind) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_
             .emplace(std::string(name),
                      Family{kind, std::string(help), {}, {}, {}, {}})
             .first;
  }
  assert(it->second.kind == kind && "metric registered under two kinds");
  return it->second;
}

Counter& Metrics::GetCounter(std::string_view name, std::string_view help,
                             const MetricLabels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot =
      FamilyLocked(name, help, Kind::kCounter).counters[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Metrics::GetGauge(std::string_view name, std::string_view help,
                         const MetricLabels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot =
      FamilyLocked(name, help, Kind::kGauge).gauges[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Metrics::GetHistogram(std::string_view name, std::string_view help,
                                 const std::vector<double>& bounds,
                                 const MetricLabels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = FamilyLocked(name, help, Kind::kHistogram)
                   .histograms[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

void Metrics::SetGaugeCallback(std::string_view name, std::string_view help,
                               std::function<double()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  FamilyLocked(name, help, Kind::kCallback).callback = std::move(fn);
}

void Metrics::RecordRequest(std::string_view route, std::string_view method,
                            int status, Micros latency) {
  GetCounter("cityid_http_requests_total",
             "HTTP requests answered, by route, method and status",
             {{"route", std::string(route)},
              {"method", std::string(method)},
              {"status", std::to_string(status)}})
      .Inc();
  GetHistogram("cityid_http_request_duration_seconds",
               "Time from a request's last byte to its answer, by route",
               DefaultLatencyBuckets(), {{"route", std::string(route)}})
      .Observe(static_cast<double>(latency) / kMicrosPerSecond);
}

void Metrics::RenderFamily(const std::string& name, const Family& f,
                           std::string& out) const {
  static constexpr std::string_view kKindNames[] = {"counter", "gauge",
                                                    "histogram", "gauge"};
  out += "# HELP " + name + " " + EscapeHelp(f.help) + "\n";
  out += "# TYPE " + name + " " +
         std::string(kKindNames[static_cast<int>(f.kind)]) + "\n";
  for (const auto& [labels, c] : f.counters) {
    out += SeriesName(name, labels) + " " + std::to_string(c->value()) + "\n";
  }
  for (const auto& [labels, g] : f.gauges) {
    out += SeriesName(name, labels) + " " + FormatNumber(g->value()) + "\n";
  }
  if (f.callback) out += name + " " + FormatNumber(f.callback()) + "\n";
  for (const auto& [labels, h] : f.histograms) {
    const std::string sep = labels.empty() ? "" : ",";
    for (size_t i = 0; i <= h->bounds().size(); ++i) {
      const std::string le = i < h->bounds().size()
                                 ? FormatNumber(h->bounds()[i])
                                 : std::string("+Inf");
      out += name + "_bucket{" + labels + sep + "le=\"" + le + "\"} " +
             std::to_string(h->CumulativeCount(i)) + "\n";
    }
    out +=
        SeriesName(name + "_sum", labels) + " " + FormatNumber(h->sum()) + "\n";
    out += SeriesName(name + "_count", labels) + " " +
           std::to_string(h->CumulativeCount(h->bounds().size())) + "\n";
  }
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) RenderFamily(name, family, out);
  return out;
}

HttpResponse Metrics::RenderResponse() const {
  HttpResponse res;
  res.status = 200;
  res.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8";
  res.body = Render();
  return res;
}

}  // namespace cityid
