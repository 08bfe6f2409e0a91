// Rational: an exact fraction of two 64-bit integers, for privacy parameters
// (epsilon, noise scale, budget) that must never pass through floating point.
//
// Invariants: den > 0, gcd(|num|, den) == 1, so equal values compare equal
// field by field. Arithmetic that would overflow 64 bits returns an error
// instead of wrapping. A value type; no shared state; thread-compatible.
//
// This header is included by the float-free sampler translation unit
// (discrete_laplace.cc, built with -mgeneral-regs-only): keep it free of any
// floating-point code.
#ifndef CITYID_PROJECTIONS_STATS_RATIONAL_H_
#define CITYID_PROJECTIONS_STATS_RATIONAL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cityid::stats {

class Rational {
 public:
  Rational() = default;  // 0/1

  // num/den reduced to lowest terms. kInvalidArgument if den == 0 or if the
  // value is not representable (INT64_MIN).
  static Result<Rational> Make(int64_t num, int64_t den);
  static Rational Integer(int64_t v) { return Rational(v, 1); }

  // Exact parse of a plain decimal ("0.5", "2", "0.125", "1/3" also accepted
  // as num/den). No exponent, no sign other than a leading '-', at most 18
  // significant digits. kInvalidArgument on anything else.
  static Result<Rational> Parse(std::string_view text);

  int64_t num() const { return num_; }
  int64_t den() const { return den_; }
  bool IsPositive() const { return num_ > 0; }
  bool IsZero() const { return num_ == 0; }

  // Each returns kInvalidArgument on 64-bit overflow (and Div on /0).
  Result<Rational> Add(const Rational& o) const;
  Result<Rational> Sub(const Rational& o) const;
  Result<Rational> Mul(const Rational& o) const;
  Result<Rational> Div(const Rational& o) const;

  // Exact comparison (128-bit cross multiplication; never overflows).
  int Compare(const Rational& o) const;
  bool operator==(const Rational& o) const = default;
  bool operator<(const Rational& o) const { return Compare(o) < 0; }
  bool operator<=(const Rational& o) const { return Compare(o) <= 0; }

  // "1/2" (or "3" when den == 1).
  std::string ToFractionString() const;
  // The exact decimal when den is 2^a * 5^b ("0.5", "1.25", "3"), else the
  // fraction form ("1/3"). Parse(ToString()) == *this.
  std::string ToString() const;

 private:
  Rational(int64_t num, int64_t den) : num_(num), den_(den) {}
  int64_t num_ = 0;
  int64_t den_ = 1;
};

}  // namespace cityid::stats

#endif  // CITYID_PROJECTIONS_STATS_RATIONAL_H_
