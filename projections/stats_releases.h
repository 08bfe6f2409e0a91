// StatsReleases: the stored differentially private releases of the stats
// service (POST/GET /v1/stats/releases; SPEC §6, issue 7) and the privacy
// budget they spend.
//
// Create() runs, under one mutex:
//   BudgetLedger::Check(period, epsilon)     -> kConflict when exhausted
//   counts()                                 -> contribution-bounded tables
//   BuildRelease(...)                        -> discrete-Laplace noise, once
//   store SerializeRelease(r) (synced)       -> then BudgetLedger::Charge
// so a release is charged only once it is durable, and a crash between the
// two loses nothing: on Open() every stored release is Record()ed again. The
// stored text is the release: Get() returns exactly those bytes, forever;
// noise is never drawn again.
//
// Storage: its own RocksDB through ProjectionStore (data_dir/stats_releases,
// keys "release/<id>"). It is not a projection: nothing is folded from
// events, and its position stays 0.
//
// Threading: Create() and Get() may be called from any thread; Create()
// calls are serialised. The clock must outlive the object.
#ifndef CITYID_PROJECTIONS_STATS_RELEASES_H_
#define CITYID_PROJECTIONS_STATS_RELEASES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "projections/projection.h"
#include "projections/stats/budget.h"
#include "projections/stats/count_table.h"
#include "projections/stats/discrete_laplace.h"
#include "projections/stats/rational.h"

namespace cityid {

struct StatsReleasesOptions {
  stats::Rational budget_per_period = stats::Rational::Integer(1);
  int64_t k = 10;                   // noisy values below k are published null
  uint32_t contribution_bound = 1;  // the bound the counts were built with
  ProjectionStoreOptions store;
};

struct ReleaseRequest {
  std::vector<std::string> group_by;  // dimension names, in row order
  std::string period;                 // the budget period, "YYYY-MM"
  stats::Rational epsilon;
  std::vector<std::string> measures;  // non-empty
};

class StatsReleases {
 public:
  static constexpr char kName[] = "stats_releases";

  // One contribution-bounded table per request measure, each over the
  // request's group_by. Called inside Create()'s critical section.
  using CountsFn = std::function<Result<std::vector<stats::CountTable>>()>;

  // Opens (or creates) data_dir/stats_releases and records every stored
  // release in the budget. `rng` defaults to stats::CsprngSource. Store
  // errors as ProjectionStore::Open returns them; kCorruption for a stored
  // release that does not parse.
  static Result<std::unique_ptr<StatsReleases>> Open(
      const std::string& data_dir, StatsReleasesOptions options,
      const Clock* clock, std::unique_ptr<stats::RandomSource> rng = nullptr);

  // Creates, stores and charges a release; returns its stored JSON text.
  // kConflict when the period's budget cannot pay for epsilon (nothing is
  // stored or charged); kInvalidArgument for a bad request or counts (as
  // BuildRelease); the counts' error; kUnavailable when the store fails.
  Result<std::string> Create(const ReleaseRequest& request,
                             const CountsFn& counts);

  // The stored text of a release; kNotFound for an unknown id.
  Result<std::string> Get(std::string_view id) const;

  // Epsilon spent in a period so far, and the limit.
  stats::Rational Spent(std::string_view period) const;
  const stats::Rational& limit() const { return options_.budget_per_period; }
  size_t count() const;

 private:
  StatsReleases(std::unique_ptr<ProjectionStore> store,
                StatsReleasesOptions options, const Clock* clock,
                std::unique_ptr<stats::RandomSource> rng);

  std::unique_ptr<ProjectionStore> store_;
  const StatsReleasesOptions options_;
  const Clock* clock_;
  mutable std::mutex mu_;
  std::unique_ptr<stats::RandomSource> rng_;  // guarded by mu_
  stats::BudgetLedger budget_;                // guarded by mu_
  size_t count_ = 0;                          // guarded by mu_
};

}  // namespace cityid

#endif  // CITYID_PROJECTIONS_STATS_RELEASES_H_
