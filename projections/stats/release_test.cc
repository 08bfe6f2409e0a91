#include "projections/stats/release.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>

#include "projections/stats/release_builder.h"

namespace cityid::stats {
namespace {

Rational R(const char* s) { return *Rational::Parse(s); }

// Two measures over district x age_band, counts 0..35.
std::vector<CountTable> Counts() {
  std::vector<Dimension> dims{{"district", {"north", "south", "east"}},
                              {"age_band", {"18-29", "30-49", "50+"}}};
  std::vector<CountTable> out;
  for (int m = 0; m < 2; ++m) {
    CountTable t = *CountTable::Create(dims);
    for (size_t c = 0; c < t.cell_count(); ++c) t.Set(c, int64_t(c) * 4 + m);
    out.push_back(std::move(t));
  }
  return out;
}

ReleaseSpec Spec(const char* epsilon) {
  return {NewReleaseId(),
          {"district", "age_band"},
          "2025-03",
          {"issued", "active"},
          R(epsilon),
          1,
          10};
}

constexpr Micros kNow = 1'767'225'600LL * kMicrosPerSecond;  // 2026-01-01

TEST(Release, RecordsMechanismEpsilonBoundAndBudget) {
  CsprngSource rng;
  Release r = *BuildRelease(Spec("0.5"), Counts(), rng, kNow, R("1.5"), R("2"));
  EXPECT_EQ(r.mechanism, "discrete_laplace");
  EXPECT_EQ(r.epsilon, "0.5");
  EXPECT_EQ(r.epsilon_exact, *Rational::Make(1, 2));
  EXPECT_EQ(r.contribution_bound, 1u);
  EXPECT_EQ(r.sensitivity, 2);               // bound 1 x 2 measures
  EXPECT_EQ(r.scale, Rational::Integer(4));  // 2 / 0.5
  EXPECT_EQ(r.created_at, "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(r.rows.size(), 9u);  // every cell, empty or not
  EXPECT_EQ(r.rows[1].group, (std::vector<std::string>{"north", "30-49"}));
  boost::json::object j = ReleaseToJson(r).as_object();
  EXPECT_EQ(j.at("budget").at("spent").as_string(), "1.5");
  EXPECT_EQ(j.at("epsilon_rational").as_string(), "1/2");
}

TEST(Release, ReservesIdenticalJsonAfterARoundTrip) {
  CsprngSource rng;
  Release r = *BuildRelease(Spec("0.3"), Counts(), rng, kNow, R("0.3"), R("1"));
  std::string text = SerializeRelease(r);
  Result<Release> back = ParseRelease(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
  EXPECT_EQ(SerializeRelease(*back), text);
  EXPECT_EQ(back->scale, *Rational::Make(20, 3));  // "20/3" survives exactly
}

TEST(Release, SuppressesNoisyValuesBelowK) {
  // epsilon 10^5: scale 2/10^5, so P(noise != 0) < 2 exp(-50000) — the noisy
  // values equal the counts and only cells below k are null.
  CsprngSource rng;
  std::vector<CountTable> counts = Counts();
  Release r = *BuildRelease(Spec("100000"), counts, rng, kNow, R("1"), R("1"));
  for (size_t row = 0; row < r.rows.size(); ++row) {
    for (size_t m = 0; m < 2; ++m) {
      int64_t truth = counts[m].count(row);
      if (truth < 10) {
        EXPECT_TRUE(r.IsSuppressed(row, m));
      } else {
        EXPECT_EQ(r.rows[row].values[m], truth);
      }
    }
  }
  boost::json::value j = ReleaseToJson(r);
  EXPECT_TRUE(j.at("rows").at(0).at("issued").is_null());
}

TEST(Release, NoiseHasTheRecordedScale) {
  std::vector<std::string> cats;
  for (int i = 0; i < 4000; ++i) cats.push_back(std::to_string(i));
  CountTable t = *CountTable::Create({{"cell", cats}});
  for (size_t c = 0; c < t.cell_count(); ++c) t.Set(c, 1000);
  CsprngSource rng;
  ReleaseSpec spec{"rel_x", {"cell"}, "2025-03", {"issued"}, R("0.25"), 1, 0};
  Release r = *BuildRelease(spec, {t}, rng, kNow, R("0.25"), R("1"));
  double sum_sq = 0;
  for (const ReleaseRow& row : r.rows)
    sum_sq += std::pow(double(*row.values[0] - 1000), 2);
  const double q = std::exp(-1.0 / 4);  // scale 1 / 0.25
  EXPECT_NEAR(sum_sq / 4000 / (2 * q / ((1 - q) * (1 - q))), 1.0, 0.15);
}

TEST(Release, BuildRejectsMismatchedInputs) {
  CsprngSource rng;
  ReleaseSpec spec = Spec("0.5");
  std::vector<CountTable> one = Counts();
  one.pop_back();
  EXPECT_EQ(BuildRelease(spec, one, rng, kNow, R("1"), R("1")).status().code(),
            Code::kInvalidArgument);
  spec.group_by = {"age_band", "district"};
  EXPECT_FALSE(BuildRelease(spec, Counts(), rng, kNow, R("1"), R("1")).ok());
  spec = Spec("0.5");
  spec.measures = {"issued", "district"};
  EXPECT_FALSE(BuildRelease(spec, Counts(), rng, kNow, R("1"), R("1")).ok());
  spec = Spec("0.000000000001");  // scale 2 * 10^12 has a term above 2^32
  EXPECT_FALSE(BuildRelease(spec, Counts(), rng, kNow, R("1"), R("1")).ok());
}

TEST(Release, ParseRejectsMalformedOrInconsistentJson) {
  CsprngSource rng;
  Release r = *BuildRelease(Spec("0.5"), Counts(), rng, kNow, R("1"), R("1"));
  boost::json::object good = ReleaseToJson(r).as_object();
  EXPECT_EQ(ParseRelease("{").status().code(), Code::kMalformed);
  EXPECT_EQ(ParseRelease("[]").status().code(), Code::kMalformed);
  auto broken = [&](auto&& edit) {
    boost::json::object o = good;
    edit(o);
    return ReleaseFromJson(o).status().code();
  };
  EXPECT_EQ(broken([](auto& o) { o.erase("epsilon"); }), Code::kMalformed);
  EXPECT_EQ(broken([](auto& o) { o["epsilon_rational"] = "1/3"; }),
            Code::kMalformed);
  EXPECT_EQ(broken([](auto& o) { o["sensitivity"] = "two"; }),
            Code::kMalformed);
  EXPECT_EQ(broken([](auto& o) {
              o["rows"].as_array()[0].as_object().erase("active");
            }),
            Code::kMalformed);
  EXPECT_EQ(
      broken([](auto& o) { o["measures"] = boost::json::array{"district"}; }),
      Code::kMalformed);
}

TEST(ParseEpsilon, AcceptsDecimalStringsAndNumbersExactly) {
  EXPECT_EQ(*ParseEpsilon(boost::json::value("0.5")), *Rational::Make(1, 2));
  EXPECT_EQ(*ParseEpsilon(boost::json::value(0.1)), *Rational::Make(1, 10));
  EXPECT_EQ(*ParseEpsilon(boost::json::value(2)), Rational::Integer(2));
  EXPECT_EQ(*ParseEpsilon(boost::json::parse("0.3")), *Rational::Make(3, 10));
  EXPECT_EQ(ParseEpsilon(boost::json::value("0")).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseEpsilon(boost::json::value(-1)).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseEpsilon(boost::json::value("lots")).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseEpsilon(boost::json::value(true)).status().code(),
            Code::kInvalidArgument);
}

TEST(Release, IdsAreRandomHex) {
  std::string a = NewReleaseId(), b = NewReleaseId();
  EXPECT_EQ(a.size(), 28u);
  EXPECT_EQ(a.substr(0, 4), "rel_");
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace cityid::stats
