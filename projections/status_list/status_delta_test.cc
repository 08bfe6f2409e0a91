#include "projections/status_list/status_delta.h"

#include <gtest/gtest.h>

#include <random>

#include "projections/status_list/test_util.h"

namespace cityid::statuslist {
namespace {

using testing::kIat;
using testing::kNow;
using testing::MakeList;
using testing::RandomStatuses;

class StatusDeltaTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(keys_.AddPublicOf(key_).ok()); }

  // The next version of `list`: `changes` random entries get a random new
  // status, as revocations, suspensions and reinstatements would.
  static StatusList Mutate(const StatusList& list, uint32_t changes,
                           std::mt19937_64* rng) {
    StatusList next = list;
    next.version = list.version + 1 + (*rng)() % 3;
    next.iat = list.iat + 60;
    next.exp = next.iat + 86400;
    std::uniform_int_distribution<uint32_t> index(0, list.statuses.size() - 1);
    for (uint32_t c = 0; c < changes; ++c) {
      next.statuses.Set(index(*rng), static_cast<uint8_t>((*rng)() % 3));
    }
    return next;
  }

  SigningKey key_ = *SigningKey::Generate();
  Jwks keys_;
};

TEST_F(StatusDeltaTest, RandomDeltaSequencesReachTheFreshFullList) {
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 20; ++trial) {
    StatusList issuer = MakeList(RandomStatuses(131072, 1000, 200, trial));
    // The verifier starts from the signed full list, as fetched.
    Result<StatusList> verifier =
        VerifyCompactList(*EncodeCompactList(issuer, key_), keys_, kNow);
    ASSERT_TRUE(verifier.ok());
    const int steps = 1 + static_cast<int>(rng() % 8);
    for (int step = 0; step < steps; ++step) {
      const StatusList next =
          Mutate(issuer, static_cast<uint32_t>(rng() % 500), &rng);
      Result<StatusDelta> diff = DiffLists(issuer, next);
      ASSERT_TRUE(diff.ok()) << diff.status().ToString();
      Result<std::string> bytes = EncodeDelta(*diff, key_);
      ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
      Result<StatusDelta> delta = VerifyDelta(*bytes, keys_, kNow);
      ASSERT_TRUE(delta.ok()) << delta.status().ToString();
      EXPECT_EQ(*delta, *diff);
      ASSERT_TRUE(ApplyDelta(*delta, &*verifier).ok());
      issuer = next;
    }
    Result<StatusList> fresh =
        VerifyCompactList(*EncodeCompactList(issuer, key_), keys_, kNow);
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ(*verifier, *fresh) << "trial " << trial;
  }
}

TEST_F(StatusDeltaTest, RefusesADeltaFromAnotherVersion) {
  StatusList list = MakeList(RandomStatuses(1024, 10, 10, 1), 5);
  std::mt19937_64 rng(1);
  const StatusList next = Mutate(list, 20, &rng);
  StatusDelta delta = *DiffLists(list, next);
  list.version = 4;
  const StatusList before = list;
  const Status s = ApplyDelta(delta, &list);
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_NE(s.message().find("version"), std::string::npos);
  EXPECT_EQ(list, before);  // untouched
  StatusList other = MakeList(RandomStatuses(1024, 10, 10, 1), 5);
  other.list_id = 8;
  EXPECT_EQ(ApplyDelta(delta, &other).code(), Code::kConflict);
}

TEST_F(StatusDeltaTest, RefusesADeltaThatDoesNotMatchTheList) {
  StatusList list = MakeList(StatusArray(1024), 1);
  StatusDelta delta{7, 1, 2, kIat, kIat + 10, 1024, {}, {5}, {}};
  ASSERT_TRUE(ApplyDelta(delta, &list).ok());
  EXPECT_EQ(list.statuses.Get(5), 1);
  EXPECT_EQ(list.version, 2u);
  delta.from_version = 2;
  delta.to_version = 3;
  EXPECT_EQ(ApplyDelta(delta, &list).code(),
            Code::kConflict);  // 5 is already revoked
  EXPECT_EQ(list.version, 2u);
}

TEST_F(StatusDeltaTest, EncoderRefusesBrokenDeltas) {
  const StatusDelta ok{7, 1, 2, kIat, kIat + 10, 1024, {1}, {2}, {3}};
  EXPECT_TRUE(EncodeDelta(ok, key_).ok());
  StatusDelta d = ok;
  d.to_version = 1;
  EXPECT_EQ(EncodeDelta(d, key_).status().code(), Code::kInvalidArgument);
  d = ok;
  d.became_revoked = {1};  // overlaps became_valid
  EXPECT_EQ(EncodeDelta(d, key_).status().code(), Code::kInvalidArgument);
  d = ok;
  d.became_suspended = {9, 4};
  EXPECT_EQ(EncodeDelta(d, key_).status().code(), Code::kInvalidArgument);
  d = ok;
  d.became_valid = {2000};
  EXPECT_EQ(EncodeDelta(d, key_).status().code(), Code::kInvalidArgument);
  d = StatusDelta{7, 1, 2, kIat, kIat + 10, 1024, {}, {}, {}};
  for (uint32_t i = 0; i < 513; ++i) d.became_revoked.push_back(i);
  EXPECT_EQ(EncodeDelta(d, key_).status().code(),
            Code::kInvalidArgument);  // > half
}

TEST_F(StatusDeltaTest, RejectsTruncatedFlippedExpiredAndMisusedDeltas) {
  StatusList list = MakeList(RandomStatuses(4096, 50, 5, 2));
  std::mt19937_64 rng(2);
  const std::string bytes =
      *EncodeDelta(*DiffLists(list, Mutate(list, 40, &rng)), key_);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(
        VerifyDelta(std::string_view(bytes).substr(0, cut), keys_, kNow).ok());
    DecodeDeltaUnverified(std::string_view(bytes).substr(0, cut))
        .status()
        .PermitUnchecked();
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x21;
    EXPECT_FALSE(VerifyDelta(bad, keys_, kNow).ok()) << i;
    DecodeDeltaUnverified(bad).status().PermitUnchecked();
  }
  const Micros late = (kIat + 60 + 86400) * kMicrosPerSecond;
  EXPECT_EQ(VerifyDelta(bytes, keys_, late).status().code(),
            Code::kPreconditionFailed);
  // A full list is not a delta, and a delta is not a full list.
  EXPECT_EQ(
      VerifyDelta(*EncodeCompactList(list, key_), keys_, kNow).status().code(),
      Code::kMalformed);
  EXPECT_EQ(VerifyCompactList(bytes, keys_, kNow).status().code(),
            Code::kMalformed);
}

}  // namespace
}  // namespace cityid::statuslist
