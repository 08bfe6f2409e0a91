#include "projections/status_list/compact_list.h"

#include <gtest/gtest.h>

#include <random>

#include "projections/status_list/test_util.h"

namespace cityid::statuslist {
namespace {

using testing::kExp;
using testing::kIat;
using testing::kNow;
using testing::MakeList;
using testing::RandomStatuses;

class CompactListTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(keys_.AddPublicOf(key_).ok()); }
  std::string Encode(const StatusList& list) {
    Result<std::string> bytes = EncodeCompactList(list, key_);
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    return bytes.ok() ? *bytes : std::string();
  }

  SigningKey key_ = *SigningKey::Generate();
  Jwks keys_;
};

TEST_F(CompactListTest, RoundTripsListsOfEveryDensity) {
  const uint32_t n = 131072;
  for (const auto& [revoked, suspended] :
       std::vector<std::pair<uint32_t, uint32_t>>{{0, 0},
                                                  {1, 0},
                                                  {0, 1},
                                                  {131, 13},
                                                  {6553, 1310},
                                                  {70000, 1000},
                                                  {1000, 70000},
                                                  {131072, 0},
                                                  {0, 131072},
                                                  {65536, 65536}}) {
    const StatusList list =
        MakeList(RandomStatuses(n, revoked, suspended, revoked + 7));
    Result<StatusList> back = VerifyCompactList(Encode(list), keys_, kNow);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, list) << revoked << "/" << suspended;
  }
}

TEST_F(CompactListTest, RoundTripsSizesThatAreNotMultiplesOfFour) {
  for (uint32_t n : {1u, 2u, 3u, 5u, 131073u}) {
    const StatusList list = MakeList(RandomStatuses(n, n / 3, n / 3, n));
    Result<StatusList> back = VerifyCompactList(Encode(list), keys_, kNow);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, list);
  }
}

TEST_F(CompactListTest, ReportsHeaderFacts) {
  const StatusList list = MakeList(RandomStatuses(131072, 1000, 10, 5), 42);
  const std::string bytes = Encode(list);
  Result<CompactListInfo> info = InspectCompactList(bytes);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->kid, key_.kid());
  EXPECT_EQ(info->list_id, 7u);
  EXPECT_EQ(info->version, 42u);
  EXPECT_EQ(info->iat, kIat);
  EXPECT_EQ(info->exp, kExp);
  EXPECT_EQ(info->size, 131072u);
  EXPECT_EQ(info->revoked, 1000u);
  EXPECT_EQ(info->suspended, 10u);
  EXPECT_EQ(info->total_bytes, bytes.size());
  EXPECT_LT(info->payload_bytes, bytes.size());
}

TEST_F(CompactListTest, RejectsEveryTruncation) {
  const std::string bytes = Encode(MakeList(RandomStatuses(4096, 100, 20, 6)));
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    const std::string_view prefix = std::string_view(bytes).substr(0, cut);
    Result<StatusList> v = VerifyCompactList(prefix, keys_, kNow);
    EXPECT_FALSE(v.ok()) << cut;
    EXPECT_TRUE(v.status().code() == Code::kMalformed ||
                v.status().code() == Code::kUnauthenticated)
        << v.status().ToString();
    EXPECT_FALSE(DecodeCompactListUnverified(prefix).ok()) << cut;
  }
}

TEST_F(CompactListTest, RejectsEveryFlippedByte) {
  const std::string bytes = Encode(MakeList(RandomStatuses(4096, 100, 20, 8)));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x5A;
    EXPECT_FALSE(VerifyCompactList(bad, keys_, kNow).ok()) << i;
    // Unverified decoding of the same bytes must not crash either.
    DecodeCompactListUnverified(bad).status().PermitUnchecked();
  }
}

TEST_F(CompactListTest, UnverifiedDecoderSurvivesGarbage) {
  std::mt19937_64 rng(9);
  const std::string good = Encode(MakeList(RandomStatuses(4096, 100, 20, 10)));
  const size_t header =
      good.size() - 64 - InspectCompactList(good)->payload_bytes;
  for (int round = 0; round < 2000; ++round) {
    // Keep a valid header so the garbage reaches the Rice decoder.
    std::string bad = good;
    for (size_t i = header; i < bad.size(); ++i)
      bad[i] = static_cast<char>(rng());
    DecodeCompactListUnverified(bad).status().PermitUnchecked();
    EXPECT_FALSE(VerifyCompactList(bad, keys_, kNow).ok());
  }
  EXPECT_EQ(DecodeCompactListUnverified("garbage").status().code(),
            Code::kMalformed);
}

TEST_F(CompactListTest, RejectsBadSignaturesAndUnknownKeys) {
  const std::string bytes = Encode(MakeList(RandomStatuses(1024, 10, 1, 11)));
  std::string bad = bytes;
  bad.back() ^= 1;
  Result<StatusList> v = VerifyCompactList(bad, keys_, kNow);
  EXPECT_EQ(v.status().code(), Code::kUnauthenticated);
  EXPECT_NE(v.status().message().find("bad signature"), std::string::npos);
  v = VerifyCompactList(bytes, Jwks(), kNow);
  EXPECT_EQ(v.status().code(), Code::kUnauthenticated);
  EXPECT_NE(v.status().message().find("unknown key"), std::string::npos);
}

TEST_F(CompactListTest, RejectsExpiredLists) {
  const std::string bytes = Encode(MakeList(StatusArray(1024)));
  EXPECT_TRUE(
      VerifyCompactList(bytes, keys_, kExp * kMicrosPerSecond - 1).ok());
  Result<StatusList> v =
      VerifyCompactList(bytes, keys_, kExp * kMicrosPerSecond);
  EXPECT_EQ(v.status().code(), Code::kPreconditionFailed);
  EXPECT_NE(v.status().message().find("expired"), std::string::npos);
}

TEST_F(CompactListTest, EncoderRefusesReservedValuesAndBadTimes) {
  StatusArray a(8);
  a.Set(3, 3);
  EXPECT_EQ(EncodeCompactList(MakeList(a), key_).status().code(),
            Code::kInvalidArgument);
  StatusList late = MakeList(StatusArray(8));
  late.exp = late.iat;
  EXPECT_EQ(EncodeCompactList(late, key_).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(EncodeCompactList(MakeList(StatusArray()), key_).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace cityid::statuslist
