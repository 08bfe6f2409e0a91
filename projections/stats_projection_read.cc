// StatsProjection: settings, months, and reading the counts back as tables.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <unordered_map>

#include "projections/stats_projection.h"
#include "projections/stats_projection_keys.h"

namespace cityid {
namespace {

// Appends "other" to a closed domain that lacks it (values an older history
// holds outside the domain are counted there).
void NormalizeClosed(AttributeDomain& domain) {
  if (!domain.closed()) return;
  if (std::find(domain.values.begin(), domain.values.end(), kOtherCategory) ==
      domain.values.end()) {
    domain.values.emplace_back(kOtherCategory);
  }
}

// "YYYY-MM" -> months since year 0, or nullopt.
std::optional<int> MonthIndex(std::string_view m) {
  if (m.size() != 7 || m[4] != '-') return std::nullopt;
  int year = 0, month = 0;
  auto y = std::from_chars(m.data(), m.data() + 4, year);
  auto mo = std::from_chars(m.data() + 5, m.data() + 7, month);
  if (y.ptr != m.data() + 4 || mo.ptr != m.data() + 7) return std::nullopt;
  if (year < 1970 || year > 9999 || month < 1 || month > 12) {
    return std::nullopt;
  }
  return year * 12 + (month - 1);
}

std::string MonthName(int index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", index / 12, index % 12 + 1);
  return buf;
}

// Splits "c/n/issued/2026-01/north/25-34/es/standard" at '/'.
std::vector<std::string_view> Split(std::string_view key) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '/') {
      parts.push_back(key.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// Reads stored counts into per-measure tables (one scan, one snapshot).
class CountReader {
 public:
  // `open[i]`: whether dimension i (StatsDimensions() order) is open.
  CountReader(const std::vector<std::string>& months,
              std::map<std::string, stats::CountTable>& tables, bool bounded,
              std::vector<bool> open)
      : months_(months),
        tables_(tables),
        bounded_(bounded),
        open_(std::move(open)) {}

  // Adds one stored record; false (with `error_` set) on a bad record.
  bool Add(std::string_view key, std::string_view value) {
    std::vector<std::string_view> parts = Split(key);
    if (parts.size() < 7) return Bad();
    const std::string measure(parts[2]);
    const bool active = measure == stats_internal::kActiveMeasure;
    // Bounded reads take "active" from the exact counts (see the header).
    if ((parts[1] == "b") != (bounded_ && !active)) return true;
    auto table = tables_.find(measure);
    if (table == tables_.end()) return true;  // not asked for
    int64_t v = 0;
    auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size()) return Bad();
    // Active deltas count from their month on; events only in their month.
    auto month = std::lower_bound(months_.begin(), months_.end(), parts[3]);
    if (month == months_.end()) return true;
    if (!active && *month != parts[3]) return true;
    std::vector<std::string> labels{*month};
    for (size_t i = 4; i < parts.size(); ++i) labels.emplace_back(parts[i]);
    MergeUnpublished(table->second, labels);
    Result<size_t> cell = table->second.CellOf(labels);
    if (!cell.ok()) return Bad();
    table->second.Add(*cell, v);
    return true;
  }

  const Status& error() const { return error_; }

 private:
  bool Bad() {
    error_ = Corruption("stats: undecodable count record");
    return false;
  }
  // An open domain's value that is not (yet) a published category is
  // counted under "other".
  void MergeUnpublished(const stats::CountTable& table,
                        std::vector<std::string>& labels) const {
    const std::vector<stats::Dimension>& dims = table.dimensions();
    for (size_t i = 1; i < labels.size() && i < dims.size(); ++i) {
      if (!open_[i]) continue;
      const std::vector<std::string>& c = dims[i].categories;
      if (std::find(c.begin(), c.end(), labels[i]) == c.end()) {
        labels[i] = std::string(kOtherCategory);
      }
    }
  }
  const std::vector<std::string>& months_;
  std::map<std::string, stats::CountTable>& tables_;
  const bool bounded_;
  const std::vector<bool> open_;
  Status error_;
};

// Turns the active deltas (each counted at the first month >= its own) into
// month-end counts: a running sum along the month dimension (the first, so
// each month's cells are one contiguous block).
void RunningSum(stats::CountTable& table, size_t months) {
  const size_t block = table.cell_count() / months;
  for (size_t m = 1; m < months; ++m) {
    for (size_t i = 0; i < block; ++i) {
      table.Add(m * block + i, table.count((m - 1) * block + i));
    }
  }
}

}  // namespace

const std::vector<std::string>& StatsMeasures() {
  static const std::vector<std::string> kMeasures = {
      "enrolled",  "issued",  "renewed", "replaced",
      "suspended", "revoked", "erased",  "active"};
  return kMeasures;
}

bool IsResidentMeasure(std::string_view measure) {
  return measure == "enrolled" || measure == "erased";
}

const std::vector<std::string>& StatsDimensions() {
  static const std::vector<std::string> kDims = {
      std::string(kMonthDim), std::string(kDistrictDim),
      std::string(kAgeBandDim), std::string(kLanguageDim),
      std::string(kCardTypeDim)};
  return kDims;
}

Result<std::unique_ptr<StatsProjection>> StatsProjection::Create(
    ProjectionStore* store, StatsProjectionOptions options) {
  ProgrammePolicy& p = options.policy;
  CITYID_RETURN_IF_ERROR(p.Check());
  p.card_types.values = p.AllowedCardTypes();  // card_type is never open
  for (AttributeDomain* d :
       {&p.districts, &p.age_bands, &p.languages, &p.card_types}) {
    NormalizeClosed(*d);
  }
  if (options.contribution_bound < 1) {
    return InvalidArgument("stats: the contribution bound must be >= 1");
  }
  if (options.min_category_count < 0) {
    return InvalidArgument("stats: min_category_count must be >= 0");
  }
  if (store->position() > 0) {
    CITYID_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                            store->Get(stats_internal::kSettingsKey));
    if (!stored || *stored != stats_internal::SettingsJson(options)) {
      return PreconditionFailed(
          "stats: the store was built with other domains or another "
          "contribution bound; rebuild it by replay");
    }
  }
  return std::unique_ptr<StatsProjection>(
      new StatsProjection(store, std::move(options)));
}

