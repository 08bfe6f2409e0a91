// Metrics: a thread-safe registry of Prometheus metrics, rendered in the
// text exposition format 0.0.4 by `GET /metrics`.
//
// Series are created on first use and live as long as the registry; the
// returned references stay valid, so hot paths look a series up once and
// keep the reference. Updates are lock-free atomics; lookups and Render()
// take one mutex.
#ifndef CITYID_API_METRICS_H_
#define CITYID_API_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/http_client.h"  // HttpResponse

namespace cityid {

// Label name -> value, e.g. {{"route", "/v1/cards/{id}"}, {"status", "200"}}.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Fixed upper bounds (ascending, without +Inf); observations in seconds or
// whatever unit the metric name says.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative count of observations <= bounds()[i]; i == bounds().size()
  // gives the total count (+Inf).
  uint64_t CumulativeCount(size_t i) const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 0.5 ms .. 10 s.
const std::vector<double>& DefaultLatencyBuckets();

class Metrics {
 public:
  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The series `name{labels}`, created on first use. A name keeps the kind
  // and help text it was first registered with; asking for a name under
  // another kind is a programmer error (asserts).
  Counter& GetCounter(std::string_view name, std::string_view help,
                      const MetricLabels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help,
                  const MetricLabels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help,
                          const std::vector<double>& bounds,
                          const MetricLabels& labels = {});
  // A gauge whose value is read by calling `fn` at render time (e.g. the
  // ledger's last seq). `fn` must be thread-safe and outlive the registry's
  // use.
  void SetGaugeCallback(std::string_view name, std::string_view help,
                        std::function<double()> fn);

  // Counts one answered HTTP request: cityid_http_requests_total{route,
  // method, status} and cityid_http_request_duration_seconds{route}.
  // `route` is the route pattern ("/v1/cards/{id}"), never the raw path.
  void RecordRequest(std::string_view route, std::string_view method,
                     int status, Micros latency);

  // Every series in the Prometheus text format, families sorted by name.
  std::string Render() const;
  // The `GET /metrics` answer: Render() as text/plain; version=0.0.4.
  HttpResponse RenderResponse() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram, kCallback };
  struct Family {
    Kind kind;
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>>
        counters;  // by rendered labels
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
    std::function<double()> callback;
  };
  Family& FamilyLocked(std::string_view name, std::string_view help, Kind kind);
  void RenderFamily(const std::string& name, const Family& f,
                    std::string& out) const;

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;  // guarded by mu_
};

}  // namespace cityid

#endif  // CITYID_API_METRICS_H_
