#include "api/stats_uptake.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <set>

#include "api/router.h"

namespace cityid {
namespace json = boost::json;
namespace {

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Cells of a response: the product of the grouped domains' sizes.
Result<size_t> CellsOf(const StatsProjection& projection,
                       const std::vector<std::string>& group_by,
                       size_t months) {
  CITYID_ASSIGN_OR_RETURN(std::vector<stats::Dimension> dims,
                          projection.Dimensions({"m"}, true));
  size_t cells = 1;
  for (const stats::Dimension& d : dims) {
    if (!Contains(group_by, d.name)) continue;
    cells *= d.name == kMonthDim ? months : d.categories.size();
  }
  return cells;
}

Status FillMonths(UptakeQuery& q, const std::map<std::string, std::string>& p,
                  Micros now, size_t max_months) {
  auto from = p.find("from"), to = p.find("to");
  q.to = to != p.end() ? to->second : FormatMonth(now);
  q.from = from != p.end() ? from->second : AddMonths(q.to, -11);
  CITYID_ASSIGN_OR_RETURN(q.months, MonthRange(q.from, q.to, max_months));
  return Status::Ok();
}

// Rates apply when populations are known, active is published and the
// grouping is at most month × district.
bool RatesApply(const UptakeResult& r,
                const std::map<std::string, int64_t>& populations) {
  if (populations.empty() || !Contains(r.answer.measures, "active")) {
    return false;
  }
  for (const std::string& d : r.query.group_by) {
    if (d != kMonthDim && d != kDistrictDim) return false;
  }
  return true;
}

// Adds "population" and "uptake_rate" to one row.
void AddRate(json::object& row,
             const std::map<std::string, int64_t>& populations) {
  int64_t population = 0;
  if (const json::value* d = row.if_contains(kDistrictDim)) {
    auto it = populations.find(std::string(d->as_string()));
    if (it != populations.end()) population = it->second;
  } else {
    for (const auto& [district, n] : populations) population += n;
  }
  const json::value& active = row.at("active");
  row["population"] = population > 0 ? json::value(population) : nullptr;
  if (population > 0 && active.is_int64()) {
    const double rate = static_cast<double>(active.as_int64()) /
                        static_cast<double>(population);
    row["uptake_rate"] = std::round(rate * 1e4) / 1e4;
  } else {
    row["uptake_rate"] = nullptr;
  }
}

// Shortest round-trip decimal ("0.14"), as a CSV field.
std::string RateText(const json::object& row) {
  const json::value& rate = row.at("uptake_rate");
  if (!rate.is_double()) return std::string();
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, rate.as_double());
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

}  // namespace

Result<std::vector<std::string>> SplitNames(std::string_view list,
                                            std::string_view what) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  size_t start = 0;
  for (size_t i = 0; i <= list.size(); ++i) {
    if (i < list.size() && list[i] != ',') continue;
    std::string name(list.substr(start, i - start));
    if (name.empty() || !seen.insert(name).second) {
      return InvalidArgument(std::string(what) +
                             ": empty or repeated name in '" +
                             std::string(list) + "'");
    }
    names.push_back(std::move(name));
    start = i + 1;
  }
  return names;
}

