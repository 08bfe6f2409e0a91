#include "api/stats_routes.h"

#include <boost/json.hpp>
#include <memory>

#include "api/dashboard_assets.h"
#include "api/problem.h"
#include "api/projection_service_routes.h"
#include "projections/stats/release.h"
#include "projections/stats/release_builder.h"

namespace cityid {
namespace json = boost::json;
namespace {

// Same-origin only: the page loads nothing from anywhere else, runs no
// inline script, and cannot be framed.
constexpr char kDashboardCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

// Everything the handlers share.
struct StatsContext {
  const StatsProjection* projection;
  StatsReleases* releases;
  const TokenStore* tokens;
  StatsRouteOptions options;
};

bool WantsCsv(const HttpRequest& req) {
  return req.Header("Accept").find("text/csv") != std::string::npos;
}

// A list given as a JSON array of strings or a comma-separated string.
Result<std::vector<std::string>> NameList(const json::value& v,
                                          std::string_view what) {
  if (const json::string* s = v.if_string()) return SplitNames(*s, what);
  const json::array* a = v.if_array();
  if (a == nullptr) {
    return InvalidArgument(std::string(what) +
                           ": expected an array of names or a string");
  }
  std::string joined;
  for (const json::value& item : *a) {
    if (!item.is_string()) {
      return InvalidArgument(std::string(what) + ": names must be strings");
    }
    if (!joined.empty()) joined += ',';
    joined += item.as_string();
  }
  if (a->empty()) return std::vector<std::string>();  // the grand total
  return SplitNames(joined, what);
}

Result<ReleaseRequest> ParseReleaseBody(std::string_view body, Micros now) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return Malformed("body must be a JSON object");
  const json::object& o = v.as_object();
  for (const auto& field : o) {
    const std::string_view key = field.key();
    if (key != "group_by" && key != "period" && key != "epsilon" &&
        key != "measures") {
      return InvalidArgument("unknown field '" + std::string(key) + "'");
    }
  }
  if (!o.contains("group_by") || !o.contains("period") ||
      !o.contains("epsilon")) {
    return InvalidArgument("group_by, period and epsilon are required");
  }
  ReleaseRequest r;
  CITYID_ASSIGN_OR_RETURN(r.group_by, NameList(o.at("group_by"), "group_by"));
  CITYID_RETURN_IF_ERROR(CheckGroupBy(r.group_by));
  if (!o.at("period").is_string()) {
    return InvalidArgument("period: expected \"YYYY-MM\"");
  }
  r.period = o.at("period").as_string();
  CITYID_RETURN_IF_ERROR(MonthRange(r.period, r.period, 1).status());
  if (r.period > FormatMonth(now)) {
    return InvalidArgument("period: " + r.period + " has not begun");
  }
  CITYID_ASSIGN_OR_RETURN(r.epsilon, stats::ParseEpsilon(o.at("epsilon")));
  std::vector<std::string> asked;
  if (const json::value* m = o.if_contains("measures")) {
    CITYID_ASSIGN_OR_RETURN(asked, NameList(*m, "measures"));
  }
  CITYID_ASSIGN_OR_RETURN(r.measures, MeasuresFor(r.group_by, asked));
  return r;
}

// The contribution-bounded counts of one release, each over its group_by.
Result<std::vector<stats::CountTable>> ReleaseCounts(
    const StatsProjection& projection, const ReleaseRequest& r) {
  CITYID_ASSIGN_OR_RETURN(
      auto tables,
      projection.Counts(r.measures, {r.period}, StatsCounts::kBounded));
  std::vector<stats::CountTable> out;
  for (const std::string& m : r.measures) {
    CITYID_ASSIGN_OR_RETURN(stats::CountTable t,
                            tables.at(m).Marginal(r.group_by));
    out.push_back(std::move(t));
  }
  return out;
}

HttpResponse Uptake(const StatsContext& c, const HttpRequest& req) {
  const StatsRouteOptions& o = c.options;
  Result<UptakeQuery> query =
      ParseUptakeQuery(req.query, o.clock->Now(), *c.projection, o.limits);
  if (!query.ok()) return ProblemResponse(query.status());
  Result<UptakeResult> result = BuildUptake(*c.projection, *query, o.k);
  if (!result.ok()) return ProblemResponse(result.status());
  if (WantsCsv(req)) {
    HttpResponse res{200, {}, UptakeResponseCsv(*result, o.populations)};
    res.headers["Content-Type"] = "text/csv; charset=utf-8; header=present";
    res.headers["Cache-Control"] = "no-store";
    return res;
  }
  HttpResponse res = JsonResponse(
      200, json::serialize(UptakeResponseJson(*result, o.populations)));
  res.headers["Cache-Control"] = "no-store";
  return res;
}

HttpResponse CreateRelease(const StatsContext& c, const HttpRequest& req) {
  Result<ReleaseRequest> request =
      ParseReleaseBody(req.body, c.options.clock->Now());
  if (!request.ok()) return ProblemResponse(request.status());
  const StatsProjection* projection = c.projection;
  const ReleaseRequest& r = *request;
  Result<std::string> text = c.releases->Create(
      r, [projection, &r] { return ReleaseCounts(*projection, r); });
  if (!text.ok()) return ProblemResponse(text.status());
  Result<stats::Release> stored = stats::ParseRelease(*text);
  if (!stored.ok()) return ProblemResponse(stored.status());
  HttpResponse res = JsonResponse(201, std::move(*text));
  res.headers["Location"] = "/v1/stats/releases/" + stored->id;
  return res;
}

void AddDashboardRoutes(Router& router) {
  for (const DashboardAsset& asset : DashboardAssets()) {
    router.Add(
        "GET", std::string(asset.path),
        [&asset](const HttpRequest&, const RouteParams&, Responder respond) {
          HttpResponse res{200, {}, std::string(asset.body)};
          res.headers["Content-Type"] = std::string(asset.content_type);
          res.headers["Cache-Control"] = "no-cache";
          res.headers["Content-Security-Policy"] = kDashboardCsp;
          res.headers["Referrer-Policy"] = "no-referrer";
          res.headers["X-Content-Type-Options"] = "nosniff";
          respond(std::move(res));
        });
  }
}

}  // namespace

