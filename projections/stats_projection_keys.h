// Internal to the stats projection (stats_projection*.cc): its store keys and
// record encodings. See stats_projection.h for the layout.
#ifndef CITYID_PROJECTIONS_STATS_PROJECTION_KEYS_H_
#define CITYID_PROJECTIONS_STATS_PROJECTION_KEYS_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace cityid {
struct StatsProjectionOptions;
}  // namespace cityid

namespace cityid::stats_internal {

inline constexpr std::string_view kSettingsKey = "meta/settings";
inline constexpr std::string_view kCountsPrefix = "c/";
inline constexpr std::string_view kExactPrefix = "c/n/";
inline constexpr std::string_view kBoundedPrefix = "c/b/";
inline constexpr std::string_view kActiveMeasure = "active";

inline std::string ResidentKey(std::string_view id) {
  return "r/" + std::string(id);
}
inline std::string CardKey(std::string_view id) {
  return "k/" + std::string(id);
}
inline constexpr std::string_view kLearnedPrefix = "cat/";
// "cat/district/D07": residents ever recorded with an open domain's value.
inline std::string LearnedPrefix(std::string_view dimension) {
  return std::string(kLearnedPrefix) + std::string(dimension) + "/";
}
inline std::string LearnedKey(std::string_view dimension,
                              std::string_view value) {
  return LearnedPrefix(dimension) + std::string(value);
}
inline std::string ContributionPrefix(std::string_view resident_id) {
  return "cb/" + std::string(resident_id) + "/";
}

// The categories an event is counted under. card_type is empty for the
// resident measures (enrolled, erased), which have no card type.
struct Cell {
  std::string district;
  std::string age_band;
  std::string language;
  std::string card_type;
  bool operator==(const Cell&) const = default;
};

// "c/n/issued/2026-01/north/25-34/es/standard" (or "c/b/…"; no card type
// segment for resident measures).
inline std::string CountKey(bool bounded, std::string_view measure,
                            std::string_view month, const Cell& cell) {
  std::string key(bounded ? kBoundedPrefix : kExactPrefix);
  key.append(measure).append("/").append(month);
  key.append("/").append(cell.district);
  key.append("/").append(cell.age_band);
  key.append("/").append(cell.language);
  if (!cell.card_type.empty()) key.append("/").append(cell.card_type);
  return key;
}

// A resident as the stats projection keeps it: categories only.
struct ResidentRecord {
  std::string district;
  std::string age_band;
  std::string language;
  std::vector<std::string> cards;  // in issue order
};

// A card and its open active interval, if any (stats_projection.h).
struct CardRecord {
  std::string resident_id;
  std::string card_type;  // category
  std::string status;     // "active" | "suspended" | "revoked"
  Micros expires_at = 0;
  bool open = false;  // an interval [start, expires_at) is recorded
  Cell cell;          // where the open interval is counted
};

// The settings a store was built with, as compact JSON (fixed key order).
std::string SettingsJson(const StatsProjectionOptions& options);

std::string EncodeResident(const ResidentRecord& r);
Result<ResidentRecord> DecodeResident(std::string_view text);
std::string EncodeCard(const CardRecord& c);
Result<CardRecord> DecodeCard(std::string_view text);

}  // namespace cityid::stats_internal

#endif  // CITYID_PROJECTIONS_STATS_PROJECTION_KEYS_H_
