#include "projections/stats/rational.h"

#include <cstdint>

namespace cityid::stats {
namespace {

__extension__ typedef __int128 Int128;

constexpr int64_t kInt64Max = INT64_MAX;

Int128 Gcd128(Int128 a, Int128 b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b != 0) {
    Int128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// Reduces num/den (den != 0) and checks that both fit in int64 with
// INT64_MIN excluded, so negation is always safe.
Result<Rational> FromWide(Int128 num, Int128 den) {
  if (den == 0) return InvalidArgument("rational: division by zero");
  if (den < 0) {
    num = -num;
    den = -den;
  }
  Int128 g = Gcd128(num, den);
  if (g > 1) {
    num /= g;
    den /= g;
  }
  if (num > kInt64Max || num < -kInt64Max || den > kInt64Max) {
    return InvalidArgument("rational: value out of 64-bit range");
  }
  return Rational::Make(static_cast<int64_t>(num), static_cast<int64_t>(den));
}

Result<int64_t> ParseInt(std::string_view s) {
  if (s.empty()) return InvalidArgument("rational: empty number");
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return InvalidArgument("rational: not a decimal number");
    if (v > (kInt64Max - (c - '0')) / 10)
      return InvalidArgument("rational: too many digits");
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

Result<Rational> Rational::Make(int64_t num, int64_t den) {
  if (den == 0) return InvalidArgument("rational: zero denominator");
  if (num == INT64_MIN || den == INT64_MIN) {
    return InvalidArgument("rational: value out of 64-bit range");
  }
  if (den < 0) {
    num = -num;
    den = -den;
  }
  int64_t a = num < 0 ? -num : num;
  int64_t b = den;
  while (b != 0) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  // a == gcd(|num|, den) >= 1 because den > 0.
  return Rational(num / a, den / a);
}

Result<Rational> Rational::Parse(std::string_view text) {
  bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  Result<Rational> r = Rational();
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    CITYID_ASSIGN_OR_RETURN(int64_t num, ParseInt(text.substr(0, slash)));
    CITYID_ASSIGN_OR_RETURN(int64_t den, ParseInt(text.substr(slash + 1)));
    r = Make(num, den);
  } else {
    std::string digits(text);
    int64_t den = 1;
    if (size_t dot = text.find('.'); dot != std::string_view::npos) {
      std::string_view frac = text.substr(dot + 1);
      if (dot == 0 || frac.empty() || frac.size() > 18) {
        return InvalidArgument("rational: malformed decimal '" +
                               std::string(text) + "'");
      }
      digits = std::string(text.substr(0, dot)) + std::string(frac);
      for (size_t i = 0; i < frac.size(); ++i) den *= 10;
    }
    CITYID_ASSIGN_OR_RETURN(int64_t num, ParseInt(digits));
    r = Make(num, den);
  }
  if (!r.ok() || !negative) return r;
  return Make(-r->num(), r->den());
}

Result<Rational> Rational::Add(const Rational& o) const {
  return FromWide(Int128(num_) * o.den_ + Int128(o.num_) * den_,
                  Int128(den_) * o.den_);
}

Result<Rational> Rational::Sub(const Rational& o) const {
  return FromWide(Int128(num_) * o.den_ - Int128(o.num_) * den_,
                  Int128(den_) * o.den_);
}

Result<Rational> Rational::Mul(const Rational& o) const {
  return FromWide(Int128(num_) * o.num_, Int128(den_) * o.den_);
}

Result<Rational> Rational::Div(const Rational& o) const {
  if (o.num_ == 0) return InvalidArgument("rational: division by zero");
  return FromWide(Int128(num_) * o.den_, Int128(den_) * o.num_);
}

int Rational::Compare(const Rational& o) const {
  Int128 l = Int128(num_) * o.den_;
  Int128 r = Int128(o.num_) * den_;
  return l < r ? -1 : (l > r ? 1 : 0);
}

std::string Rational::ToFractionString() const {
  if (den_ == 1) return std::to_string(num_);
  return std::to_string(num_) + "/" + std::to_string(den_);
}

std::string Rational::ToString() const {
  // den = 2^a 5^b  <=>  den divides 10^m for m = max(a, b).
  int64_t rest = den_;
  int twos = 0, fives = 0;
  while (rest % 2 == 0) rest /= 2, ++twos;
  while (rest % 5 == 0) rest /= 5, ++fives;
  int m = twos > fives ? twos : fives;
  if (rest != 1 || m > 18) return ToFractionString();
  if (m == 0) return std::to_string(num_);
  int64_t pow10 = 1;
  for (int i = 0; i < m; ++i) pow10 *= 10;
  Int128 scaled = Int128(num_ < 0 ? -num_ : num_) * (pow10 / den_);
  if (scaled > kInt64Max) return ToFractionString();
  std::string digits = std::to_string(static_cast<int64_t>(scaled));
  if (digits.size() <= static_cast<size_t>(m)) {
    digits.insert(0, static_cast<size_t>(m) + 1 - digits.size(), '0');
  }
  digits.insert(digits.size() - static_cast<size_t>(m), ".");
  // No trailing zero: m is minimal because num/den is in lowest terms.
  return (num_ < 0 ? "-" : "") + digits;
}

}  // namespace cityid::stats