void RegisterStatsRoutes(Router& router, const StatsProjection& projection,
                         StatsReleases& releases,
                         const ProjectionRunner& runner,
                         const TokenStore& tokens, Metrics& metrics,
                         StatsRouteOptions options) {
  if (options.clock == nullptr) options.clock = SystemClock::Default();
  auto c = std::make_shared<const StatsContext>(
      StatsContext{&projection, &releases, &tokens, std::move(options)});
  // Each analyst route: authorize, then answer.
  auto analyst =
      [c](HttpResponse (*answer)(const StatsContext&, const HttpRequest&)) {
        return [c, answer](const HttpRequest& req, const RouteParams&,
                           Responder respond) {
          Result<Principal> who = c->tokens->Authorize(req, {Role::kAnalyst});
          if (!who.ok()) return respond(ProblemResponse(who.status()));
          respond(answer(*c, req));
        };
      };
  router.Add("GET", "/v1/stats/uptake", analyst(&Uptake));
  router.Add("POST", "/v1/stats/releases", analyst(&CreateRelease));
  router.Add("GET", "/v1/stats/releases/{id}",
             [c](const HttpRequest& req, const RouteParams& params,
                 Responder respond) {
               Result<Principal> who =
                   c->tokens->Authorize(req, {Role::kAnalyst});
               if (!who.ok()) return respond(ProblemResponse(who.status()));
               Result<std::string> text = c->releases->Get(params.at("id"));
               if (!text.ok()) return respond(ProblemResponse(text.status()));
               respond(JsonResponse(200, std::move(*text)));
             });
  AddDashboardRoutes(router);
  RegisterProjectionServiceRoutes(router, runner, metrics);
}

}  // namespace cityid
