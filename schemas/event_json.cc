#include "schemas/event_json.h"

#include <boost/json.hpp>

#include "base/bytes.h"

namespace cityid {
namespace {

namespace json = boost::json;

json::object AttributesJson(const Attributes& a) {
  return {{"district", a.district},
          {"age_band", a.age_band},
          {"language", a.language}};
}

json::object ToJson(const ResidentEnrolled& e) {
  json::array docs;
  for (const auto& d : e.documents) docs.emplace_back(d);
  return {{"resident_id", e.resident_id},
          {"pii_digest", HexEncode(e.pii_digest)},
          {"attributes", AttributesJson(e.attributes)},
          {"documents", std::move(docs)}};
}

json::object ToJson(const ResidentUpdated& e) {
  json::object o{{"resident_id", e.resident_id}};
  if (!e.pii_digest.empty()) o["pii_digest"] = HexEncode(e.pii_digest);
  if (e.has_attributes) o["attributes"] = AttributesJson(e.attributes);
  return o;
}

json::object ToJson(const CardIssued& e) {
  return {{"card_id", e.card_id},
          {"resident_id", e.resident_id},
          {"card_type", e.card_type},
          {"issued_at", FormatRfc3339(e.issued_at)},
          {"expires_at", FormatRfc3339(e.expires_at)},
          {"status_list", e.status_list},
          {"status_index", e.status_index}};
}

json::object ToJson(const CardRenewed& e) {
  return {{"card_id", e.card_id},
          {"resident_id", e.resident_id},
          {"expires_at", FormatRfc3339(e.expires_at)}};
}

json::object ToJson(const CardReplaced& e) {
  return {{"old_card_id", e.old_card_id},
          {"new_card_id", e.new_card_id},
          {"resident_id", e.resident_id},
          {"reason", e.reason},
          {"card_type", e.card_type},
          {"issued_at", FormatRfc3339(e.issued_at)},
          {"expires_at", FormatRfc3339(e.expires_at)},
          {"status_list", e.status_list},
          {"status_index", e.status_index}};
}

json::object ToJson(const CardStatusChange& e) {
  return {{"card_id", e.card_id},
          {"resident_id", e.resident_id},
          {"reason", e.reason}};
}

json::object ToJson(const ResidentErased& e) {
  return {{"resident_id", e.resident_id}, {"reason", e.reason}};
}

json::object ToJson(const PiiAccessed& e) {
  return {{"resident_id", e.resident_id},
          {"accessor", e.accessor},
          {"purpose", e.purpose}};
}

}  // namespace

json::object PayloadToJson(const Payload& payload) {
  return std::visit([](const auto& p) { return ToJson(p); }, payload);
}

json::object EventToJson(const Event& event) {
  json::object o{{"seq", event.seq},
                 {"event_id", event.event_id},
                 {"type", event.type()},
                 {"schema_version", event.schema_version},
                 {"occurred_at", FormatRfc3339(event.occurred_at)},
                 {"recorded_at", FormatRfc3339(event.recorded_at)},
                 {"actor", event.actor},
                 {"office", event.office}};
  if (!event.idempotency_key.empty())
    o["idempotency_key"] = event.idempotency_key;
  o["payload"] = PayloadToJson(event.payload);
  return o;
}

}  // namespace cityid
