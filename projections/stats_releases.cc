#include "projections/stats_releases.h"

#include "projections/stats/release.h"
#include "projections/stats/release_builder.h"

namespace cityid {
namespace {

constexpr std::string_view kReleasePrefix = "release/";

std::string ReleaseKey(std::string_view id) {
  return std::string(kReleasePrefix).append(id);
}

// "rel_" and 24 lowercase hex digits (stats::NewReleaseId).
bool IsReleaseId(std::string_view id) {
  if (id.size() != 28 || id.substr(0, 4) != "rel_") return false;
  for (char c : id.substr(4)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

StatsReleases::StatsReleases(std::unique_ptr<ProjectionStore> store,
                             StatsReleasesOptions options, const Clock* clock,
                             std::unique_ptr<stats::RandomSource> rng)
    : store_(std::move(store)),
      options_(std::move(options)),
      clock_(clock),
      rng_(std::move(rng)),
      budget_(options_.budget_per_period) {}

Result<std::unique_ptr<StatsReleases>> StatsReleases::Open(
    const std::string& data_dir, StatsReleasesOptions options,
    const Clock* clock, std::unique_ptr<stats::RandomSource> rng) {
  if (options.budget_per_period.num() < 0) {
    return InvalidArgument("stats: the budget per period must be >= 0");
  }
  CITYID_ASSIGN_OR_RETURN(
      std::unique_ptr<ProjectionStore> store,
      ProjectionStore::Open(data_dir, kName, options.store));
  if (!rng) rng = std::make_unique<stats::CsprngSource>();
  std::unique_ptr<StatsReleases> releases(new StatsReleases(
      std::move(store), std::move(options), clock, std::move(rng)));
  // A restart accounts for every stored release, even past a lowered limit.
  Status parsed;
  CITYID_RETURN_IF_ERROR(releases->store_->Scan(
      kReleasePrefix, [&](std::string_view, std::string_view text) {
        Result<stats::Release> r = stats::ParseRelease(text);
        if (!r.ok()) {
          parsed = Corruption("stats: a stored release does not parse");
          return false;
        }
        parsed = releases->budget_.Record(r->period, r->epsilon_exact);
        ++releases->count_;
        return parsed.ok();
      }));
  CITYID_RETURN_IF_ERROR(parsed);
  return releases;
}

Result<std::string> StatsReleases::Create(const ReleaseRequest& request,
                                          const CountsFn& counts) {
  std::lock_guard<std::mutex> lock(mu_);
  CITYID_ASSIGN_OR_RETURN(stats::Rational spent_after,
                          budget_.Check(request.period, request.epsilon));
  CITYID_ASSIGN_OR_RETURN(std::vector<stats::CountTable> tables, counts());
  stats::ReleaseSpec spec{stats::NewReleaseId(),
                          request.group_by,
                          request.period,
                          request.measures,
                          request.epsilon,
                          options_.contribution_bound,
                          options_.k};
  CITYID_ASSIGN_OR_RETURN(
      stats::Release release,
      stats::BuildRelease(spec, tables, *rng_, clock_->Now(), spent_after,
                          budget_.limit()));
  std::string text = stats::SerializeRelease(release);
  std::unique_ptr<StateBatch> batch = store_->NewBatch();
  batch->Put(ReleaseKey(release.id), text);
  CITYID_RETURN_IF_ERROR(store_->Commit(*batch, 0));
  // Cannot fail: Check passed under the same lock.
  CITYID_ASSIGN_OR_RETURN(stats::Rational charged,
                          budget_.Charge(request.period, request.epsilon));
  if (!(charged == spent_after)) {
    return Internal("stats: budget charge disagrees with its check");
  }
  ++count_;
  return text;
}

Result<std::string> StatsReleases::Get(std::string_view id) const {
  if (!IsReleaseId(id)) return NotFound("no such release");
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> text,
                          store_->Get(ReleaseKey(id)));
  if (!text) return NotFound("release " + std::string(id));
  return std::move(*text);
}

stats::Rational StatsReleases::Spent(std::string_view period) const {
  std::lock_guard<std::mutex> lock(mu_);
  return budget_.Spent(period);
}

size_t StatsReleases::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

}  // namespace cityid
