// Suppression against subtraction: for random tables, every value below k is
// suppressed and none of them can be recovered from what a response
// publishes. The check here is independent of linear_determinacy.cc: it
// rebuilds the published equations from the table's coordinates, finds a
// null vector with exact rationals (Boost cpp_rational), and verifies an
// explicit alternative table that agrees with every published cell and total
// but differs in the protected value.
#include "projections/stats/suppression.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <random>
#include <string>
#include <vector>

#include "projections/stats/linear_determinacy.h"

namespace cityid::stats {
namespace {

using BigRat = boost::multiprecision::cpp_rational;
using BigInt = boost::multiprecision::cpp_int;

// One published equation: total = sum of cells.
struct Equation {
  size_t total_var;  // index among all variables (cells first, then totals)
  int64_t total_value;
  std::vector<size_t> cells;
};

// All variables of a response: values and suppression flags, cells first.
struct Response {
  std::vector<int64_t> value;
  std::vector<bool> suppressed;
  std::vector<Equation> equations;
};

Response Flatten(const CountTable& t, const SuppressedTable& st) {
  Response r;
  r.value = t.counts();
  r.suppressed = st.suppressed;
  for (const PublishedTotals& pt : st.totals) {
    std::vector<size_t> dims;
    for (const std::string& n : pt.dimensions)
      dims.push_back(*t.DimensionIndex(n));
    for (size_t i = 0; i < pt.totals.cell_count(); ++i) {
      Equation e{r.value.size(), 0, {}};
      std::vector<size_t> want = pt.totals.Coordinates(i);
      for (size_t cell = 0; cell < t.cell_count(); ++cell) {
        std::vector<size_t> c = t.Coordinates(cell);
        bool match = true;
        for (size_t j = 0; j < dims.size(); ++j)
          match = match && c[dims[j]] == want[j];
        if (match) {
          e.cells.push_back(cell);
          e.total_value += t.count(cell);
        }
      }
      EXPECT_EQ(pt.totals.count(i), e.total_value)
          << "published total is not the sum";
      r.value.push_back(e.total_value);
      r.suppressed.push_back(pt.suppressed[i]);
      r.equations.push_back(std::move(e));
    }
  }
  return r;
}

// Null-space basis of the equations restricted to the suppressed variables,
// as vectors over all variables (zero on published ones).
std::vector<std::vector<BigRat>> NullSpace(const Response& r) {
  std::vector<size_t> cols;
  for (size_t v = 0; v < r.value.size(); ++v) {
    if (r.suppressed[v]) cols.push_back(v);
  }
  std::vector<std::vector<BigRat>> m;
  for (const Equation& e : r.equations) {
    std::vector<BigRat> row(cols.size());
    for (size_t j = 0; j < cols.size(); ++j) {
      if (cols[j] == e.total_var) row[j] += 1;
      for (size_t c : e.cells) {
        if (cols[j] == c) row[j] -= 1;
      }
    }
    m.push_back(std::move(row));
  }
  std::vector<int> pivot_of_col(cols.size(), -1);
  size_t rank = 0;
  for (size_t c = 0; c < cols.size() && rank < m.size(); ++c) {
    size_t p = rank;
    while (p < m.size() && m[p][c] == 0) ++p;
    if (p == m.size()) continue;
    std::swap(m[p], m[rank]);
    BigRat inv = 1 / m[rank][c];
    for (BigRat& x : m[rank]) x *= inv;
    for (size_t i = 0; i < m.size(); ++i) {
      if (i == rank || m[i][c] == 0) continue;
      BigRat f = m[i][c];
      for (size_t j = 0; j < cols.size(); ++j) m[i][j] -= f * m[rank][j];
    }
    pivot_of_col[c] = static_cast<int>(rank++);
  }
  std::vector<std::vector<BigRat>> basis;
  for (size_t f = 0; f < cols.size(); ++f) {
    if (pivot_of_col[f] >= 0) continue;
    std::vector<BigRat> z(r.value.size());
    z[cols[f]] = 1;
    for (size_t c = 0; c < cols.size(); ++c) {
      if (pivot_of_col[c] >= 0) z[cols[c]] = -m[pivot_of_col[c]][f];
    }
    basis.push_back(std::move(z));
  }
  return basis;
}

// True if an integer table exists that agrees with every published value and
// satisfies every equation but differs at variable v: the attacker cannot
// pin v down. Verified by direct summation, not by the elimination.
bool HasAlternative(const Response& r,
                    const std::vector<std::vector<BigRat>>& basis, size_t v) {
  for (const std::vector<BigRat>& z : basis) {
    if (z[v] == 0) continue;
    BigInt scale = 1;
    for (const BigRat& x : z)
      scale = boost::multiprecision::lcm(scale, denominator(x));
    std::vector<BigInt> alt(r.value.size());
    for (size_t i = 0; i < alt.size(); ++i) {
      BigRat shifted = BigRat(r.value[i]) + z[i] * BigRat(scale);
      if (denominator(shifted) != 1) return false;
      if (!r.suppressed[i] && z[i] != 0)
        return false;  // published values fixed
      alt[i] = numerator(shifted);
    }
    bool consistent = alt[v] != r.value[v];
    for (const Equation& e : r.equations) {
      BigInt sum = 0;
      for (size_t c : e.cells) sum += alt[c];
      consistent = consistent && sum == alt[e.total_var];
    }
    if (consistent) return true;
  }
  return false;
}

// Checks the contract: below k means suppressed, and every such value has an
// alternative. Returns how many values were checked.
size_t ExpectProtected(const CountTable& t, const SuppressedTable& st,
                       int64_t k) {
  Response r = Flatten(t, st);
  std::vector<std::vector<BigRat>> basis = NullSpace(r);
  size_t checked = 0;
  for (size_t v = 0; v < r.value.size(); ++v) {
    if (r.value[v] >= k) continue;
    EXPECT_TRUE(r.suppressed[v])
        << "value " << r.value[v] << " (var " << v << ") published";
    EXPECT_TRUE(HasAlternative(r, basis, v))
        << "var " << v << " = " << r.value[v]
        << " is recoverable from the response";
    ++checked;
  }
  return checked;
}

CountTable RandomTable(std::mt19937& rng, size_t dims) {
  std::vector<Dimension> d;
  for (size_t i = 0; i < dims; ++i) {
    Dimension dim{"d" + std::to_string(i), {}};
    size_t n = std::uniform_int_distribution<size_t>(2, 6)(rng);
    for (size_t c = 0; c < n; ++c)
      dim.categories.push_back("c" + std::to_string(c));
    d.push_back(std::move(dim));
  }
  CountTable t = *CountTable::Create(std::move(d));
  std::uniform_int_distribution<int64_t> count(0, 40);
  for (size_t c = 0; c < t.cell_count(); ++c) t.Set(c, count(rng));
  return t;
}

TEST(Suppression, NoSuppressedValueIsRecoverableInRandomTables) {
  std::mt19937 rng(20240607);
  size_t checked = 0, complementary = 0;
  for (int iter = 0; iter < 60; ++iter) {
    size_t dims = 1 + iter % 3;
    CountTable t = RandomTable(rng, dims);
    SuppressionOptions opts{10, OneWayMarginals(t)};
    if (dims == 3 && iter % 2 == 0) {  // also publish every two-way marginal
      opts.marginals.push_back({"d0", "d1"});
      opts.marginals.push_back({"d0", "d2"});
      opts.marginals.push_back({"d1", "d2"});
    }
    Result<SuppressedTable> st = Suppress(t, opts);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    checked += ExpectProtected(t, *st, 10);
    complementary += st->complementary;
  }
  EXPECT_GT(checked, 300u);  // the random tables do exercise the check
  EXPECT_GT(complementary, 50u);
}

TEST(Suppression, SuppressesNothingWhenEveryValueIsLarge) {
  CountTable t =
      *CountTable::Create({{"a", {"x", "y", "z"}}, {"b", {"p", "q"}}});
  for (size_t c = 0; c < t.cell_count(); ++c) t.Set(c, 10 + int64_t(c));
  SuppressedTable st = *Suppress(t, {10, OneWayMarginals(t)});
  EXPECT_EQ(st.primary, 0u);
  EXPECT_EQ(st.complementary, 0u);
  for (bool s : st.suppressed) EXPECT_FALSE(s);
  for (const PublishedTotals& pt : st.totals) {
    for (bool s : pt.suppressed) EXPECT_FALSE(s);
  }
}

TEST(Suppression, ProtectsOneSmallCellWithAMinimalRectangle) {
  CountTable t =
      *CountTable::Create({{"row", {"0", "1", "2"}}, {"col", {"0", "1", "2"}}});
  const int64_t v[9] = {50, 40, 30, 45, 3, 25, 60, 35, 20};
  for (size_t c = 0; c < 9; ++c) t.Set(c, v[c]);
  SuppressedTable st = *Suppress(t, {10, OneWayMarginals(t)});
  EXPECT_EQ(st.primary, 1u);
  EXPECT_EQ(st.complementary, 3u);  // three cells, no totals
  for (const PublishedTotals& pt : st.totals) {
    for (bool s : pt.suppressed) EXPECT_FALSE(s);
  }
  // The four suppressed cells form a rectangle through (1, 1).
  std::vector<size_t> rows, cols;
  for (size_t c = 0; c < 9; ++c) {
    if (!st.suppressed[c]) continue;
    rows.push_back(c / 3);
    cols.push_back(c % 3);
  }
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_TRUE(st.suppressed[4]);
  std::sort(rows.begin(), rows.end());
  std::sort(cols.begin(), cols.end());
  EXPECT_TRUE(rows[0] == rows[1] && rows[2] == rows[3] && rows[1] != rows[2]);
  EXPECT_TRUE(cols[0] == cols[1] && cols[2] == cols[3] && cols[1] != cols[2]);
  ExpectProtected(t, st, 10);
}

TEST(Suppression, OneDimensionalTableAddsTheSmallestOtherCell) {
  CountTable t = *CountTable::Create({{"district", {"n", "e", "s", "w"}}});
  const int64_t v[4] = {3, 15, 12, 40};
  for (size_t c = 0; c < 4; ++c) t.Set(c, v[c]);
  SuppressedTable st = *Suppress(t, {10, OneWayMarginals(t)});
  EXPECT_EQ(st.suppressed, (std::vector<bool>{true, false, true, false}));
  EXPECT_FALSE(st.totals.at(0).suppressed.at(0));  // the grand total stays
  ExpectProtected(t, st, 10);
}

TEST(Suppression, SmallTotalIsSuppressedAndCannotBeRebuilt) {
  CountTable t =
      *CountTable::Create({{"row", {"0", "1", "2"}}, {"col", {"0", "1", "2"}}});
  const int64_t v[9] = {2, 3, 1, 45, 33, 25, 60, 35, 20};  // row 0 totals 6
  for (size_t c = 0; c < 9; ++c) t.Set(c, v[c]);
  SuppressedTable st = *Suppress(t, {10, OneWayMarginals(t)});
  EXPECT_TRUE(st.totals.at(0).suppressed.at(0));  // the row-0 total
  EXPECT_EQ(ExpectProtected(t, st, 10), 4u);      // three cells and the total
}

TEST(Suppression, NaivePrimarySuppressionIsBrokenBySubtraction) {
  // The attack the complementary step exists for: publishing the row total
  // and the other cells reveals a lone suppressed cell.
  std::vector<SumConstraint> row{{3, {0, 1, 2}}};
  EXPECT_TRUE(DeterminedUnknowns(row, {true, false, false, false})[0]);
  EXPECT_FALSE(DeterminedUnknowns(row, {true, false, true, false})[0]);
}

TEST(Suppression, RejectsUnknownMarginalAndNegativeK) {
  CountTable t = *CountTable::Create({{"a", {"x", "y"}}});
  EXPECT_EQ(Suppress(t, {10, {{"b"}}}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Suppress(t, {-1, {}}).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cityid::stats
