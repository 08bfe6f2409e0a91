// Exact discrete-Laplace noise with integer arithmetic only.
//
// DiscreteLaplace draws Z with P(Z = z) = (1 - q) / (1 + q) * q^|z|,
// q = exp(-1/scale), for a rational scale = Δ/ε. It implements Canonne,
// Kamath & Steinke, "The Discrete Gaussian for Differential Privacy"
// (NeurIPS 2020, arXiv:2004.00010): Algorithm 1 (Bernoulli(exp(-γ)) for
// rational γ, from Bernoulli(p) for rational p) and Algorithm 2 (discrete
// Laplace from Bernoulli(exp(-U/t)) and a geometric count of Bernoulli(exp(-1))
// successes). Every step uses integer comparisons of uniform integers; the
// output distribution is exact, not an approximation of a float formula.
//
// No floating point: discrete_laplace.cc, which holds the whole sampling path
// including the CSPRNG adapter, is compiled with -mgeneral-regs-only on GCC
// x86-64 (see CMakeLists.txt), so any float or double operation in it fails
// the build. Keep this header float-free too.
//
// Threading: DiscreteLaplace is immutable and may be shared; a RandomSource is
// used by one thread at a time.
#ifndef CITYID_PROJECTIONS_STATS_DISCRETE_LAPLACE_H_
#define CITYID_PROJECTIONS_STATS_DISCRETE_LAPLACE_H_

#include <cstddef>
#include <cstdint>

#include "base/status.h"
#include "projections/stats/rational.h"

namespace cityid::stats {

// A source of uniform integers.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Uniform in [0, bound); bound > 0 (asserted).
  virtual uint64_t UniformBelow(uint64_t bound) = 0;
};

// Uniform integers from OpenSSL's CSPRNG (base/bytes.h RandomBytes), read in
// 4 KiB blocks; rejection sampling removes modulo bias. The buffer is
// cleansed when refilled and on destruction. Aborts (via RandomBytes) if the
// platform generator fails.
class CsprngSource final : public RandomSource {
 public:
  CsprngSource() = default;
  ~CsprngSource() override;
  CsprngSource(const CsprngSource&) = delete;
  CsprngSource& operator=(const CsprngSource&) = delete;

  uint64_t UniformBelow(uint64_t bound) override;

 private:
  uint64_t NextWord();
  static constexpr size_t kWords = 512;
  uint64_t buffer_[kWords] = {};
  size_t next_ = kWords;  // empty: refill on first use
};

// Bernoulli(num/den), num <= den, den > 0: true iff UniformBelow(den) < num.
bool SampleBernoulli(uint64_t num, uint64_t den, RandomSource& rng);
// Bernoulli(exp(-num/den)), den > 0 (CKS Algorithm 1).
bool SampleBernoulliExp(uint64_t num, uint64_t den, RandomSource& rng);

class DiscreteLaplace {
 public:
  // Largest numerator or denominator of the scale accepted: it keeps every
  // intermediate product inside 64 bits.
  static constexpr uint64_t kMaxScaleTerm = uint64_t{1} << 32;

  // scale > 0 with numerator and denominator (lowest terms) at most
  // kMaxScaleTerm; otherwise kInvalidArgument.
  static Result<DiscreteLaplace> Create(const Rational& scale);

  // One draw. Consumes a random number of uniforms (expected O(1) for
  // scale >= 1; the loop is CKS Algorithm 2's rejection loop).
  int64_t Sample(RandomSource& rng) const;

  const Rational& scale() const { return scale_; }

 private:
  explicit DiscreteLaplace(Rational scale) : scale_(scale) {}
  Rational scale_;
};

// The noise scale Δ/ε for L1 sensitivity Δ >= 1 and ε > 0.
// kInvalidArgument if ε <= 0, Δ < 1, or the scale overflows.
Result<Rational> LaplaceScale(int64_t sensitivity, const Rational& epsilon);

}  // namespace cityid::stats

#endif  // CITYID_PROJECTIONS_STATS_DISCRETE_LAPLACE_H_
