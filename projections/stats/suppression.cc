#include "projections/stats/suppression.h"

#include <algorithm>
#include <deque>
#include <tuple>
#include <utility>

#include "projections/stats/linear_determinacy.h"

namespace cityid::stats {
namespace {

// The response as a linear system. Variables: the cells [0, N), then the
// totals of each marginal in order; one constraint per total, with index
// (total variable - N).
struct System {
  size_t cells = 0;
  std::vector<int64_t> value;
  std::vector<bool> primary;
  std::vector<SumConstraint> constraints;
  std::vector<std::vector<size_t>> constraints_of;  // variable -> constraints
  bool IsTotal(size_t v) const { return v >= cells; }
};

System BuildSystem(const CountTable& table,
                   const std::vector<CountTable>& marginals,
                   const std::vector<std::vector<size_t>>& kept, int64_t k) {
  System s;
  s.cells = table.cell_count();
  s.value = table.counts();
  std::vector<size_t> offset;
  for (const CountTable& m : marginals) {
    offset.push_back(s.value.size());
    for (size_t t = 0; t < m.cell_count(); ++t) {
      s.constraints.push_back({s.value.size(), {}});
      s.value.push_back(m.count(t));
    }
  }
  s.constraints_of.resize(s.value.size());
  for (size_t c = 0; c < s.constraints.size(); ++c)
    s.constraints_of[s.cells + c] = {c};
  for (size_t cell = 0; cell < s.cells; ++cell) {
    std::vector<size_t> coords = table.Coordinates(cell);
    for (size_t m = 0; m < marginals.size(); ++m) {
      std::vector<size_t> sub;
      for (size_t d : kept[m]) sub.push_back(coords[d]);
      size_t c = offset[m] + marginals[m].CellAt(sub) - s.cells;
      s.constraints[c].parts.push_back(cell);
      s.constraints_of[cell].push_back(c);
    }
  }
  for (int64_t v : s.value) s.primary.push_back(v < k);
  return s;
}

// The suppression pattern under construction, with per-constraint counts of
// unknown members.
class Search {
 public:
  explicit Search(const System& s)
      : s_(&s), suppressed_(s.value.size()), unknowns_(s.constraints.size()) {
    for (size_t v = 0; v < s.value.size(); ++v) {
      if (s.primary[v]) Suppress(v);
    }
  }

  const std::vector<bool>& suppressed() const { return suppressed_; }

  void Suppress(size_t v) {
    suppressed_[v] = true;
    for (size_t c : s_->constraints_of[v]) ++unknowns_[c];
  }

  template <typename F>
  void ForEachMember(size_t c, F&& f) const {
    f(s_->constraints[c].total);
    for (size_t p : s_->constraints[c].parts) f(p);
  }

  // Until no constraint has exactly one unknown member (which it would
  // reveal), suppresses one published member of such a constraint.
  void FixSingletons() {
    std::deque<size_t> work;
    for (size_t c = 0; c < unknowns_.size(); ++c) {
      if (unknowns_[c] == 1) work.push_back(c);
    }
    while (!work.empty()) {
      size_t c = work.front();
      work.pop_front();
      if (unknowns_[c] != 1) continue;
      size_t pick = BestSingletonFix(c);
      Suppress(pick);
      for (size_t d : s_->constraints_of[pick]) {
        if (unknowns_[d] == 1) work.push_back(d);
      }
    }
  }

  // Primary values the published ones still determine.
  std::vector<size_t> Exposed() const {
    std::vector<bool> det = DeterminedUnknowns(s_->constraints, suppressed_);
    std::vector<size_t> out;
    for (size_t v = 0; v < det.size(); ++v) {
      if (det[v] && s_->primary[v]) out.push_back(v);
    }
    return out;
  }

  // Published members of the constraints of `vars`, cells first, smallest
  // value first.
  std::vector<size_t> PublishedNeighbours(
      const std::vector<size_t>& vars) const {
    std::vector<size_t> out;
    for (size_t v : vars) {
      for (size_t c : s_->constraints_of[v]) {
        ForEachMember(c, [&](size_t m) {
          if (!suppressed_[m]) out.push_back(m);
        });
      }
    }
    SortByCost(out);
    return out;
  }

  void SortByCost(std::vector<size_t>& vars) const {
    std::sort(vars.begin(), vars.end(), [&](size_t a, size_t b) {
      return std::make_tuple(s_->IsTotal(a), s_->value[a], a) <
             std::make_tuple(s_->IsTotal(b), s_->value[b], b);
    });
    vars.erase(std::unique(vars.begin(), vars.end()), vars.end());
  }

