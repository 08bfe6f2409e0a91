// The stats projection's record encodings (stats_projection_keys.h): JSON
// objects with a fixed field order, so the state and its fingerprint are a
// function of the history alone.
#include <boost/json.hpp>

#include "projections/stats_projection.h"
#include "projections/stats_projection_keys.h"

namespace cityid::stats_internal {
namespace json = boost::json;
namespace {

json::array Strings(const std::vector<std::string>& items) {
  json::array a;
  for (const std::string& s : items) a.emplace_back(s);
  return a;
}

// Boost.JSON throws on a wrong type through as_*(); a stored record of the
// wrong shape is corruption, so decoding catches and translates.
Result<json::object> ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Corruption("stats: undecodable record");
  return std::move(v.as_object());
}

// A closed domain's values; null for an open one (learned from events).
json::value Domain(const AttributeDomain& d) {
  if (!d.closed()) return nullptr;
  return Strings(d.values);
}

}  // namespace

std::string SettingsJson(const StatsProjectionOptions& o) {
  json::object s;
  s["districts"] = Domain(o.policy.districts);
  s["age_bands"] = Domain(o.policy.age_bands);
  s["languages"] = Domain(o.policy.languages);
  s["card_types"] = Domain(o.policy.card_types);
  s["contribution_bound"] = o.contribution_bound;
  return json::serialize(s);
}

std::string EncodeResident(const ResidentRecord& r) {
  json::object o;
  o["district"] = r.district;
  o["age_band"] = r.age_band;
  o["language"] = r.language;
  o["cards"] = Strings(r.cards);
  return json::serialize(o);
}

Result<ResidentRecord> DecodeResident(std::string_view text) {
  CITYID_ASSIGN_OR_RETURN(json::object o, ParseObject(text));
  try {
    ResidentRecord r;
    r.district = o.at("district").as_string();
    r.age_band = o.at("age_band").as_string();
    r.language = o.at("language").as_string();
    for (const json::value& id : o.at("cards").as_array()) {
      r.cards.emplace_back(id.as_string());
    }
    return r;
  } catch (const std::exception&) {
    return Corruption("stats: malformed resident record");
  }
}

std::string EncodeCard(const CardRecord& c) {
  json::object o;
  o["resident_id"] = c.resident_id;
  o["card_type"] = c.card_type;
  o["status"] = c.status;
  o["expires_at"] = c.expires_at;
  o["open"] = c.open;
  o["cell"] = c.open
                  ? json::value(json::array{c.cell.district, c.cell.age_band,
                                            c.cell.language, c.cell.card_type})
                  : json::value(nullptr);
  return json::serialize(o);
}

Result<CardRecord> DecodeCard(std::string_view text) {
  CITYID_ASSIGN_OR_RETURN(json::object o, ParseObject(text));
  try {
    CardRecord c;
    c.resident_id = o.at("resident_id").as_string();
    c.card_type = o.at("card_type").as_string();
    c.status = o.at("status").as_string();
    c.expires_at = o.at("expires_at").to_number<Micros>();
    c.open = o.at("open").as_bool();
    if (c.open) {
      const json::array& cell = o.at("cell").as_array();
      if (cell.size() != 4) return Corruption("stats: malformed card cell");
      c.cell = Cell{
          std::string(cell[0].as_string()), std::string(cell[1].as_string()),
          std::string(cell[2].as_string()), std::string(cell[3].as_string())};
    }
    return c;
  } catch (const std::exception&) {
    return Corruption("stats: malformed card record");
  }
}

}  // namespace cityid::stats_internal