Status CheckGroupBy(const std::vector<std::string>& group_by) {
  for (const std::string& d : group_by) {
    if (!Contains(StatsDimensions(), d)) {
      return InvalidArgument(
          "group_by: '" + d +
          "' is not one of month, district, age_band, language, card_type");
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> MeasuresFor(
    const std::vector<std::string>& group_by,
    const std::vector<std::string>& asked) {
  const bool by_card_type = Contains(group_by, kCardTypeDim);
  if (asked.empty()) {
    std::vector<std::string> measures;
    for (const std::string& m : StatsMeasures()) {
      if (!(by_card_type && IsResidentMeasure(m))) measures.push_back(m);
    }
    return measures;
  }
  for (const std::string& m : asked) {
    if (!Contains(StatsMeasures(), m)) {
      return InvalidArgument("measures: unknown measure '" + m + "'");
    }
    if (by_card_type && IsResidentMeasure(m)) {
      return InvalidArgument("measures: '" + m +
                             "' has no card type; leave card_type out of "
                             "group_by to see it");
    }
  }
  return asked;
}

Result<UptakeQuery> ParseUptakeQuery(std::string_view query, Micros now,
                                     const StatsProjection& projection,
                                     const UptakeLimits& limits) {
  CITYID_ASSIGN_OR_RETURN(auto params, ParseQuery(query));
  for (const auto& [key, value] : params) {
    if (key != "group_by" && key != "from" && key != "to" &&
        key != "measures") {
      return InvalidArgument("unknown parameter '" + key + "'");
    }
  }
  UptakeQuery q;
  auto group_by = params.find("group_by");
  CITYID_ASSIGN_OR_RETURN(q.group_by, SplitNames(group_by == params.end()
                                                     ? std::string_view("month")
                                                     : group_by->second,
                                                 "group_by"));
  CITYID_RETURN_IF_ERROR(CheckGroupBy(q.group_by));
  std::vector<std::string> asked;
  if (auto m = params.find("measures"); m != params.end()) {
    CITYID_ASSIGN_OR_RETURN(asked, SplitNames(m->second, "measures"));
  }
  CITYID_ASSIGN_OR_RETURN(q.measures, MeasuresFor(q.group_by, asked));
  CITYID_RETURN_IF_ERROR(FillMonths(q, params, now, limits.max_months));
  CITYID_ASSIGN_OR_RETURN(const size_t cells,
                          CellsOf(projection, q.group_by, q.months.size()));
  if (cells > limits.max_cells) {
    return InvalidArgument("the answer would have " + std::to_string(cells) +
                           " cells (at most " +
                           std::to_string(limits.max_cells) +
                           "): group by fewer dimensions or fewer months");
  }
  return q;
}

Result<UptakeResult> BuildUptake(const StatsProjection& projection,
                                 const UptakeQuery& query, int64_t k) {
  CITYID_ASSIGN_OR_RETURN(
      auto tables,
      projection.Counts(query.measures, query.months, StatsCounts::kExact));
  const bool by_month = Contains(query.group_by, kMonthDim);
  std::vector<stats::MeasureCounts> counts;
  for (const std::string& m : query.measures) {
    const stats::CountTable& table = tables.at(m);
    auto group = [&]() -> Result<stats::CountTable> {
      if (m != "active" || by_month) return table.Marginal(query.group_by);
      // A stock, not a flow: the count at the end of the range.
      CITYID_ASSIGN_OR_RETURN(stats::CountTable at_end,
                              table.Restrict(kMonthDim, {query.months.back()}));
      return at_end.Marginal(query.group_by);
    };
    CITYID_ASSIGN_OR_RETURN(stats::CountTable grouped, group());
    counts.push_back(stats::MeasureCounts{m, std::move(grouped)});
  }
  stats::SuppressionOptions options{k,
                                    stats::OneWayMarginals(counts[0].counts)};
  CITYID_ASSIGN_OR_RETURN(stats::UptakeAnswer answer,
                          stats::SuppressUptake(counts, options));
  return UptakeResult{std::move(answer), query};
}

json::object UptakeResponseJson(
    const UptakeResult& result,
    const std::map<std::string, int64_t>& populations) {
  json::object out = stats::UptakeToJson(result.answer);
  json::array group_by;
  for (const std::string& d : result.query.group_by) group_by.emplace_back(d);
  out["group_by"] = std::move(group_by);
  out["from"] = result.query.from;
  out["to"] = result.query.to;
  if (RatesApply(result, populations)) {
    for (json::value& row : out["rows"].as_array()) {
      AddRate(row.as_object(), populations);
    }
    for (json::value& total : out["totals"].as_array()) {
      for (json::value& row : total.as_object()["rows"].as_array()) {
        AddRate(row.as_object(), populations);
      }
    }
  }
  return out;
}

std::string UptakeResponseCsv(
    const UptakeResult& result,
    const std::map<std::string, int64_t>& populations) {
  std::string csv = stats::UptakeToCsv(result.answer);
  if (!RatesApply(result, populations)) return csv;
  json::object rated = UptakeResponseJson(result, populations);
  const json::array& rows = rated.at("rows").as_array();
  // One CRLF-terminated line per row after the header, in the same order.
  std::string out;
  size_t line = 0, start = 0;
  for (size_t end; (end = csv.find("\r\n", start)) != std::string::npos;
       start = end + 2, ++line) {
    out.append(csv, start, end - start);
    out += ',';
    out += line == 0 ? "uptake_rate" : RateText(rows[line - 1].as_object());
    out += "\r\n";
  }
  return out;
}

Result<std::map<std::string, int64_t>> ParsePopulationsCsv(
    std::string_view csv) {
  std::map<std::string, int64_t> out;
  size_t number = 0;
  for (size_t start = 0; start <= csv.size(); ++number) {
    size_t end = csv.find('\n', start);
    if (end == std::string_view::npos) end = csv.size();
    std::string_view line = csv.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const size_t comma = line.find(',');
    const std::string where = "populations line " + std::to_string(number + 1);
    if (comma == std::string_view::npos || comma == 0) {
      return InvalidArgument(where + ": expected district,population");
    }
    std::string district(line.substr(0, comma));
    std::string_view value = line.substr(comma + 1);
    int64_t n = 0;
    auto [p, ec] =
        std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || p != value.data() + value.size()) {
      if (out.empty() && number == 0) continue;  // a header line
      return InvalidArgument(where + ": population is not an integer");
    }
    if (n < 0 || !out.emplace(std::move(district), n).second) {
      return InvalidArgument(where + ": negative or repeated district");
    }
  }
  return out;
}

}  // namespace cityid