 private:
  // Prefers a member that also completes other single-unknown constraints,
  // then a cell over a total, then one creating few new single-unknown
  // constraints, then the smallest value.
  size_t BestSingletonFix(size_t c) const {
    size_t best = SIZE_MAX;
    std::tuple<int64_t, bool, int64_t, int64_t, size_t> best_key;
    ForEachMember(c, [&](size_t m) {
      if (suppressed_[m]) return;
      int64_t resolves = 0, creates = 0;
      for (size_t d : s_->constraints_of[m]) {
        if (d != c && unknowns_[d] == 1) ++resolves;
        if (unknowns_[d] == 0) ++creates;
      }
      auto key =
          std::make_tuple(-resolves, s_->IsTotal(m), creates, s_->value[m], m);
      if (best == SIZE_MAX || key < best_key) best = m, best_key = key;
    });
    return best;  // exists: a constraint has >= 2 members and one unknown
  }

  const System* s_;
  std::vector<bool> suppressed_;
  std::vector<size_t> unknowns_;
};

// Adds one complementary suppression for the exposed values: the first of
// the few cheapest candidates that reduces the exposed count, else the
// cheapest. False if nothing is left to suppress.
bool AddComplement(Search& search, const std::vector<size_t>& exposed) {
  constexpr size_t kTrials = 4;
  std::vector<size_t> candidates =
      search.PublishedNeighbours({exposed.front()});
  if (candidates.empty()) candidates = search.PublishedNeighbours(exposed);
  if (candidates.empty()) {
    for (size_t v = 0; v < search.suppressed().size(); ++v) {
      if (!search.suppressed()[v]) candidates.push_back(v);
    }
    search.SortByCost(candidates);
  }
  if (candidates.empty()) return false;
  for (size_t i = 0; i < candidates.size() && i < kTrials; ++i) {
    Search trial = search;
    trial.Suppress(candidates[i]);
    trial.FixSingletons();
    if (trial.Exposed().size() < exposed.size()) {
      search = std::move(trial);
      return true;
    }
  }
  search.Suppress(candidates.front());
  return true;
}

}  // namespace

std::vector<std::vector<std::string>> OneWayMarginals(const CountTable& table) {
  std::vector<std::vector<std::string>> out;
  if (table.dimensions().size() > 1) {
    for (const Dimension& d : table.dimensions()) out.push_back({d.name});
  }
  out.push_back({});
  return out;
}

Result<SuppressedTable> Suppress(const CountTable& table,
                                 const SuppressionOptions& options) {
  if (options.k < 0) return InvalidArgument("suppression: k must be >= 0");
  std::vector<CountTable> marginals;
  std::vector<std::vector<size_t>> kept;
  for (const std::vector<std::string>& names : options.marginals) {
    CITYID_ASSIGN_OR_RETURN(CountTable m, table.Marginal(names));
    std::vector<size_t> dims;
    for (const std::string& n : names) dims.push_back(*table.DimensionIndex(n));
    marginals.push_back(std::move(m));
    kept.push_back(std::move(dims));
  }
  System system = BuildSystem(table, marginals, kept, options.k);
  Search search(system);
  for (;;) {
    search.FixSingletons();
    std::vector<size_t> exposed = search.Exposed();
    if (exposed.empty()) break;
    if (!AddComplement(search, exposed)) {
      return Internal(
          "suppression: a primary value stays determined with everything "
          "suppressed");
    }
  }
  SuppressedTable out{table, {}, {}, 0, 0};
  const std::vector<bool>& sup = search.suppressed();
  out.suppressed.assign(
      sup.begin(), sup.begin() + static_cast<ptrdiff_t>(table.cell_count()));
  size_t next = table.cell_count();
  for (size_t m = 0; m < marginals.size(); ++m) {
    size_t n = marginals[m].cell_count();
    out.totals.push_back(
        {options.marginals[m], std::move(marginals[m]),
         std::vector<bool>(sup.begin() + static_cast<ptrdiff_t>(next),
                           sup.begin() + static_cast<ptrdiff_t>(next + n))});
    next += n;
  }
  for (size_t v = 0; v < sup.size(); ++v) {
    if (system.primary[v])
      ++out.primary;
    else if (sup[v])
      ++out.complementary;
  }
  return out;
}

}  // namespace cityid::stats
