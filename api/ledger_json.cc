#include "api/ledger_json.h"

#include <algorithm>
#include <boost/json.hpp>
#include <initializer_list>

#include "base/bytes.h"
#include "schemas/event_codec.h"
#include "schemas/event_json.h"

namespace cityid {
namespace {

namespace json = boost::json;

Result<json::object> ParseObject(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return Malformed("the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return InvalidArgument("the body must be a JSON object");
  return std::move(v.get_object());
}

// Every key of `o` must be one of `allowed`; `where` names the object.
Status OnlyFields(const json::object& o,
                  std::initializer_list<std::string_view> allowed,
                  std::string_view where) {
  for (const auto& kv : o) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      // Keys come from the client; echo only short plain ones.
      const bool plain =
          kv.key().size() <= 32 &&
          std::all_of(kv.key().begin(), kv.key().end(), [](char c) {
            return (c >= 'a' && c <= 'z') || c == '_';
          });
      return InvalidArgument(
          plain ? std::string(where) + " has an unknown field " +
                      std::string(kv.key())
                : std::string(where) + " has an unknown field");
    }
  }
  return Status::Ok();
}

Result<std::string> RequiredString(const json::object& o, std::string_view key,
                                   std::string_view where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr)
    return InvalidArgument(std::string(where) + std::string(key) +
                           " is required");
  if (!v->is_string()) {
    return InvalidArgument(std::string(where) + std::string(key) +
                           " must be a string");
  }
  return std::string(v->get_string());
}

Result<PiiRecord> ParsePii(const json::value& v) {
  if (!v.is_object()) return InvalidArgument("pii must be an object");
  PiiRecord pii;
  for (const auto& kv : v.get_object()) {
    if (!kv.value().is_string()) {
      // The field name is the ledger's to judge; do not echo it here.
      return InvalidArgument("every pii field must be a string");
    }
    pii.emplace(std::string(kv.key()), std::string(kv.value().get_string()));
  }
  return pii;
}

Result<Attributes> ParseAttributes(const json::value& v) {
  if (!v.is_object()) return InvalidArgument("attributes must be an object");
  const json::object& o = v.get_object();
  CITYID_RETURN_IF_ERROR(
      OnlyFields(o, {"district", "age_band", "language"}, "attributes"));
  Attributes a;
  CITYID_ASSIGN_OR_RETURN(a.district,
                          RequiredString(o, "district", "attributes."));
  CITYID_ASSIGN_OR_RETURN(a.age_band,
                          RequiredString(o, "age_band", "attributes."));
  CITYID_ASSIGN_OR_RETURN(a.language,
                          RequiredString(o, "language", "attributes."));
  return a;
}

Result<std::vector<std::string>> ParseDocuments(const json::value& v) {
  if (!v.is_array())
    return InvalidArgument("documents must be an array of strings");
  std::vector<std::string> out;
  for (const json::value& d : v.get_array()) {
    if (!d.is_string())
      return InvalidArgument("documents must be an array of strings");
    out.emplace_back(d.get_string());
  }
  return out;
}

}  // namespace

Result<EnrollCommand> ParseEnrollBody(std::string_view body,
                                      std::string* office) {
  CITYID_ASSIGN_OR_RETURN(json::object o, ParseObject(body));
  CITYID_RETURN_IF_ERROR(
      OnlyFields(o, {"pii", "attributes", "documents", "office"}, "the body"));
  EnrollCommand cmd;
  const json::value* pii = o.if_contains("pii");
  if (pii == nullptr) return InvalidArgument("pii is required");
  CITYID_ASSIGN_OR_RETURN(cmd.pii, ParsePii(*pii));
  const json::value* attributes = o.if_contains("attributes");
  if (attributes == nullptr) return InvalidArgument("attributes is required");
  CITYID_ASSIGN_OR_RETURN(cmd.attributes, ParseAttributes(*attributes));
  if (const json::value* docs = o.if_contains("documents")) {
    CITYID_ASSIGN_OR_RETURN(cmd.documents, ParseDocuments(*docs));
  }
  office->clear();
  if (o.contains("office")) {
    CITYID_ASSIGN_OR_RETURN(*office, RequiredString(o, "office", ""));
  }
  return cmd;
}

