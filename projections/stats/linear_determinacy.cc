#include "projections/stats/linear_determinacy.h"

#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <numeric>
#include <utility>

namespace cityid::stats {
namespace {

using BigInt = boost::multiprecision::cpp_int;

// a*x - b*y into *out; false if it does not fit. INT64_MIN counts as overflow
// so that negation and std::gcd stay defined.
bool MulSub(int64_t a, int64_t x, int64_t b, int64_t y, int64_t* out) {
  int64_t p, q;
  if (__builtin_mul_overflow(a, x, &p) || __builtin_mul_overflow(b, y, &q) ||
      __builtin_sub_overflow(p, q, out)) {
    return false;
  }
  return *out != INT64_MIN;
}
bool MulSub(const BigInt& a, const BigInt& x, const BigInt& b, const BigInt& y,
            BigInt* out) {
  *out = a * x - b * y;
  return true;
}

int64_t Gcd(int64_t a, int64_t b) { return std::gcd(a, b); }
BigInt Gcd(const BigInt& a, const BigInt& b) {
  return boost::multiprecision::gcd(a, b);
}
int64_t Abs(int64_t a) { return a < 0 ? -a : a; }
BigInt Abs(const BigInt& a) { return boost::multiprecision::abs(a); }

template <typename T>
using Matrix = std::vector<std::vector<T>>;

// row := pivot[col] * row - row[col] * pivot, then divided by the gcd of its
// entries. Clears row[col]. False on overflow.
template <typename T>
bool EliminateWith(std::vector<T>& row, const std::vector<T>& pivot,
                   size_t col) {
  const T a = pivot[col];
  const T b = row[col];
  T g = 0;
  for (size_t j = 0; j < row.size(); ++j) {
    if (row[j] != 0 || pivot[j] != 0) {
      if (!MulSub(a, row[j], b, pivot[j], &row[j])) return false;
      if (row[j] != 0) g = Gcd(g, row[j]);
    }
  }
  if (g > 1) {
    for (T& v : row) v /= g;
  }
  return true;
}

// Gauss-Jordan: afterwards every pivot column is zero outside its pivot row.
// Appends (row, column) of each pivot. False on overflow.
template <typename T>
bool Reduce(Matrix<T>& m, size_t cols,
            std::vector<std::pair<size_t, size_t>>& pivots) {
  size_t prow = 0;
  for (size_t c = 0; c < cols && prow < m.size(); ++c) {
    size_t best = m.size();
    for (size_t r = prow; r < m.size(); ++r) {
      if (m[r][c] == 0) continue;
      if (best == m.size() || Abs(m[r][c]) < Abs(m[best][c])) best = r;
      if (Abs(m[best][c]) == 1) break;
    }
    if (best == m.size()) continue;
    std::swap(m[prow], m[best]);
    if (m[prow][c] < 0) {
      for (T& v : m[prow]) v = -v;
    }
    for (size_t r = 0; r < m.size(); ++r) {
      if (r != prow && m[r][c] != 0 && !EliminateWith(m[r], m[prow], c))
        return false;
    }
    pivots.emplace_back(prow, c);
    ++prow;
  }
  return true;
}

// Marks determined[column_var[c]] for every pivot whose reduced row is a
// multiple of the unit vector e_c. False on overflow.
template <typename T>
bool MarkDetermined(const Matrix<int64_t>& input,
                    const std::vector<size_t>& column_var,
                    std::vector<bool>& determined) {
  Matrix<T> m(input.size());
  for (size_t r = 0; r < input.size(); ++r)
    m[r].assign(input[r].begin(), input[r].end());
  std::vector<std::pair<size_t, size_t>> pivots;
  if (!Reduce(m, column_var.size(), pivots)) return false;
  for (auto [r, c] : pivots) {
    size_t nonzero = 0;
    for (const T& v : m[r]) nonzero += (v != 0);
    if (nonzero == 1) determined[column_var[c]] = true;
  }
  return true;
}

}  // namespace

std::vector<bool> DeterminedUnknowns(
    const std::vector<SumConstraint>& constraints,
    const std::vector<bool>& unknown, Arithmetic arithmetic) {
  std::vector<bool> determined(unknown.size(), false);
  std::vector<size_t> column_of(unknown.size(), SIZE_MAX);
  std::vector<size_t> column_var;
  for (size_t v = 0; v < unknown.size(); ++v) {
    if (!unknown[v]) continue;
    column_of[v] = column_var.size();
    column_var.push_back(v);
  }
  // One row per constraint touching an unknown; known terms move to the
  // right-hand side, whose value never affects determinacy.
  Matrix<int64_t> rows;
  for (const SumConstraint& c : constraints) {
    std::vector<int64_t> row(column_var.size(), 0);
    bool touches = false;
    if (unknown[c.total]) row[column_of[c.total]] += 1, touches = true;
    for (size_t p : c.parts) {
      if (unknown[p]) row[column_of[p]] -= 1, touches = true;
    }
    if (touches) rows.push_back(std::move(row));
  }
  if (arithmetic == Arithmetic::kAuto &&
      MarkDetermined<int64_t>(rows, column_var, determined)) {
    return determined;
  }
  determined.assign(unknown.size(), false);
  MarkDetermined<BigInt>(rows, column_var, determined);  // never overflows
  return determined;
}

}  // namespace cityid::stats
