#include "api/registry_routes.h"

#include <boost/json.hpp>

#include "api/problem.h"
#include "api/projection_service_routes.h"
#include "base/clock.h"

namespace cityid {
namespace json = boost::json;
namespace {

json::object CardJson(const RegistryCard& c) {
  return json::object{
      {"card_id", c.card_id},
      {"resident_id", c.resident_id},
      {"status", CardStatusName(c.status)},
      {"card_type", c.card_type},
      {"issued_at", FormatRfc3339(c.issued_at)},
      {"expires_at", FormatRfc3339(c.expires_at)},
      {"status_list", "/v1/status-lists/" + c.status_list},
      {"status_index", c.status_index},
      {"version", c.version},
  };
}

json::object ResidentJson(const RegistryResident& r) {
  json::array card_ids;
  for (const std::string& id : r.card_ids) card_ids.emplace_back(id);
  return json::object{
      {"resident_id", r.resident_id},
      {"attributes", json::object{{"district", r.attributes.district},
                                  {"age_band", r.attributes.age_band},
                                  {"language", r.attributes.language}}},
      {"card_ids", std::move(card_ids)},
      {"erased", r.erased},
      {"version", r.version},
  };
}

template <typename T, typename ToJson>
HttpResponse Answer(const Result<T>& result, ToJson to_json) {
  if (!result.ok()) return ProblemResponse(result.status());
  return JsonResponse(200, json::serialize(to_json(*result)));
}

}  // namespace

void RegisterRegistryRoutes(Router& router, const Registry& registry,
                            const ProjectionRunner& runner,
                            const TokenStore& tokens, Metrics& metrics) {
  const Registry* reg = &registry;
  const TokenStore* auth = &tokens;
  router.Add("GET", "/v1/cards/{id}",
             [reg, auth](const HttpRequest& req, const RouteParams& params,
                         Responder respond) {
               Result<Principal> who =
                   auth->Authorize(req, {Role::kClerk, Role::kAuditor});
               if (!who.ok()) return respond(ProblemResponse(who.status()));
               respond(Answer(reg->GetCard(params.at("id")), CardJson));
             });
  router.Add("GET", "/v1/residents/{id}",
             [reg, auth](const HttpRequest& req, const RouteParams& params,
                         Responder respond) {
               Result<Principal> who =
                   auth->Authorize(req, {Role::kClerk, Role::kAuditor});
               if (!who.ok()) return respond(ProblemResponse(who.status()));
               respond(Answer(reg->GetResident(params.at("id")), ResidentJson));
             });
  RegisterProjectionServiceRoutes(router, runner, metrics);
}

}  // namespace cityid
