// Statistical tests of the discrete-Laplace sampler against its exact pmf.
// Floating point is fine here (only the sampler must be float-free).
#include "projections/stats/discrete_laplace.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace cityid::stats {
namespace {

// Regularized upper incomplete gamma Q(a, x), via the series for x < a + 1
// and Lentz's continued fraction otherwise (Numerical Recipes §6.2).
double UpperGammaQ(double a, double x) {
  if (x <= 0) return 1.0;
  const double gln = std::lgamma(a);
  if (x < a + 1) {
    double ap = a, sum = 1.0 / a, del = sum;
    for (int n = 0; n < 1000 && std::fabs(del) > std::fabs(sum) * 1e-15; ++n) {
      ap += 1;
      del *= x / ap;
      sum += del;
    }
    return 1.0 - sum * std::exp(-x + a * std::log(x) - gln);
  }
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-15) break;
  }
  return std::exp(-x + a * std::log(x) - gln) * h;
}

// p-value of a chi-square statistic with df degrees of freedom.
double ChiSquarePValue(double stat, int df) {
  return UpperGammaQ(df / 2.0, stat / 2.0);
}

TEST(ChiSquare, PValueMatchesKnownCriticalValuesAtAlpha1e4) {
  // df = 2 is the exponential law: critical value -2 ln(1e-4) = 18.4207.
  EXPECT_NEAR(ChiSquarePValue(-2 * std::log(1e-4), 2), 1e-4, 1e-9);
  // df = 1: the square of the two-sided normal quantile z = 3.890592.
  EXPECT_NEAR(ChiSquarePValue(3.890592 * 3.890592, 1), 1e-4, 1e-8);
  // df = 10: 35.5640 (standard chi-square tables, upper tail 0.0001).
  EXPECT_NEAR(ChiSquarePValue(35.5640, 10), 1e-4, 5e-8);
}

// Draws n samples with the given scale and returns the chi-square p-value of
// the histogram against P(x) = (1-q)/(1+q) q^|x|, q = exp(-1/model_scale).
// Bins are the integers with expected count >= 100 plus one bin per tail.
double SamplerPValue(Rational scale, int n, double model_scale = 0) {
  Result<DiscreteLaplace> sampler = DiscreteLaplace::Create(scale);
  EXPECT_TRUE(sampler.ok()) << sampler.status().ToString();
  CsprngSource rng;
  std::map<int64_t, int64_t> hist;
  for (int i = 0; i < n; ++i) ++hist[sampler->Sample(rng)];

  const double s =
      model_scale > 0 ? model_scale : double(scale.num()) / double(scale.den());
  const double q = std::exp(-1.0 / s);
  auto pmf = [&](int64_t x) {
    return (1 - q) / (1 + q) * std::pow(q, double(std::llabs(x)));
  };
  int64_t b = 0;
  while (n * pmf(b + 1) >= 100) ++b;
  const double tail =
      std::pow(q, double(b + 1)) / (1 + q);  // P(X > b) = P(X < -b)
  double stat = 0;
  int64_t low = 0, high = 0;
  for (auto [x, count] : hist) {
    if (x < -b) low += count;
    if (x > b) high += count;
  }
  auto add = [&](double observed, double expected) {
    stat += (observed - expected) * (observed - expected) / expected;
  };
  for (int64_t x = -b; x <= b; ++x) add(double(hist[x]), n * pmf(x));
  add(double(low), n * tail);
  add(double(high), n * tail);
  const int df = int(2 * b + 3) - 1;
  const double p = ChiSquarePValue(stat, df);
  ::testing::Test::RecordProperty("chi_square_" + scale.ToFractionString(),
                                  std::to_string(stat));
  std::printf("scale %s: chi-square %.1f, df %d, p-value %.4f\n",
              scale.ToString().c_str(), stat, df, p);
  return p;
}

// 10^6 draws per scale (about a second each on one core); α = 1e-4, so a
// correct sampler fails this test once in ten thousand runs per scale.
constexpr int kDraws = 1'000'000;
constexpr double kAlpha = 1e-4;

TEST(DiscreteLaplace, MatchesExactPmfAtScaleOne) {
  EXPECT_GT(SamplerPValue(Rational::Integer(1), kDraws), kAlpha);
}