Result<std::vector<std::string>> StatsProjection::Categories(
    std::string_view dimension, const AttributeDomain& domain) const {
  if (domain.closed()) return domain.values;
  std::vector<std::string> published;
  const std::string prefix = stats_internal::LearnedPrefix(dimension);
  bool bad = false;
  CITYID_RETURN_IF_ERROR(
      store_->Scan(prefix, [&](std::string_view key, std::string_view value) {
        int64_t n = 0;
        auto [end, ec] =
            std::from_chars(value.data(), value.data() + value.size(), n);
        bad = ec != std::errc() || end != value.data() + value.size();
        if (bad) return false;
        if (n >= options_.min_category_count) {
          published.emplace_back(key.substr(prefix.size()));
        }
        return true;
      }));
  if (bad) return Corruption("stats: undecodable category count");
  published.emplace_back(kOtherCategory);
  return published;
}

Result<std::vector<stats::Dimension>> StatsProjection::Dimensions(
    const std::vector<std::string>& months, bool with_card_type) const {
  const ProgrammePolicy& p = options_.policy;
  std::vector<stats::Dimension> dims = {{std::string(kMonthDim), months}};
  const std::pair<std::string_view, const AttributeDomain*> attributes[] = {
      {kDistrictDim, &p.districts},
      {kAgeBandDim, &p.age_bands},
      {kLanguageDim, &p.languages}};
  for (const auto& [name, domain] : attributes) {
    CITYID_ASSIGN_OR_RETURN(std::vector<std::string> categories,
                            Categories(name, *domain));
    dims.push_back({std::string(name), std::move(categories)});
  }
  if (with_card_type) {
    dims.push_back({std::string(kCardTypeDim), p.card_types.values});
  }
  return dims;
}

Result<std::map<std::string, stats::CountTable>> StatsProjection::Counts(
    const std::vector<std::string>& measures,
    const std::vector<std::string>& months, StatsCounts which) const {
  if (months.empty()) return InvalidArgument("stats: no months");
  std::map<std::string, stats::CountTable> tables;
  // One read of the categories for every measure's table.
  CITYID_ASSIGN_OR_RETURN(std::vector<stats::Dimension> all_dims,
                          Dimensions(months, true));
  for (const std::string& m : measures) {
    const auto& all = StatsMeasures();
    if (std::find(all.begin(), all.end(), m) == all.end()) {
      return InvalidArgument("stats: unknown measure '" + m + "'");
    }
    std::vector<stats::Dimension> dims = all_dims;
    if (IsResidentMeasure(m)) dims.pop_back();  // no card type
    CITYID_ASSIGN_OR_RETURN(stats::CountTable t,
                            stats::CountTable::Create(std::move(dims)));
    tables.emplace(m, std::move(t));
  }
  const ProgrammePolicy& p = options_.policy;
  CountReader reader(months, tables, which == StatsCounts::kBounded,
                     {false, !p.districts.closed(), !p.age_bands.closed(),
                      !p.languages.closed(), false});
  CITYID_RETURN_IF_ERROR(
      store_->Scan(stats_internal::kCountsPrefix,
                   [&](std::string_view k, std::string_view v) {
                     return reader.Add(k, v);
                   }));
  CITYID_RETURN_IF_ERROR(reader.error());
  auto active = tables.find(std::string(stats_internal::kActiveMeasure));
  if (active != tables.end()) RunningSum(active->second, months.size());
  return tables;
}

Result<std::string> StatsProjection::Fingerprint() const {
  return store_->Fingerprint();
}

Result<std::string> StatsProjection::Dump() const {
  std::string out = "position " + std::to_string(store_->position()) + "\n";
  CITYID_RETURN_IF_ERROR(
      store_->Scan("", [&](std::string_view key, std::string_view value) {
        out.append(key).append(" ").append(value).append("\n");
        return true;
      }));
  return out;
}

Result<std::vector<std::string>> MonthRange(std::string_view from,
                                            std::string_view to,
                                            size_t max_months) {
  std::optional<int> a = MonthIndex(from), b = MonthIndex(to);
  if (!a || !b) return InvalidArgument("months are written YYYY-MM");
  if (*b < *a) return InvalidArgument("'to' is before 'from'");
  if (static_cast<size_t>(*b - *a) + 1 > max_months) {
    return InvalidArgument("at most " + std::to_string(max_months) +
                           " months at a time");
  }
  std::vector<std::string> months;
  for (int m = *a; m <= *b; ++m) months.push_back(MonthName(m));
  return months;
}

std::string AddMonths(std::string_view month, int delta) {
  std::optional<int> m = MonthIndex(month);
  if (!m) return std::string(month);
  return MonthName(*m + delta);
}

}  // namespace cityid
