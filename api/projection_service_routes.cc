#include "api/projection_service_routes.h"

#include <boost/json.hpp>
#include <memory>
#include <mutex>

#include "api/problem.h"

namespace cityid {
namespace json = boost::json;
namespace {

// The runner keeps plain atomic totals; Prometheus counters only go up, so
// each scrape adds what the runner counted since the previous one.
class CounterSync {
 public:
  CounterSync(const ProjectionRunner& runner, Metrics& metrics)
      : runner_(runner),
        applied_(metrics.GetCounter("cityid_projection_events_applied_total",
                                    "Events applied and committed")),
        unavailable_(metrics.GetCounter("cityid_projection_errors_total",
                                        "Failed projection cycles, by kind",
                                        {{"kind", "unavailable"}})),
        other_(metrics.GetCounter("cityid_projection_errors_total",
                                  "Failed projection cycles, by kind",
                                  {{"kind", "other"}})) {}

  void Sync() {
    std::lock_guard<std::mutex> lock(mu_);
    Bump(applied_, runner_.events_applied(), seen_applied_);
    Bump(unavailable_, runner_.unavailable_errors(), seen_unavailable_);
    Bump(other_, runner_.other_errors(), seen_other_);
  }

 private:
  static void Bump(Counter& c, uint64_t total, uint64_t& seen) {
    if (total > seen) c.Inc(total - seen);
    seen = total;
  }

  const ProjectionRunner& runner_;
  Counter& applied_;
  Counter& unavailable_;
  Counter& other_;
  std::mutex mu_;
  uint64_t seen_applied_ = 0;      // guarded by mu_
  uint64_t seen_unavailable_ = 0;  // guarded by mu_
  uint64_t seen_other_ = 0;        // guarded by mu_
};

void RegisterGauges(const ProjectionRunner& runner, Metrics& metrics) {
  const ProjectionRunner* r = &runner;
  metrics.SetGaugeCallback("cityid_projection_position",
                           "Last seq applied and committed",
                           [r] { return static_cast<double>(r->position()); });
  metrics.SetGaugeCallback("cityid_projection_head_seq",
                           "The ledger's last seq, as last seen",
                           [r] { return static_cast<double>(r->head_seq()); });
  metrics.SetGaugeCallback(
      "cityid_projection_lag", "Events the projection is behind the ledger",
      [r] {
        const uint64_t position = r->position();  // read first: it only grows
        const uint64_t head = r->head_seq();
        return static_cast<double>(head > position ? head - position : 0);
      });
  metrics.SetGaugeCallback("cityid_projection_ready", "1 when ready",
                           [r] { return r->Ready().ok() ? 1.0 : 0.0; });
}

}  // namespace

void RegisterProjectionServiceRoutes(Router& router,
                                     const ProjectionRunner& runner,
                                     Metrics& metrics) {
  RegisterGauges(runner, metrics);
  const ProjectionRunner* r = &runner;
  router.Add("GET", "/v1/position",
             [r](const HttpRequest&, const RouteParams&, Responder respond) {
               respond(JsonResponse(
                   200, json::serialize(json::object{{"seq", r->position()}})));
             });
  router.Add("GET", "/healthz",
             [](const HttpRequest&, const RouteParams&, Responder respond) {
               respond(JsonResponse(200, R"({"status":"ok"})"));
             });
  router.Add("GET", "/readyz",
             [r](const HttpRequest&, const RouteParams&, Responder respond) {
               Status ready = r->Ready();
               if (!ready.ok()) {
                 return respond(ProblemResponse(Unavailable(
                     "not ready: " + std::string(CodeName(ready.code())))));
               }
               respond(JsonResponse(200, R"({"status":"ready"})"));
             });
  auto sync = std::make_shared<CounterSync>(runner, metrics);
  Metrics* m = &metrics;
  router.Add(
      "GET", "/metrics",
      [sync, m](const HttpRequest&, const RouteParams&, Responder respond) {
        sync->Sync();
        respond(m->RenderResponse());
      });
}

}  // namespace cityid
