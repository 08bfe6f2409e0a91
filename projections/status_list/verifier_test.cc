#include "projections/status_list/verifier.h"

#include <gtest/gtest.h>

#include "projections/status_list/status_delta.h"
#include "projections/status_list/status_list_jwt.h"
#include "projections/status_list/test_util.h"

namespace cityid::statuslist {
namespace {

using testing::kExp;
using testing::kIat;
using testing::kNow;
using testing::MakeList;

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Jwks keys;
    ASSERT_TRUE(keys.AddPublicOf(key_).ok());
    Result<Verifier> v = Verifier::FromJwksJson(keys.ToJson());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    verifier_.emplace(std::move(v).value());
    list_ = MakeList(StatusArray(131072), 3);
    list_.statuses.Set(10, EntryStatus::kRevoked);
    list_.statuses.Set(11, EntryStatus::kSuspended);
  }

  SigningKey key_ = *SigningKey::Generate();
  std::optional<Verifier> verifier_;
  StatusList list_;
};

TEST_F(VerifierTest, LooksUpEntriesOfEitherForm) {
  const std::string jwt = *EncodeStatusListJwt(
      list_.statuses, {"https://x/v1/status-lists/7", kIat, kExp, 600}, key_);
  for (const std::string& bytes :
       {*EncodeCompactList(list_, key_), jwt + "\n"}) {
    Result<LoadedList> loaded = verifier_->Load(bytes, kNow);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(loaded->size(), 131072u);
    EXPECT_EQ(loaded->kid(), key_.kid());
    EXPECT_EQ(*loaded->Lookup(9, kNow), EntryStatus::kValid);
    EXPECT_EQ(*loaded->Lookup(10, kNow), EntryStatus::kRevoked);
    EXPECT_EQ(*loaded->Lookup(11, kNow), EntryStatus::kSuspended);
  }
  Result<LoadedList> from_jwt = verifier_->Load(jwt, kNow);
  ASSERT_TRUE(from_jwt.ok());
  EXPECT_EQ(from_jwt->form(), ListForm::kStandardJwt);
  EXPECT_EQ(from_jwt->subject(), "https://x/v1/status-lists/7");
  EXPECT_EQ(from_jwt->ttl(), 600);
  Result<LoadedList> from_compact =
      verifier_->Load(*EncodeCompactList(list_, key_), kNow);
  ASSERT_TRUE(from_compact.ok());
  EXPECT_EQ(from_compact->form(), ListForm::kCompact);
  EXPECT_EQ(from_compact->version(), 3u);
}

TEST_F(VerifierTest, LookupIsUnverifiableOutsideTheListOrAfterExpiry) {
  Result<LoadedList> loaded =
      verifier_->Load(*EncodeCompactList(list_, key_), kNow);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->Lookup(131072, kNow).status().code(),
            Code::kInvalidArgument);
  Result<EntryStatus> late = loaded->Lookup(10, kExp * kMicrosPerSecond);
  EXPECT_EQ(late.status().code(), Code::kPreconditionFailed);
  EXPECT_NE(late.status().message().find("expired"), std::string::npos);
}

TEST_F(VerifierTest, LookupRefusesTheReservedValue) {
  StatusArray a(16);
  a.Set(4, 3);
  const std::string jwt =
      *EncodeStatusListJwt(a, {"https://x/1", kIat, kExp, 0}, key_);
  Result<LoadedList> loaded = verifier_->Load(jwt, kNow);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->Lookup(4, kNow).status().code(), Code::kMalformed);
}

TEST_F(VerifierTest, LoadRejectsForgedExpiredAndGarbageLists) {
  Result<SigningKey> stranger = SigningKey::Generate();
  EXPECT_EQ(verifier_->Load(*EncodeCompactList(list_, *stranger), kNow)
                .status()
                .code(),
            Code::kUnauthenticated);
  EXPECT_EQ(
      verifier_->Load(*EncodeCompactList(list_, key_), kExp * kMicrosPerSecond)
          .status()
          .code(),
      Code::kPreconditionFailed);
  EXPECT_EQ(verifier_->Load("<html>not found</html>", kNow).status().code(),
            Code::kMalformed);
  EXPECT_EQ(verifier_->Load("", kNow).status().code(), Code::kMalformed);
}

TEST_F(VerifierTest, AppliesSignedDeltasToCompactListsOnly) {
  Result<LoadedList> loaded =
      verifier_->Load(*EncodeCompactList(list_, key_), kNow);
  ASSERT_TRUE(loaded.ok());
  StatusList next = list_;
  next.version = 4;
  next.statuses.Set(11, EntryStatus::kValid);
  next.statuses.Set(12, EntryStatus::kRevoked);
  const std::string delta = *EncodeDelta(*DiffLists(list_, next), key_);
  ASSERT_TRUE(verifier_->ApplyDelta(delta, kNow, &*loaded).ok());
  EXPECT_EQ(loaded->version(), 4u);
  EXPECT_EQ(*loaded->Lookup(11, kNow), EntryStatus::kValid);
  EXPECT_EQ(*loaded->Lookup(12, kNow), EntryStatus::kRevoked);
  EXPECT_EQ(verifier_->ApplyDelta(delta, kNow, &*loaded).code(),
            Code::kConflict);  // replay

  Result<LoadedList> from_jwt =
      verifier_->Load(*EncodeStatusListJwt(
                          list_.statuses, {"https://x/1", kIat, kExp, 0}, key_),
                      kNow);
  ASSERT_TRUE(from_jwt.ok());
  EXPECT_EQ(verifier_->ApplyDelta(delta, kNow, &*from_jwt).code(),
            Code::kConflict);
}

TEST_F(VerifierTest, RefusesAKeySetWithoutEd25519Keys) {
  EXPECT_EQ(Verifier::FromJwksJson(R"({"keys":[]})").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Verifier::FromJwksJson("nope").status().code(), Code::kMalformed);
}

}  // namespace
}  // namespace cityid::statuslist