Result<UpdateResidentCommand> ParseUpdateBody(std::string_view body) {
  CITYID_ASSIGN_OR_RETURN(json::object o, ParseObject(body));
  CITYID_RETURN_IF_ERROR(OnlyFields(o, {"pii", "attributes"}, "the body"));
  UpdateResidentCommand cmd;
  if (const json::value* pii = o.if_contains("pii")) {
    CITYID_ASSIGN_OR_RETURN(cmd.pii, ParsePii(*pii));
  }
  if (const json::value* attributes = o.if_contains("attributes")) {
    CITYID_ASSIGN_OR_RETURN(cmd.attributes, ParseAttributes(*attributes));
  }
  if (!cmd.pii && !cmd.attributes)
    return InvalidArgument("pii or attributes is required");
  return cmd;
}

Result<IssueCardCommand> ParseIssueBody(std::string_view body) {
  CITYID_ASSIGN_OR_RETURN(json::object o, ParseObject(body));
  CITYID_RETURN_IF_ERROR(
      OnlyFields(o, {"resident_id", "card_type"}, "the body"));
  IssueCardCommand cmd;
  CITYID_ASSIGN_OR_RETURN(cmd.resident_id,
                          RequiredString(o, "resident_id", ""));
  CITYID_ASSIGN_OR_RETURN(cmd.card_type, RequiredString(o, "card_type", ""));
  return cmd;
}

Result<std::string> ParseReasonBody(std::string_view body) {
  CITYID_ASSIGN_OR_RETURN(json::object o, ParseObject(body));
  CITYID_RETURN_IF_ERROR(OnlyFields(o, {"reason"}, "the body"));
  return RequiredString(o, "reason", "");
}

Status ParseEmptyBody(std::string_view body) {
  if (std::all_of(body.begin(), body.end(),
                  [](char c) { return std::isspace(c & 0xff); })) {
    return Status::Ok();
  }
  auto o = ParseObject(body);
  if (!o.ok()) return o.status();
  return OnlyFields(*o, {}, "the body");
}

Result<std::optional<uint64_t>> ParseIfMatch(std::string_view header) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  if (header.empty() || header == "*") return std::optional<uint64_t>();
  if (header.substr(0, 2) == "W/") header.remove_prefix(2);
  if (header.size() >= 2 && header.front() == '"' && header.back() == '"') {
    header = header.substr(1, header.size() - 2);
  }
  if (header.empty() || header.size() > 19 ||
      !std::all_of(header.begin(), header.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return Malformed("If-Match must be a version number, e.g. \"3\"");
  }
  return std::optional<uint64_t>(std::stoull(std::string(header)));
}

std::string VersionETag(uint64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

boost::json::object CardJson(const CardView& card) {
  return {{"card_id", card.card_id},
          {"resident_id", card.resident_id},
          {"card_type", card.card_type},
          {"status", CardStatusName(card.status)},
          {"status_list", "/v1/status-lists/" + card.status_list},
          {"status_index", card.status_index},
          {"issued_at", FormatRfc3339(card.issued_at)},
          {"expires_at", FormatRfc3339(card.expires_at)},
          {"version", card.version}};
}

boost::json::object ResidentJson(const ResidentView& resident) {
  json::object pii;
  for (const auto& [k, v] : resident.pii) pii[k] = v;
  json::array documents, cards;
  for (const auto& d : resident.documents) documents.emplace_back(d);
  for (const auto& c : resident.card_ids) cards.emplace_back(c);
  return {{"resident_id", resident.resident_id},
          {"pii", std::move(pii)},
          {"attributes",
           {{"district", resident.attributes.district},
            {"age_band", resident.attributes.age_band},
            {"language", resident.attributes.language}}},
          {"documents", std::move(documents)},
          {"card_ids", std::move(cards)},
          {"version", resident.version}};
}

Result<boost::json::object> FeedItemJson(const StoredEvent& stored) {
  Result<Event> event = DecodeEvent(stored.bytes);
  if (!event.ok()) {
    return Corruption("event " + std::to_string(stored.seq) + ": " +
                      event.status().message());
  }
  json::object item = EventToJson(*event);
  item["bytes"] = Base64Encode(stored.bytes);
  return item;
}

}  // namespace cityid
