// Tests of the signing side of the revocations service: the key files and
// their rotation, and the publisher's forms, caching and deltas.
#include "projections/revocation_publisher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "base/bytes.h"
#include "projections/projection_runner.h"
#include "projections/revocation_keys.h"
#include "projections/status_list/status_list_jwt.h"
#include "projections/status_list/verifier.h"
#include "stream/memory_event_source.h"

namespace cityid {
namespace {

namespace sl = statuslist;
using ::testing::HasSubstr;

constexpr Micros kT = 1'795'737'600'000'000;  // 2026-11-27T00:00:00Z
constexpr int64_t kDay = 86400;

std::filesystem::path TestDir(const std::string& kind) {
  auto dir = std::filesystem::path(::testing::TempDir()) /
             (kind + "_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

// --- keys ---

TEST(RevocationKeysTest, CreatesAKeyOnceWithMode0600ThenLoadsIt) {
  const auto dir = TestDir("keys");
  const std::string file = (dir / "keys" / "statuslist.pem").string();
  bool created = false;
  Result<sl::SigningKey> first = LoadOrCreateSigningKey(file, &created);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(created);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<sl::SigningKey> again = LoadOrCreateSigningKey(file, &created);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(again->kid(), first->kid());
  std::filesystem::remove_all(dir);
}

TEST(RevocationKeysTest, RetiredFileSitsBesideTheKey) {
  EXPECT_EQ(RetiredKeysFileFor("/k/statuslist.pem"),
            "/k/statuslist.retired.json");
  EXPECT_EQ(RetiredKeysFileFor("/k/key"), "/k/key.retired.json");
}

TEST(RevocationKeysTest, RetiredKeysRoundTripAndRejectGarbage) {
  const sl::SigningKey k = *sl::SigningKey::FromSeed(std::string(32, '\1'));
  std::vector<RetiredKey> keys{{{k.kid(), k.public_key()}, 1234}};
  EXPECT_EQ(ParseRetiredKeys(RetiredKeysToJson(keys)).value(), keys);
  EXPECT_EQ(ParseRetiredKeys("[]").status().code(), Code::kMalformed);
  EXPECT_EQ(ParseRetiredKeys(R"({"keys":[{"kid":"a","x":"AAAA",)"
                             R"("retired_at":1}]})")
                .status()
                .code(),
            Code::kMalformed);
  EXPECT_EQ(ParseRetiredKeys(R"({"keys":[{"kid":"a"}]})").status().code(),
            Code::kMalformed);
}

TEST(RevocationKeysTest, RetiredKeysArePublishedUntilTheirListsExpire) {
  const auto dir = TestDir("keys");
  const std::string file = (dir / "statuslist.pem").string();
  const sl::SigningKey old_key = LoadOrCreateSigningKey(file).value();
  const sl::SigningKey new_key = RotateSigningKey(file, kT).value();
  ASSERT_NE(new_key.kid(), old_key.kid());

  auto keys = RevocationKeys::Open(file).value();
  EXPECT_EQ(keys->keys()->current.kid(), new_key.kid());
  const KeySet& set = *keys->keys();
  // Until retired_at + lifetime (+ slack) the old key is still published.
  const Micros last_needed =
      kT + (kDay + kRetiredKeySlackSeconds) * kMicrosPerSecond - 1;
  sl::Jwks during = set.Published(last_needed, kDay);
  ASSERT_EQ(during.keys().size(), 2u);
  EXPECT_EQ(during.keys()[0].kid, new_key.kid());
  EXPECT_NE(during.Find(old_key.kid()), nullptr);
  sl::Jwks after = set.Published(last_needed + 1, kDay);
  ASSERT_EQ(after.keys().size(), 1u);
  EXPECT_EQ(after.keys()[0].kid, new_key.kid());
  std::filesystem::remove_all(dir);
}

TEST(RevocationKeysTest, ReloadPicksUpARotationByAnotherProcess) {
  const auto dir = TestDir("keys");
  const std::string file = (dir / "statuslist.pem").string();
  auto keys = RevocationKeys::Open(file).value();
  const std::string first = keys->keys()->current.kid();
  ASSERT_TRUE(keys->MaybeReload(kT).ok());
  const sl::SigningKey fresh = RotateSigningKey(file, kT).value();
  // Not before the reload interval has passed...
  ASSERT_TRUE(keys->MaybeReload(kT + 1).ok());
  EXPECT_EQ(keys->keys()->current.kid(), first);
  // ...then the new key signs and the old one is still published.
  ASSERT_TRUE(keys->MaybeReload(kT + RevocationKeys::kReloadInterval).ok());
  EXPECT_EQ(keys->keys()->current.kid(), fresh.kid());
  EXPECT_EQ(keys->keys()->retired.size(), 1u);
  EXPECT_EQ(keys->keys()->retired[0].key.kid, first);
  std::filesystem::remove_all(dir);
}

// --- publisher ---

class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TestDir("publisher");
    store_ = ProjectionStore::Open(dir_.string(), Revocations::kName,
                                   ProjectionStoreOptions{.sync = false})
                 .value();
    revocations_ = Revocations::Create(store_.get()).value();
    runner_ = std::make_unique<ProjectionRunner>(
        store_.get(), revocations_.get(), &source_,
        ProjectionRunnerOptions{.wait = 0});
    keys_ = std::make_unique<RevocationKeys>(
        KeySet{*sl::SigningKey::FromSeed(std::string(32, '\5')), {}});
    publisher_ =
        StatusListPublisher::Create(revocations_.get(), keys_.get(), &clock_,
                                    {.base_url = "https://ids.example.city/",
                                     .ttl_seconds = 300,
                                     .lifetime_seconds = kDay})
            .value();
  }
  void TearDown() override {
    publisher_.reset();
    runner_.reset();
    revocations_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Append(Payload p) { source_.Append(std::move(p)); }
  void CatchUp() {
    while (runner_->RunOnce().value() > 0) {
    }
  }
  CardStatusChange Change(const std::string& card) {
    return CardStatusChange{card, "r_1", "fraud"};
  }
  void IssueThree() {
    for (const auto& [card, index] :
         {std::pair<std::string, uint32_t>{"4000000000011", 11},
          {"4000000000022", 22},
          {"4000000000033", 33}}) {
      Append(CardIssued{card, "r_1", "standard", kT, kT + kDay, "1", index});
    }
  }
  sl::Verifier Verifier() {
    return sl::Verifier::FromJwksJson(publisher_->JwksJson()).value();
  }

  std::filesystem::path dir_;
  FakeClock clock_{kT};
  MemoryEventSource source_;
  std::unique_ptr<ProjectionStore> store_;
  std::unique_ptr<Revocations> revocations_;
  std::unique_ptr<ProjectionRunner> runner_;
  std::unique_ptr<RevocationKeys> keys_;
  std::unique_ptr<StatusListPublisher> publisher_;
};

TEST_F(PublisherTest, JwtVerifiesAgainstThePublishedKeysWithItsClaims) {
  IssueThree();
  Append(CardRevoked{Change("4000000000011")});
  Append(CardSuspended{Change("4000000000022")});
  CatchUp();
  auto out = publisher_->Full("1", PublishedForm::kJwt).value();
  EXPECT_EQ(out->content_type, "application/statuslist+jwt");
  sl::VerifiedJwt jwt =
      sl::VerifyStatusListJwt(out->body, Verifier().keys(), clock_.Now())
          .value();
  EXPECT_EQ(jwt.claims.sub, "https://ids.example.city/v1/status-lists/1");
  EXPECT_EQ(jwt.claims.iat, kT / kMicrosPerSecond);
  EXPECT_EQ(jwt.claims.exp, jwt.claims.iat + kDay);
  EXPECT_EQ(jwt.claims.ttl, 300);
  EXPECT_EQ(jwt.statuses.size(), kMinStatusListSize);
  EXPECT_EQ(jwt.statuses.Get(11), 1);
  EXPECT_EQ(jwt.statuses.Get(22), 2);
  EXPECT_EQ(jwt.statuses.Get(33), 0);
  EXPECT_EQ(publisher_->MaxAgeSeconds(*out, clock_.Now()), 300);
}

TEST_F(PublisherTest, CompactFormCarriesListIdAndVersion) {
  IssueThree();
  Append(CardRevoked{Change("4000000000033")});
  CatchUp();
  auto out = publisher_->Full("1", PublishedForm::kCompact).value();
  EXPECT_EQ(out->content_type, sl::kCompactMediaType);
  sl::LoadedList list = Verifier().Load(out->body, clock_.Now()).value();
  EXPECT_EQ(list.list_id(), 1u);
  EXPECT_EQ(list.version(), 2u);
  EXPECT_EQ(list.size(), kMinStatusListSize);
  EXPECT_EQ(list.Lookup(33, clock_.Now()).value(), sl::EntryStatus::kRevoked);
}

TEST_F(PublisherTest, OutputsRevealNoCardIdsAndHoldAtLeastTheHerdMinimum) {
  IssueThree();
  Append(CardRevoked{Change("4000000000011")});
  CatchUp();
  for (PublishedForm form : {PublishedForm::kJwt, PublishedForm::kCompact}) {
    auto out = publisher_->Full("1", form).value();
    for (const char* id : {"4000000000011", "4000000000022", "r_1", "fraud"})
      EXPECT_EQ(out->body.find(id), std::string::npos) << id;
  }
  // The JWT payload is only sub, iat, exp, ttl and the list.
  auto jwt = publisher_->Full("1", PublishedForm::kJwt).value();
  const size_t dot1 = jwt->body.find('.');
  const size_t dot2 = jwt->body.find('.', dot1 + 1);
  const std::string payload =
      Base64UrlDecode(jwt->body.substr(dot1 + 1, dot2 - dot1 - 1)).value();
  EXPECT_THAT(payload, HasSubstr(R"("status_list":{"bits":2,"lst":)"));
  EXPECT_EQ(payload.find("card"), std::string::npos);
  EXPECT_GE(sl::VerifyStatusListJwt(jwt->body, Verifier().keys(), clock_.Now())
                ->statuses.size(),
            kMinStatusListSize);
}

TEST_F(PublisherTest, BurstOfRequestsSignsOncePerFormAndVersion) {
  IssueThree();
  CatchUp();
  std::string etag;
  for (int i = 0; i < 50; ++i) {
    auto out = publisher_->Full("1", PublishedForm::kJwt).value();
    if (i == 0) etag = out->etag;
    EXPECT_EQ(out->etag, etag);
    clock_.Advance(kMicrosPerSecond);
  }
  EXPECT_EQ(publisher_->signatures(), 1u);
  EXPECT_EQ(publisher_->cache_hits(), 49u);
  publisher_->Full("1", PublishedForm::kCompact).value();
  EXPECT_EQ(publisher_->signatures(), 2u);
  // A new version is signed anew, with another ETag.
  Append(CardRevoked{Change("4000000000022")});
  CatchUp();
  auto fresh = publisher_->Full("1", PublishedForm::kJwt).value();
  EXPECT_EQ(publisher_->signatures(), 3u);
  EXPECT_NE(fresh->etag, etag);
  EXPECT_THAT(fresh->etag, HasSubstr("jwt-1-2-"));
  EXPECT_THAT(fresh->etag, HasSubstr(keys_->keys()->current.kid()));
}

TEST_F(PublisherTest, ReSignsOnceHalfTheLifetimeHasPassed) {
  IssueThree();
  CatchUp();
  auto first = publisher_->Full("1", PublishedForm::kJwt).value();
  clock_.Advance(kDay / 2 * kMicrosPerSecond - 1);
  EXPECT_EQ(publisher_->Full("1", PublishedForm::kJwt).value(), first);
  clock_.Advance(1);
  auto second = publisher_->Full("1", PublishedForm::kJwt).value();
  EXPECT_NE(second->etag, first->etag);
  EXPECT_EQ(second->iat, first->iat + kDay / 2);
}

TEST_F(PublisherTest, DeltasTakeAnOldCompactListToTheCurrentOne) {
  IssueThree();
  Append(CardSuspended{Change("4000000000011")});
  CatchUp();
  sl::Verifier verifier = Verifier();
  auto old_bytes = publisher_->Full("1", PublishedForm::kCompact).value();
  sl::LoadedList held = verifier.Load(old_bytes->body, clock_.Now()).value();
  ASSERT_EQ(held.version(), 2u);

  Append(CardReinstated{Change("4000000000011")});
  Append(CardRevoked{Change("4000000000022")});
  Append(CardSuspended{Change("4000000000033")});
  CatchUp();
  auto delta = publisher_->Since("1", 2).value();
  EXPECT_EQ(delta->form, PublishedForm::kDelta);
  EXPECT_EQ(delta->content_type, "application/vnd.cityid.status-delta+bin");
  ASSERT_TRUE(verifier.ApplyDelta(delta->body, clock_.Now(), &held).ok());
  auto fresh = publisher_->Full("1", PublishedForm::kCompact).value();
  EXPECT_TRUE(held.list().statuses ==
              verifier.Load(fresh->body, clock_.Now())->list().statuses);
  EXPECT_EQ(held.version(), 5u);
}

TEST_F(PublisherTest, SinceTheCurrentOrAnUnknownVersionGivesTheFullList) {
  IssueThree();
  Append(CardRevoked{Change("4000000000011")});
  CatchUp();
  EXPECT_EQ(publisher_->Since("1", 2).value()->form, PublishedForm::kCompact);
  EXPECT_EQ(publisher_->Since("1", 0).value()->form, PublishedForm::kCompact);
  EXPECT_EQ(publisher_->Since("1", 99).value()->form, PublishedForm::kCompact);
  EXPECT_EQ(publisher_->Since("1", 1).value()->form, PublishedForm::kDelta);
  EXPECT_EQ(publisher_->Since("9", 1).status().code(), Code::kNotFound);
  EXPECT_EQ(publisher_->Full("9", PublishedForm::kJwt).status().code(),
            Code::kNotFound);
}

TEST_F(PublisherTest, ListsSignedBeforeARotationStillVerify) {
  const auto dir = TestDir("rotation");
  const std::string file = (dir / "statuslist.pem").string();
  auto keys = RevocationKeys::Open(file).value();
  auto publisher =
      StatusListPublisher::Create(revocations_.get(), keys.get(), &clock_,
                                  {.lifetime_seconds = kDay})
          .value();
  IssueThree();
  CatchUp();
  auto before = publisher->Full("1", PublishedForm::kJwt).value();
  ASSERT_TRUE(RotateSigningKey(file, clock_.Now()).ok());
  clock_.Advance(RevocationKeys::kReloadInterval);
  auto after = publisher->Full("1", PublishedForm::kJwt).value();
  EXPECT_NE(after->kid, before->kid);  // the cache follows the key
  sl::Verifier verifier =
      sl::Verifier::FromJwksJson(publisher->JwksJson()).value();
  EXPECT_TRUE(verifier.Load(before->body, clock_.Now()).ok());
  EXPECT_TRUE(verifier.Load(after->body, clock_.Now()).ok());
  publisher.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cityid
