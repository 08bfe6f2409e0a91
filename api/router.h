// Router: maps method + path pattern to an asynchronous handler.
//
// Patterns are absolute paths whose segments are literals or `{name}`
// parameters ("/v1/cards/{id}/renew"); a parameter matches one non-empty
// segment, percent-decoded. When several patterns match a path, the one with
// more literal segments wins ("/v1/cards/search" before "/v1/cards/{id}").
// An unknown path answers 404 problem+json; a known path with another method
// answers 405 with `Allow`.
//
// Threading: add every route before serving; Dispatch() is then const and
// safe from any thread. The router must outlive the server using it.
#ifndef CITYID_API_ROUTER_H_
#define CITYID_API_ROUTER_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_server.h"
#include "base/status.h"

namespace cityid {

class Metrics;

// Parameter name -> decoded value.
using RouteParams = std::map<std::string, std::string>;
// Answers by calling the Responder exactly once, from any thread (see
// api/http_server.h). The request is valid until then.
using Handler =
    std::function<void(const HttpRequest&, const RouteParams&, Responder)>;

struct RouteInfo {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // "/v1/cards/{id}"
};

class Router {
 public:
  // With `metrics`, every answered request is recorded by route pattern
  // (Metrics::RecordRequest); unmatched paths are recorded as "unmatched".
  explicit Router(Metrics* metrics = nullptr) : metrics_(metrics) {}

  // Adds a route. A malformed pattern or a duplicate method+pattern is a
  // programmer error (asserts).
  void Add(std::string method, std::string pattern, Handler handler);

  // Finds the route and calls its handler, or answers 404/405. A handler
  // that throws is answered 500.
  void Dispatch(const HttpRequest& request, Responder respond) const;

  // A RequestHandler for HttpServer that dispatches to this router.
  RequestHandler AsHandler() const;

  // Every route, in the order added.
  std::vector<RouteInfo> Routes() const;

 private:
  struct Route {
    RouteInfo info;
    std::vector<std::string> segments;  // "{name}" for a parameter
    int literal_segments = 0;
    Handler handler;
  };
  // Matches a path against a route; fills `params` on success.
  static bool Match(const Route& route,
                    const std::vector<std::string>& path_segments,
                    RouteParams& params);

  Metrics* const metrics_;
  std::vector<Route> routes_;
};

// Decodes %XX escapes (and '+' as space when `plus_is_space`). Returns
// kMalformed for a bad escape.
Result<std::string> PercentDecode(std::string_view text,
                                  bool plus_is_space = false);

// Parses an application/x-www-form-urlencoded query ("a=1&b=x%20y"). A key
// without '=' maps to "". Returns kMalformed for a bad escape or a repeated
// key.
Result<std::map<std::string, std::string>> ParseQuery(std::string_view query);

}  // namespace cityid

#endif  // CITYID_API_ROUTER_H_
