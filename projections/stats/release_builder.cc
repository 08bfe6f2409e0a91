#include "projections/stats/release_builder.h"

#include <charconv>
#include <unordered_set>
#include <utility>

namespace cityid::stats {
namespace {

Result<Rational> EpsilonText(const boost::json::value& v) {
  if (const boost::json::string* s = v.if_string()) return Rational::Parse(*s);
  if (const int64_t* i = v.if_int64()) return Rational::Integer(*i);
  if (const double* d = v.if_double()) {
    // Shortest fixed-notation text that reads back as the same double: the
    // decimal the client wrote (up to 17 significant digits).
    char buf[400];
    auto [end, ec] =
        std::to_chars(buf, buf + sizeof buf, *d, std::chars_format::fixed);
    if (ec != std::errc())
      return InvalidArgument("epsilon: not a finite number");
    return Rational::Parse(
        std::string_view(buf, static_cast<size_t>(end - buf)));
  }
  return InvalidArgument("epsilon: expected a decimal string or a number");
}

Status CheckSpec(const ReleaseSpec& spec,
                 const std::vector<CountTable>& counts) {
  if (spec.measures.empty()) return InvalidArgument("release: no measures");
  if (counts.size() != spec.measures.size()) {
    return InvalidArgument("release: one count table per measure is required");
  }
  std::unordered_set<std::string> names(spec.group_by.begin(),
                                        spec.group_by.end());
  for (const std::string& m : spec.measures) {
    if (m.empty() || !names.insert(m).second) {
      return InvalidArgument("release: measure '" + m +
                             "' is empty, repeated or a dimension");
    }
  }
  for (const CountTable& t : counts) {
    const std::vector<Dimension>& dims = t.dimensions();
    bool same = dims.size() == spec.group_by.size();
    for (size_t i = 0; same && i < dims.size(); ++i)
      same = dims[i].name == spec.group_by[i];
    if (!same)
      return InvalidArgument("release: a count table is not over group_by");
    if (t.cell_count() != counts.front().cell_count() ||
        t.dimensions() != counts.front().dimensions()) {
      return InvalidArgument(
          "release: count tables differ in their categories");
    }
  }
  if (spec.period.empty()) return InvalidArgument("release: empty period");
  if (spec.contribution_bound < 1)
    return InvalidArgument("release: contribution bound must be >= 1");
  if (spec.k < 0) return InvalidArgument("release: k must be >= 0");
  return Status::Ok();
}

}  // namespace

Result<Rational> ParseEpsilon(const boost::json::value& v) {
  Result<Rational> eps = EpsilonText(v);
  if (!eps.ok()) return InvalidArgument("epsilon: " + eps.status().message());
  if (!eps->IsPositive()) return InvalidArgument("epsilon: must be > 0");
  return eps;
}

Result<Release> BuildRelease(const ReleaseSpec& spec,
                             const std::vector<CountTable>& counts,
                             RandomSource& rng, Micros now,
                             const Rational& budget_spent,
                             const Rational& budget_limit) {
  CITYID_RETURN_IF_ERROR(CheckSpec(spec, counts));
  if (!spec.epsilon.IsPositive())
    return InvalidArgument("release: epsilon must be > 0");
  Release r;
  r.id = spec.id;
  r.group_by = spec.group_by;
  r.period = spec.period;
  r.measures = spec.measures;
  r.epsilon = spec.epsilon.ToString();
  r.epsilon_exact = spec.epsilon;
  r.contribution_bound = spec.contribution_bound;
  r.sensitivity = int64_t{spec.contribution_bound} *
                  static_cast<int64_t>(spec.measures.size());
  CITYID_ASSIGN_OR_RETURN(r.scale, LaplaceScale(r.sensitivity, spec.epsilon));
  CITYID_ASSIGN_OR_RETURN(DiscreteLaplace noise,
                          DiscreteLaplace::Create(r.scale));
  r.suppressed_below = spec.k;
  r.budget_spent = budget_spent;
  r.budget_limit = budget_limit;
  r.created_at = FormatRfc3339(now);
  const CountTable& shape = counts.front();
  for (size_t cell = 0; cell < shape.cell_count(); ++cell) {
    ReleaseRow row{shape.Labels(cell), {}};
    for (const CountTable& t : counts) {
      int64_t noisy;
      if (__builtin_add_overflow(t.count(cell), noise.Sample(rng), &noisy)) {
        return InvalidArgument("release: noisy count overflows");
      }
      row.values.push_back(noisy < spec.k ? std::nullopt
                                          : std::optional<int64_t>(noisy));
    }
    r.rows.push_back(std::move(row));
  }
  return r;
}

}  // namespace cityid::stats
