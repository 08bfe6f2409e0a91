// The suppressed answer to an uptake query (GET /v1/stats/uptake), for
// several measures over the same dimensions, and its JSON and CSV forms.
//
// Each measure is suppressed on its own (suppression.h) with the same
// options, and the JSON publishes exactly the totals the suppression
// accounted for (SuppressionOptions::marginals) — nothing else, so no
// suppressed value can be rebuilt from the response. Note for callers: a
// response must not add figures derived from other measures (e.g. a rate
// computed from a suppressed count), or the check no longer covers it.
//
// JSON (SPEC §10; "totals" is an addition, fields may be added):
//   {"suppressed_below": 10,
//    "rows": [{"district": "north", "month": "2025-03", "issued": 12, "active":
//    null}], "totals": [{"group_by": ["month"], "rows": [{"month": "2025-03",
//    "issued": 40, ...}]},
//               {"group_by": [], "rows": [{"issued": 400, "active": 380}]}]}
// CSV (RFC 4180): a header of dimension then measure names, one line per
// cell, a suppressed value as an empty field; totals are not included.
// Pure functions; thread-safe.
#ifndef CITYID_PROJECTIONS_STATS_UPTAKE_RESPONSE_H_
#define CITYID_PROJECTIONS_STATS_UPTAKE_RESPONSE_H_

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "projections/stats/count_table.h"
#include "projections/stats/suppression.h"

namespace cityid::stats {

struct MeasureCounts {
  std::string measure;  // e.g. "issued"
  CountTable counts;    // over the query's group_by dimensions
};

struct UptakeAnswer {
  int64_t k = 10;
  std::vector<std::string> measures;
  std::vector<SuppressedTable> tables;  // tables[i] holds measures[i]
};

// Suppresses every measure with `options`. kInvalidArgument if there are no
// measures, a name repeats or clashes with a dimension, or the tables are not
// over the same dimensions and categories; otherwise as Suppress().
Result<UptakeAnswer> SuppressUptake(const std::vector<MeasureCounts>& measures,
                                    const SuppressionOptions& options);

boost::json::object UptakeToJson(const UptakeAnswer& answer);
std::string UptakeToCsv(const UptakeAnswer& answer);

}  // namespace cityid::stats

#endif  // CITYID_PROJECTIONS_STATS_UPTAKE_RESPONSE_H_
