#include "api/router.h"

#include <spdlog/spdlog.h>

#include <cassert>
#include <chrono>
#include <memory>
#include <set>

#include "api/metrics.h"
#include "api/problem.h"

namespace cityid {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty() || path[0] != '/') return out;
  size_t start = 1;
  for (;;) {
    const size_t slash = path.find('/', start);
    out.emplace_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Micros SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return Malformed("bad percent-escape");
      const int hi = HexDigit(text[i + 1]), lo = HexDigit(text[i + 2]);
      if (hi < 0 || lo < 0) return Malformed("bad percent-escape");
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else {
      out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    CITYID_ASSIGN_OR_RETURN(std::string key,
                            PercentDecode(pair.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      CITYID_ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1), true));
    }
    if (!out.emplace(std::move(key), std::move(value)).second) {
      return Malformed("query parameter repeated");
    }
  }
  return out;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  Route route;
  route.segments = SplitPath(pattern);
  assert(!route.segments.empty() && "route pattern must start with '/'");
  for (const auto& s : route.segments) {
    if (!IsParam(s)) ++route.literal_segments;
  }
  for (const auto& r : routes_) {
    assert(!(r.info.method == method && r.info.pattern == pattern) &&
           "duplicate route");
    (void)r;
  }
  route.info = {std::move(method), std::move(pattern)};
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

bool Router::Match(const Route& route,
                   const std::vector<std::string>& path_segments,
                   RouteParams& params) {
  if (route.segments.size() != path_segments.size()) return false;
  params.clear();
  for (size_t i = 0; i < path_segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (!IsParam(want)) {
      if (want != path_segments[i]) return false;
      continue;
    }
    if (path_segments[i].empty()) return false;
    auto decoded = PercentDecode(path_segments[i]);
    if (!decoded.ok()) return false;
    params[want.substr(1, want.size() - 2)] = std::move(decoded).value();
  }
  return true;
}

void Router::Dispatch(const HttpRequest& request, Responder respond) const {
  const std::vector<std::string> segments = SplitPath(request.path);
  const Route* best = nullptr;
  RouteParams best_params, params;
  std::set<std::string> allowed;
  for (const Route& route : routes_) {
    if (!Match(route, segments, params)) continue;
    allowed.insert(route.info.method);
    if (route.info.method != request.method) continue;
    if (best == nullptr || route.literal_segments > best->literal_segments) {
      best = &route;
      best_params = params;
    }
  }
  const std::string route_label = best ? best->info.pattern : "unmatched";
  if (metrics_ != nullptr) {
    respond = [metrics = metrics_, route_label, method = request.method,
               start = SteadyMicros(),
               inner = std::move(respond)](HttpResponse res) {
      metrics->RecordRequest(route_label, method, res.status,
                             SteadyMicros() - start);
      inner(std::move(res));
    };
  }
  if (best == nullptr && allowed.empty()) {
    return respond(ProblemResponse(NotFound("no route for this path")));
  }
  if (best == nullptr) {
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    HttpResponse res =
        ProblemResponse(405, "method-not-allowed", "Method not allowed",
                        "this path accepts: " + allow);
    res.headers["Allow"] = allow;
    return respond(std::move(res));
  }
  try {
    best->handler(request, best_params, respond);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} threw: {}", request.method,
                  best->info.pattern, e.what());
    respond(ProblemResponse(Internal("handler threw")));
  }
}

RequestHandler Router::AsHandler() const {
  return [this](const HttpRequest& request, Responder respond) {
    Dispatch(request, std::move(respond));
  };
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  for (const auto& r : routes_) out.push_back(r.info);
  return out;
}

}  // namespace cityid
