#include "api/revocations_routes.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/problem.h"
#include "api/projection_service_routes.h"
#include "projections/status_list/compact_list.h"

namespace cityid {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t at = s.find(sep);
    out.push_back(Trim(s.substr(0, at)));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

// A media range of an Accept header: the type and its q (1 when absent;
// 0 for an unreadable q, which then accepts nothing).
struct MediaRange {
  std::string type;
  double q = 1.0;
};

MediaRange ParseRange(std::string_view range) {
  const std::vector<std::string_view> parts = Split(range, ';');
  MediaRange out;
  out.type = Lower(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string param = Lower(parts[i]);
    if (param.rfind("q=", 0) != 0) continue;
    try {
      out.q = std::stod(param.substr(2));
    } catch (const std::exception&) {
      out.q = 0;
    }
  }
  return out;
}

Result<uint64_t> ParseSince(const std::string& text) {
  if (text.empty() || text.size() > 19 ||
      !std::all_of(text.begin(), text.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return Malformed("since must be a list version (a non-negative integer)");
  }
  return std::stoull(text);
}

HttpResponse ListResponse(const SignedOutput& out, const HttpRequest& req,
                          int64_t max_age) {
  HttpResponse r;
  r.headers["ETag"] = out.etag;
  r.headers["Cache-Control"] = "public, max-age=" + std::to_string(max_age);
  r.headers["Vary"] = "Accept";
  r.headers["Access-Control-Allow-Origin"] = "*";
  r.headers["Access-Control-Expose-Headers"] = "ETag";
  if (IfNoneMatchMatches(req.Header("If-None-Match"), out.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.headers["Content-Type"] = out.content_type;
  r.body = out.body;
  return r;
}

HttpResponse ServeList(StatusListPublisher& publisher, const HttpRequest& req,
                       const std::string& list_id) {
  Result<std::map<std::string, std::string>> query = ParseQuery(req.query);
  if (!query.ok()) return ProblemResponse(query.status());
  Result<std::shared_ptr<const SignedOutput>> out = NotFound("");
  if (auto since = query->find("since"); since != query->end()) {
    Result<uint64_t> version = ParseSince(since->second);
    if (!version.ok()) return ProblemResponse(version.status());
    out = publisher.Since(list_id, *version);
  } else {
    std::optional<PublishedForm> form = ChooseListForm(req.Header("Accept"));
    if (!form) {
      return ProblemResponse(
          406, "not-acceptable", "Not Acceptable",
          "status lists are served as application/statuslist+jwt or " +
              std::string(statuslist::kCompactMediaType));
    }
    out = publisher.Full(list_id, *form);
  }
  if (!out.ok()) return ProblemResponse(out.status());
  return ListResponse(**out, req,
                      publisher.MaxAgeSeconds(**out, publisher.clock()->Now()));
}

}  // namespace

std::optional<PublishedForm> ChooseListForm(std::string_view accept) {
  if (Trim(accept).empty()) return PublishedForm::kJwt;
  double q_jwt = 0, q_bin = 0;
  for (std::string_view part : Split(accept, ',')) {
    if (part.empty()) continue;
    const MediaRange range = ParseRange(part);
    if (range.type == kStatusListJwtMediaType || range.type == "*/*" ||
        range.type == "application/*") {
      q_jwt = std::max(q_jwt, range.q);
    } else if (range.type == statuslist::kCompactMediaType) {
      q_bin = std::max(q_bin, range.q);
    }
  }
  if (q_bin > 0 && q_bin >= q_jwt) return PublishedForm::kCompact;
  if (q_jwt > 0) return PublishedForm::kJwt;
  return std::nullopt;
}

bool IfNoneMatchMatches(std::string_view if_none_match, std::string_view etag) {
  if (Trim(if_none_match).empty()) return false;
  auto opaque = [](std::string_view tag) {
    tag = Trim(tag);
    if (tag.rfind("W/", 0) == 0) tag.remove_prefix(2);
    return tag;
  };
  for (std::string_view tag : Split(if_none_match, ',')) {
    if (tag == "*" || opaque(tag) == opaque(etag)) return true;
  }
  return false;
}

void RegisterRevocationsRoutes(Router& router, StatusListPublisher& publisher,
                               const ProjectionRunner& runner,
                               Metrics& metrics) {
  StatusListPublisher* p = &publisher;
  router.Add("GET", "/v1/status-lists/{list}",
             [p](const HttpRequest& req, const RouteParams& params,
                 Responder respond) {
               respond(ServeList(*p, req, params.at("list")));
             });
  router.Add("GET", "/v1/keys",
             [p](const HttpRequest&, const RouteParams&, Responder respond) {
               HttpResponse r;
               r.status = 200;
               r.headers["Content-Type"] = std::string(kJwkSetMediaType);
               r.headers["Cache-Control"] =
                   "public, max-age=" +
                   std::to_string(p->options().ttl_seconds);
               r.headers["Access-Control-Allow-Origin"] = "*";
               r.body = p->JwksJson();
               respond(std::move(r));
             });
  metrics.SetGaugeCallback(
      "cityid_statuslist_signatures", "Status list documents signed",
      [p] { return static_cast<double>(p->signatures()); });
  metrics.SetGaugeCallback(
      "cityid_statuslist_cache_hits", "Status list answers from the cache",
      [p] { return static_cast<double>(p->cache_hits()); });
  RegisterProjectionServiceRoutes(router, runner, metrics);
}

}  // namespace cityid
