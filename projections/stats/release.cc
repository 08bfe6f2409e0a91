#include "projections/stats/release.h"

#include <boost/json.hpp>
#include <unordered_set>
#include <utility>

#include "base/bytes.h"

namespace cityid::stats {
namespace json = boost::json;
namespace {

Status Bad(std::string_view what) {
  return Malformed("release json: " + std::string(what));
}

Result<const json::value*> Field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return Bad("missing \"" + std::string(key) + "\"");
  return v;
}

Result<std::string> GetString(const json::object& o, std::string_view key) {
  CITYID_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  if (!v->is_string())
    return Bad("\"" + std::string(key) + "\" is not a string");
  return std::string(v->get_string());
}

Result<int64_t> AsInt(const json::value& v, std::string_view key) {
  if (const int64_t* i = v.if_int64()) return *i;
  if (const uint64_t* u = v.if_uint64();
      u != nullptr && *u <= uint64_t(INT64_MAX)) {
    return static_cast<int64_t>(*u);
  }
  return Bad("\"" + std::string(key) + "\" is not an integer");
}

Result<int64_t> GetInt(const json::object& o, std::string_view key) {
  CITYID_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  return AsInt(*v, key);
}

Result<Rational> GetRational(const json::object& o, std::string_view key) {
  CITYID_ASSIGN_OR_RETURN(std::string s, GetString(o, key));
  Result<Rational> r = Rational::Parse(s);
  if (!r.ok())
    return Bad("\"" + std::string(key) + "\": " + r.status().message());
  return r;
}

Result<std::vector<std::string>> GetStrings(const json::object& o,
                                            std::string_view key) {
  CITYID_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  if (!v->is_array())
    return Bad("\"" + std::string(key) + "\" is not an array");
  std::vector<std::string> out;
  for (const json::value& e : v->get_array()) {
    if (!e.is_string())
      return Bad("\"" + std::string(key) + "\" holds a non-string");
    out.emplace_back(e.get_string());
  }
  return out;
}

json::array StringArray(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.emplace_back(s);
  return a;
}

Result<ReleaseRow> RowFromJson(const json::value& v, const Release& r) {
  if (!v.is_object()) return Bad("a row is not an object");
  const json::object& o = v.get_object();
  ReleaseRow row;
  for (const std::string& dim : r.group_by) {
    CITYID_ASSIGN_OR_RETURN(std::string cat, GetString(o, dim));
    row.group.push_back(std::move(cat));
  }
  for (const std::string& m : r.measures) {
    CITYID_ASSIGN_OR_RETURN(const json::value* value, Field(o, m));
    if (value->is_null()) {
      row.values.emplace_back(std::nullopt);
    } else {
      CITYID_ASSIGN_OR_RETURN(int64_t n, AsInt(*value, m));
      row.values.emplace_back(n);
    }
  }
  return row;
}

// Dimension and measure names key the same row object: they must be
// distinct, non-empty and not repeated.
Status CheckNames(const Release& r) {
  std::unordered_set<std::string> seen;
  for (const auto* names : {&r.group_by, &r.measures}) {
    for (const std::string& n : *names) {
      if (n.empty() || !seen.insert(n).second)
        return Bad("empty or repeated name '" + n + "'");
    }
  }
  return Status::Ok();
}

Status HeaderFromJson(const json::object& o, Release& r) {
  CITYID_ASSIGN_OR_RETURN(r.id, GetString(o, "id"));
  CITYID_ASSIGN_OR_RETURN(r.group_by, GetStrings(o, "group_by"));
  CITYID_ASSIGN_OR_RETURN(r.period, GetString(o, "period"));
  CITYID_ASSIGN_OR_RETURN(r.measures, GetStrings(o, "measures"));
  CITYID_RETURN_IF_ERROR(CheckNames(r));
  CITYID_ASSIGN_OR_RETURN(r.mechanism, GetString(o, "mechanism"));
  CITYID_ASSIGN_OR_RETURN(r.epsilon, GetString(o, "epsilon"));
  CITYID_ASSIGN_OR_RETURN(r.epsilon_exact, GetRational(o, "epsilon_rational"));
  Result<Rational> eps = Rational::Parse(r.epsilon);
  if (!eps.ok() || !(*eps == r.epsilon_exact))
    return Bad("epsilon and epsilon_rational disagree");
  CITYID_ASSIGN_OR_RETURN(int64_t bound, GetInt(o, "contribution_bound"));
  if (bound < 1 || bound > int64_t{UINT32_MAX})
    return Bad("contribution_bound out of range");
  r.contribution_bound = static_cast<uint32_t>(bound);
  CITYID_ASSIGN_OR_RETURN(r.sensitivity, GetInt(o, "sensitivity"));
  CITYID_ASSIGN_OR_RETURN(r.scale, GetRational(o, "scale"));
  CITYID_ASSIGN_OR_RETURN(r.suppressed_below, GetInt(o, "suppressed_below"));
  CITYID_ASSIGN_OR_RETURN(const json::value* budget, Field(o, "budget"));
  if (!budget->is_object()) return Bad("\"budget\" is not an object");
  CITYID_ASSIGN_OR_RETURN(std::string budget_period,
                          GetString(budget->get_object(), "period"));
  if (budget_period != r.period)
    return Bad("budget period differs from the release period");
  CITYID_ASSIGN_OR_RETURN(r.budget_spent,
                          GetRational(budget->get_object(), "spent"));
  CITYID_ASSIGN_OR_RETURN(r.budget_limit,
                          GetRational(budget->get_object(), "limit"));
  CITYID_ASSIGN_OR_RETURN(r.created_at, GetString(o, "created_at"));
  return Status::Ok();
}

}  // namespace