TEST(DiscreteLaplace, MatchesExactPmfAtFractionalScaleTenThirds) {
  // epsilon 0.3, sensitivity 1: t = 10, s = 3 exercises floor(X / s).
  Result<Rational> scale = LaplaceScale(1, *Rational::Parse("0.3"));
  ASSERT_TRUE(scale.ok());
  ASSERT_EQ(scale->num(), 10);
  ASSERT_EQ(scale->den(), 3);
  EXPECT_GT(SamplerPValue(*scale, kDraws), kAlpha);
}

TEST(DiscreteLaplace, ChiSquareTestRejectsAScaleOffByFivePercent) {
  // The goodness-of-fit test has power: samples at scale 1 judged against
  // the pmf of scale 1.05 fail it, even with a tenth of the draws.
  EXPECT_LT(SamplerPValue(Rational::Integer(1), kDraws / 10, 1.05), kAlpha);
}

TEST(DiscreteLaplace, IsSymmetricWithMeanZeroAtLargeScale) {
  DiscreteLaplace d = *DiscreteLaplace::Create(Rational::Integer(50));
  CsprngSource rng;
  const int n = 200'000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    double x = double(d.Sample(rng));
    sum += x;
    sum_sq += x * x;
  }
  // Var = 2q/(1-q)^2 ≈ 2 * 50^2; the mean has sd ≈ 70.7/sqrt(n) ≈ 0.16.
  const double q = std::exp(-1.0 / 50);
  const double var = 2 * q / ((1 - q) * (1 - q));
  EXPECT_NEAR(sum / n, 0.0, 5 * std::sqrt(var / n));
  EXPECT_NEAR(sum_sq / n / var, 1.0, 0.05);
}

TEST(DiscreteLaplace, RejectsNonPositiveOrHugeScale) {
  EXPECT_FALSE(DiscreteLaplace::Create(Rational()).ok());
  EXPECT_FALSE(DiscreteLaplace::Create(*Rational::Make(-1, 2)).ok());
  EXPECT_FALSE(
      DiscreteLaplace::Create(Rational::Integer((int64_t{1} << 32) + 1)).ok());
  EXPECT_TRUE(
      DiscreteLaplace::Create(Rational::Integer(int64_t{1} << 32)).ok());
}

TEST(DiscreteLaplace, ScaleIsSensitivityOverEpsilon) {
  EXPECT_EQ(*LaplaceScale(8, *Rational::Parse("0.5")), Rational::Integer(16));
  EXPECT_EQ(*LaplaceScale(3, *Rational::Parse("2")), *Rational::Make(3, 2));
  EXPECT_FALSE(LaplaceScale(0, Rational::Integer(1)).ok());
  EXPECT_FALSE(LaplaceScale(1, Rational()).ok());
}

// z-test of a Bernoulli frequency: |observed - p| within 5 standard errors.
void ExpectFrequency(int hits, int n, double p) {
  EXPECT_NEAR(double(hits) / n, p, 5 * std::sqrt(p * (1 - p) / n));
}

TEST(BernoulliExp, MatchesExpOfMinusGammaBelowAndAboveOne) {
  CsprngSource rng;
  const int n = 200'000;
  for (auto [num, den] : std::vector<std::pair<uint64_t, uint64_t>>{
           {1, 1}, {1, 3}, {5, 2}, {0, 7}}) {
    int hits = 0;
    for (int i = 0; i < n; ++i) hits += SampleBernoulliExp(num, den, rng);
    ExpectFrequency(hits, n, std::exp(-double(num) / double(den)));
  }
}

TEST(Bernoulli, MatchesRationalProbability) {
  CsprngSource rng;
  const int n = 200'000;
  int hits = 0;
  for (int i = 0; i < n; ++i) hits += SampleBernoulli(3, 7, rng);
  ExpectFrequency(hits, n, 3.0 / 7.0);
  EXPECT_FALSE(SampleBernoulli(0, 5, rng));
  EXPECT_TRUE(SampleBernoulli(5, 5, rng));
}

TEST(CsprngSource, UniformBelowCoversRangeEvenly) {
  CsprngSource rng;
  std::vector<int> hist(6);
  const int n = 120'000;
  for (int i = 0; i < n; ++i) {
    uint64_t v = rng.UniformBelow(6);
    ASSERT_LT(v, 6u);
    ++hist[v];
  }
  for (int c : hist) ExpectFrequency(c, n, 1.0 / 6);
  EXPECT_EQ(rng.UniformBelow(1), 0u);
}

}  // namespace
}  // namespace cityid::stats
