// Float-free by construction: built with -mgeneral-regs-only (GCC x86-64), so
// the compiler rejects any floating-point operation in this file.
#include "projections/stats/discrete_laplace.h"

#include <openssl/crypto.h>

#include <cassert>
#include <string>

#include "base/bytes.h"

namespace cityid::stats {

CsprngSource::~CsprngSource() { OPENSSL_cleanse(buffer_, sizeof buffer_); }

uint64_t CsprngSource::NextWord() {
  if (next_ == kWords) {
    RandomBytes(buffer_, sizeof buffer_);  // overwrites the spent block
    next_ = 0;
  }
  uint64_t w = buffer_[next_];
  buffer_[next_++] = 0;  // a used word is not kept around
  return w;
}

uint64_t CsprngSource::UniformBelow(uint64_t bound) {
  assert(bound > 0 && "UniformBelow needs a positive bound");
  // Reject the lowest (2^64 mod bound) words so that the accepted range is a
  // whole multiple of bound.
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    uint64_t w = NextWord();
    if (w >= threshold) return w % bound;
  }
}

bool SampleBernoulli(uint64_t num, uint64_t den, RandomSource& rng) {
  assert(den > 0 && num <= den && "Bernoulli(p) needs 0 <= p <= 1");
  return rng.UniformBelow(den) < num;
}

namespace {

// Bernoulli(γ / k) for γ = num/den <= 1: one uniform draw when den * k fits
// in 64 bits; otherwise the product of independent Bernoulli(γ) and
// Bernoulli(1/k), which has the same law.
bool SampleBernoulliOverK(uint64_t num, uint64_t den, uint64_t k,
                          RandomSource& rng) {
  uint64_t dk;
  if (!__builtin_mul_overflow(den, k, &dk))
    return SampleBernoulli(num, dk, rng);
  return SampleBernoulli(num, den, rng) && SampleBernoulli(1, k, rng);
}

// CKS Algorithm 1, case γ = num/den in [0, 1]: draw A_k ~ Bernoulli(γ/k) for
// k = 1, 2, ... until the first failure at K; return whether K is odd.
bool SampleBernoulliExpUnit(uint64_t num, uint64_t den, RandomSource& rng) {
  uint64_t k = 1;
  while (SampleBernoulliOverK(num, den, k, rng)) ++k;
  return (k & 1) == 1;
}

}  // namespace

bool SampleBernoulliExp(uint64_t num, uint64_t den, RandomSource& rng) {
  assert(den > 0 && "Bernoulli(exp(-num/den)) needs den > 0");
  // CKS Algorithm 1, case γ > 1: exp(-γ) = exp(-1)^floor(γ) * exp(-(γ mod 1)).
  for (uint64_t i = num / den; i > 0; --i) {
    if (!SampleBernoulliExpUnit(1, 1, rng)) return false;
  }
  return SampleBernoulliExpUnit(num % den, den, rng);
}

int64_t DiscreteLaplace::Sample(RandomSource& rng) const {
  // CKS Algorithm 2 with scale t/s: t = numerator, s = denominator.
  const uint64_t t = static_cast<uint64_t>(scale_.num());
  const uint64_t s = static_cast<uint64_t>(scale_.den());
  for (;;) {
    // X = U + t * V is geometric: P(X = x) ∝ exp(-x / t).
    uint64_t u = rng.UniformBelow(t);
    if (!SampleBernoulliExp(u, t, rng)) continue;
    uint64_t v = 0;
    while (SampleBernoulliExp(1, 1, rng)) ++v;
    uint64_t x;
    // t <= 2^32, so this overflows only for v >= 2^32, an event of
    // probability below exp(-2^32); retrying then is the only deviation.
    if (__builtin_mul_overflow(t, v, &x) || __builtin_add_overflow(x, u, &x))
      continue;
    uint64_t y = x / s;  // P(Y = y) ∝ exp(-y * s / t) = exp(-y / scale)
    if (y > static_cast<uint64_t>(INT64_MAX)) continue;  // same negligible case
    bool negative = SampleBernoulli(1, 2, rng);
    if (negative && y == 0) continue;  // keeps P(0) from being counted twice
    return negative ? -static_cast<int64_t>(y) : static_cast<int64_t>(y);
  }
}

Result<DiscreteLaplace> DiscreteLaplace::Create(const Rational& scale) {
  if (!scale.IsPositive())
    return InvalidArgument("discrete laplace: scale must be positive");
  if (static_cast<uint64_t>(scale.num()) > kMaxScaleTerm ||
      static_cast<uint64_t>(scale.den()) > kMaxScaleTerm) {
    return InvalidArgument("discrete laplace: scale " +
                           scale.ToFractionString() + " has a term above 2^32");
  }
  return DiscreteLaplace(scale);
}

Result<Rational> LaplaceScale(int64_t sensitivity, const Rational& epsilon) {
  if (sensitivity < 1)
    return InvalidArgument("discrete laplace: sensitivity must be >= 1");
  if (!epsilon.IsPositive())
    return InvalidArgument("discrete laplace: epsilon must be > 0");
  return Rational::Integer(sensitivity).Div(epsilon);
}

}  // namespace cityid::stats