std::string NewReleaseId() { return "rel_" + HexEncode(RandomBytes(12)); }

json::value ReleaseToJson(const Release& r) {
  json::object o;
  o["id"] = r.id;
  o["group_by"] = StringArray(r.group_by);
  o["period"] = r.period;
  o["measures"] = StringArray(r.measures);
  o["mechanism"] = r.mechanism;
  o["epsilon"] = r.epsilon;
  o["epsilon_rational"] = r.epsilon_exact.ToFractionString();
  o["contribution_bound"] = r.contribution_bound;
  o["sensitivity"] = r.sensitivity;
  o["scale"] = r.scale.ToString();
  o["suppressed_below"] = r.suppressed_below;
  o["budget"] = json::object{{"period", r.period},
                             {"spent", r.budget_spent.ToString()},
                             {"limit", r.budget_limit.ToString()}};
  o["created_at"] = r.created_at;
  json::array rows;
  for (const ReleaseRow& row : r.rows) {
    json::object jr;
    for (size_t i = 0; i < r.group_by.size() && i < row.group.size(); ++i) {
      jr[r.group_by[i]] = row.group[i];
    }
    for (size_t i = 0; i < r.measures.size() && i < row.values.size(); ++i) {
      if (row.values[i]) {
        jr[r.measures[i]] = *row.values[i];
      } else {
        jr[r.measures[i]] = nullptr;
      }
    }
    rows.emplace_back(std::move(jr));
  }
  o["rows"] = std::move(rows);
  return o;
}

Result<Release> ReleaseFromJson(const json::value& v) {
  if (!v.is_object()) return Bad("not an object");
  const json::object& o = v.get_object();
  Release r;
  CITYID_RETURN_IF_ERROR(HeaderFromJson(o, r));
  CITYID_ASSIGN_OR_RETURN(const json::value* rows, Field(o, "rows"));
  if (!rows->is_array()) return Bad("\"rows\" is not an array");
  for (const json::value& row : rows->get_array()) {
    CITYID_ASSIGN_OR_RETURN(ReleaseRow parsed, RowFromJson(row, r));
    r.rows.push_back(std::move(parsed));
  }
  return r;
}

std::string SerializeRelease(const Release& release) {
  return json::serialize(ReleaseToJson(release));
}

Result<Release> ParseRelease(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Bad(ec.message());
  return ReleaseFromJson(v);
}

}  // namespace cityid::stats
