// The uptake query of the stats service (GET /v1/stats/uptake; SPEC §4,
// §10): parsing its parameters and building its suppressed answer from the
// stats projection, with uptake rates when district populations are known.
//
// Parameters (all optional; any other parameter is refused):
//   group_by  comma-separated subset of month, district, age_band, language,
//             card_type, in the order wanted (default "month")
//   from, to  "YYYY-MM", inclusive (default: the 12 months up to the current
//             one; from alone runs to the current month, to alone starts 11
//             months earlier); at most `max_months` months
//   measures  comma-separated subset of enrolled, issued, renewed, replaced,
//             suspended, revoked, erased, active (default: all of them, less
//             enrolled and erased when card_type is grouped: they have no card
//             type)
// Event measures are summed over the months of each row; "active" is the
// month-end count, and when month is not grouped, the count at the end of
// `to`.
//
// Suppression (projections/stats/uptake_response.h): each measure on its
// own, cells and published totals (every one-way marginal and the grand
// total) below k, with complementary suppression.
//
// Uptake rates: when populations are configured and group_by holds only
// month and/or district, each row and total gets "population" and
// "uptake_rate" = active ÷ population (the district's, or the sum of all
// configured districts for rows without one), rounded to 4 decimals; null
// when active is suppressed or the population is unknown (e.g. "other").
// Rates derive only from published active counts and the public population
// figures, so they reveal nothing the response does not already publish.
//
// Pure functions over the projection's committed state; thread-safe.
#ifndef CITYID_API_STATS_UPTAKE_H_
#define CITYID_API_STATS_UPTAKE_H_

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "projections/stats/count_table.h"
#include "projections/stats/uptake_response.h"
#include "projections/stats_projection.h"

namespace cityid {

struct UptakeLimits {
  size_t max_months = 120;
  size_t max_cells = 20000;  // cells of one response (before measures)
};

struct UptakeQuery {
  std::vector<std::string> group_by;
  std::string from;  // "YYYY-MM"
  std::string to;
  std::vector<std::string> months;  // from..to
  std::vector<std::string> measures;
};

// From the raw query string. kMalformed for a bad escape or a repeated
// parameter; kInvalidArgument (422) for an unknown parameter or dimension
// or measure, a repeat, an empty list, a bad month, to < from, too many
// months or cells, or a resident measure asked for with card_type.
Result<UptakeQuery> ParseUptakeQuery(std::string_view query, Micros now,
                                     const StatsProjection& projection,
                                     const UptakeLimits& limits);

// Comma-separated names, each non-empty. kInvalidArgument naming `what` on
// an empty item or a repeat.
Result<std::vector<std::string>> SplitNames(std::string_view list,
                                            std::string_view what);
// Checks group_by names against StatsDimensions().
Status CheckGroupBy(const std::vector<std::string>& group_by);
// Default measures for a grouping; or checks asked-for ones against it.
Result<std::vector<std::string>> MeasuresFor(
    const std::vector<std::string>& group_by,
    const std::vector<std::string>& asked);

struct UptakeResult {
  stats::UptakeAnswer answer;
  UptakeQuery query;
};

// Reads the counts and suppresses them. Errors as StatsProjection::Counts
// and stats::SuppressUptake.
Result<UptakeResult> BuildUptake(const StatsProjection& projection,
                                 const UptakeQuery& query, int64_t k);

// The JSON answer: UptakeToJson plus "group_by", "from", "to" and, with
// populations, the rates described above.
boost::json::object UptakeResponseJson(
    const UptakeResult& result,
    const std::map<std::string, int64_t>& populations);
// The CSV answer: UptakeToCsv, plus an uptake_rate column when rates apply.
std::string UptakeResponseCsv(
    const UptakeResult& result,
    const std::map<std::string, int64_t>& populations);

// Parses a populations CSV ("district,population" per line; an optional
// header line whose second field is not a number; blank lines and lines
// starting with '#' are skipped). kInvalidArgument on a bad line, a
// repeated district or a negative population.
Result<std::map<std::string, int64_t>> ParsePopulationsCsv(
    std::string_view csv);

}  // namespace cityid

#endif  // CITYID_API_STATS_UPTAKE_H_
