#include "projections/status_list/rice_set.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "projections/status_list/bit_io.h"

namespace cityid::statuslist {
namespace {

std::vector<uint32_t> Members(const CodedSet& set, uint32_t universe) {
  std::vector<uint32_t> out;
  ForEachMember(set, universe, [&](uint32_t i) { out.push_back(i); });
  return out;
}

std::vector<uint32_t> RoundTrip(const std::vector<uint32_t>& members,
                                uint32_t universe) {
  BitWriter w;
  EncodeSet(members, universe, &w);
  const std::string bytes = w.Finish();
  BitReader r(bytes);
  Result<CodedSet> set =
      DecodeSet(&r, universe, static_cast<uint32_t>(members.size()));
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_LT(r.bits_left(), 8u);
  return set.ok() ? Members(*set, universe) : std::vector<uint32_t>{};
}

TEST(BitIoTest, RoundTripsBitsAndUnary) {
  BitWriter w;
  w.WriteBits(5, 3);
  w.WriteUnary(0);
  w.WriteUnary(70);
  w.WriteBits(0xDEADBEEF, 32);
  w.WriteBits(1, 1);
  EXPECT_EQ(w.bit_count(), 3u + 1 + 71 + 32 + 1);
  const std::string bytes = w.Finish();
  EXPECT_EQ(bytes.size(), (108u + 7) / 8);
  BitReader r(bytes);
  uint64_t v = 0;
  ASSERT_TRUE(r.ReadBits(3, &v));
  EXPECT_EQ(v, 5u);
  ASSERT_TRUE(r.ReadUnary(100, &v));
  EXPECT_EQ(v, 0u);
  ASSERT_TRUE(r.ReadUnary(100, &v));
  EXPECT_EQ(v, 70u);
  ASSERT_TRUE(r.ReadBits(32, &v));
  EXPECT_EQ(v, 0xDEADBEEFu);
  ASSERT_TRUE(r.ReadBits(1, &v));
  EXPECT_EQ(v, 1u);
  EXPECT_FALSE(r.ReadBits(8, &v));  // only padding is left
}

TEST(BitIoTest, ReaderStopsAtTheEndAndAtTheUnaryLimit) {
  const std::string ones(4, '\xFF');
  BitReader r(ones);
  uint64_t v = 0;
  EXPECT_FALSE(r.ReadUnary(1000, &v));  // no terminating zero
  BitReader limited(ones);
  EXPECT_FALSE(limited.ReadUnary(5, &v));
  BitReader empty("");
  EXPECT_FALSE(empty.ReadBits(1, &v));
}

TEST(RiceSetTest, RoundTripsSparseDenseAndEdgeSets) {
  EXPECT_EQ(RoundTrip({}, 100), std::vector<uint32_t>{});
  EXPECT_EQ(RoundTrip({0}, 1), std::vector<uint32_t>{0});
  EXPECT_EQ(RoundTrip({99}, 100), std::vector<uint32_t>{99});
  EXPECT_EQ(RoundTrip({0, 1, 2, 50, 99}, 100),
            (std::vector<uint32_t>{0, 1, 2, 50, 99}));
  std::vector<uint32_t> all(100);
  for (uint32_t i = 0; i < 100; ++i) all[i] = i;
  EXPECT_EQ(RoundTrip(all, 100), all);  // coded as the empty complement
  std::mt19937 rng(4);
  for (double density : {0.001, 0.05, 0.3, 0.5, 0.51, 0.9, 0.999}) {
    std::vector<uint32_t> set;
    for (uint32_t i = 0; i < 20000; ++i) {
      if (std::bernoulli_distribution(density)(rng)) set.push_back(i);
    }
    EXPECT_EQ(RoundTrip(set, 20000), set) << density;
  }
}

TEST(RiceSetTest, DenseSetsAreCodedAsComplements) {
  EXPECT_FALSE(CodesComplement(10, 5));
  EXPECT_TRUE(CodesComplement(10, 6));
  std::vector<uint32_t> dense;
  for (uint32_t i = 0; i < 1000; ++i) {
    if (i % 10 != 3) dense.push_back(i);
  }
  BitWriter w;
  EncodeSet(dense, 1000, &w);
  // 100 non-members with gaps of 9: far smaller than 900 members.
  EXPECT_LT(w.bit_count(), 100u * 6);
}

TEST(RiceSetTest, ChoosesTheParameterOfMinimalSize) {
  std::vector<uint32_t> set;
  for (uint32_t i = 0; i < 1000; ++i) set.push_back(i * 20);
  const unsigned k = BestRiceParameter(set);
  for (unsigned other = 0; other < 32; ++other) {
    EXPECT_LE(RiceCodedBits(set, k), RiceCodedBits(set, other)) << other;
  }
  // Gaps of 19: k = 2..5 cost 7, 6, 6, 6 bits each; the leading gap of 0
  // breaks the tie toward the smaller k.
  EXPECT_EQ(k, 3u);
}

TEST(RiceSetTest, EntropyBoundMatchesSmallBinomials) {
  EXPECT_DOUBLE_EQ(EntropyBoundBits(10, 0), 0.0);
  EXPECT_DOUBLE_EQ(EntropyBoundBits(10, 10), 0.0);
  EXPECT_NEAR(EntropyBoundBits(10, 3), std::log2(120.0), 1e-9);
  EXPECT_NEAR(EntropyBoundBits(52, 5), std::log2(2598960.0), 1e-9);
  // Large n: close to n·h(p).
  const double p = 0.01;
  const double h = -(p * std::log2(p) + (1 - p) * std::log2(1 - p));
  EXPECT_NEAR(EntropyBoundBits(10'000'000, 100'000) / (1e7 * h), 1.0, 1e-4);
}

TEST(RiceSetTest, DecoderRejectsTruncatedAndImpossibleSets) {
  std::vector<uint32_t> set = {3, 70, 71, 500, 900};
  BitWriter w;
  EncodeSet(set, 1000, &w);
  const std::string bytes = w.Finish();
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    BitReader r(std::string_view(bytes).substr(0, cut));
    EXPECT_FALSE(DecodeSet(&r, 1000, 5).ok()) << cut;
  }
  BitReader r(bytes);
  EXPECT_FALSE(DecodeSet(&r, 600, 5).ok());  // 900 is past a 600-entry list
  BitReader r2(bytes);
  EXPECT_FALSE(DecodeSet(&r2, 1000, 1001).ok());
  // A huge count in a few bytes is refused before any allocation.
  BitReader r3(bytes);
  EXPECT_FALSE(DecodeSet(&r3, 1u << 26, 1u << 24).ok());
}

}  // namespace
}  // namespace cityid::statuslist
