#include "projections/stats/uptake_response.h"

#include <boost/json.hpp>
#include <unordered_set>
#include <utility>

namespace cityid::stats {
namespace json = boost::json;
namespace {

// One JSON row: the categories of `cell` in `shape`, then each measure's
// value from `value(m)` (null when suppressed).
template <typename ValueOf>
json::object Row(const CountTable& shape, size_t cell,
                 const std::vector<std::string>& measures, ValueOf&& value) {
  json::object row;
  std::vector<std::string> labels = shape.Labels(cell);
  for (size_t d = 0; d < labels.size(); ++d)
    row[shape.dimensions()[d].name] = labels[d];
  for (size_t m = 0; m < measures.size(); ++m) {
    auto [suppressed, v] = value(m);
    if (suppressed) {
      row[measures[m]] = nullptr;
    } else {
      row[measures[m]] = v;
    }
  }
  return row;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Result<UptakeAnswer> SuppressUptake(const std::vector<MeasureCounts>& measures,
                                    const SuppressionOptions& options) {
  if (measures.empty()) return InvalidArgument("uptake: no measures");
  std::unordered_set<std::string> names;
  for (const Dimension& d : measures.front().counts.dimensions())
    names.insert(d.name);
  UptakeAnswer answer{options.k, {}, {}};
  for (const MeasureCounts& m : measures) {
    if (m.measure.empty() || !names.insert(m.measure).second) {
      return InvalidArgument("uptake: measure '" + m.measure +
                             "' is empty, repeated or a dimension");
    }
    if (m.counts.dimensions() != measures.front().counts.dimensions()) {
      return InvalidArgument("uptake: measure '" + m.measure +
                             "' has other dimensions");
    }
    CITYID_ASSIGN_OR_RETURN(SuppressedTable t, Suppress(m.counts, options));
    answer.measures.push_back(m.measure);
    answer.tables.push_back(std::move(t));
  }
  return answer;
}

json::object UptakeToJson(const UptakeAnswer& a) {
  json::object out;
  out["suppressed_below"] = a.k;
  json::array rows;
  const CountTable& shape = a.tables.front().cells;
  for (size_t cell = 0; cell < shape.cell_count(); ++cell) {
    rows.emplace_back(Row(shape, cell, a.measures, [&](size_t m) {
      const SuppressedTable& t = a.tables[m];
      return std::make_pair(bool(t.suppressed[cell]), t.cells.count(cell));
    }));
  }
  out["rows"] = std::move(rows);
  json::array totals;
  for (size_t i = 0; i < a.tables.front().totals.size(); ++i) {
    const PublishedTotals& first = a.tables.front().totals[i];
    json::array group_by;
    for (const std::string& d : first.dimensions) group_by.emplace_back(d);
    json::array trows;
    for (size_t cell = 0; cell < first.totals.cell_count(); ++cell) {
      trows.emplace_back(Row(first.totals, cell, a.measures, [&](size_t m) {
        const PublishedTotals& t = a.tables[m].totals[i];
        return std::make_pair(bool(t.suppressed[cell]), t.totals.count(cell));
      }));
    }
    totals.emplace_back(json::object{{"group_by", std::move(group_by)},
                                     {"rows", std::move(trows)}});
  }
  out["totals"] = std::move(totals);
  return out;
}

std::string UptakeToCsv(const UptakeAnswer& a) {
  const CountTable& shape = a.tables.front().cells;
  std::string csv;
  auto line = [&](const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) csv += ',';
      csv += CsvField(fields[i]);
    }
    csv += "\r\n";
  };
  std::vector<std::string> header;
  for (const Dimension& d : shape.dimensions()) header.push_back(d.name);
  header.insert(header.end(), a.measures.begin(), a.measures.end());
  line(header);
  for (size_t cell = 0; cell < shape.cell_count(); ++cell) {
    std::vector<std::string> fields = shape.Labels(cell);
    for (const SuppressedTable& t : a.tables) {
      fields.push_back(
          t.suppressed[cell] ? "" : std::to_string(t.cells.count(cell)));
    }
    line(fields);
  }
  return csv;
}

}  // namespace cityid::stats
