#include "projections/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "projections/projection_runner.h"
#include "stream/memory_event_source.h"
#include "stream/sample_history.h"

namespace cityid {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr Micros kT = kSampleT0;
constexpr Micros kYear = 365 * kMicrosPerDay;
const Attributes kNorth{"north", "25-34", "es"};
const Attributes kSouth{"south", "35-44", "en"};

CardStatusChange Change(const std::string& card, const char* reason) {
  return CardStatusChange{card, "r_1", reason};
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("registry_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    runner_.reset();
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Open(ProjectionRunnerOptions options = {}) {
    runner_.reset();
    registry_.reset();
    store_.reset();
    auto store = ProjectionStore::Open(dir_.string(), Registry::kName,
                                       ProjectionStoreOptions{.sync = false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    registry_ = std::make_unique<Registry>(store_.get(), &clock_);
    options.wait = 0;
    runner_ = std::make_unique<ProjectionRunner>(store_.get(), registry_.get(),
                                                 &source_, options);
  }

  // Applies everything appended so far; fails the test on an error.
  void CatchUp() {
    while (true) {
      Result<size_t> n = runner_->RunOnce();
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      if (*n == 0) return;
    }
  }

  RegistryCard Card(const std::string& id) {
    auto card = registry_->GetCard(id);
    EXPECT_TRUE(card.ok()) << card.status().ToString();
    return card.ok() ? *card : RegistryCard{};
  }
  RegistryResident Resident(const std::string& id) {
    auto r = registry_->GetResident(id);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : RegistryResident{};
  }

  void EnrollAndIssue() {
    source_.Append(ResidentEnrolled{"r_1", std::string(32, 'd'), kNorth, {}});
    source_.Append(
        CardIssued{"c1", "r_1", "standard", kT, kT + 5 * kYear, "1", 4242});
  }

  std::filesystem::path dir_;
  FakeClock clock_{kT + kMicrosPerDay};
  MemoryEventSource source_;
  std::unique_ptr<ProjectionStore> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<ProjectionRunner> runner_;
};

TEST_F(RegistryTest, EnrollCreatesResidentWithAttributesAndNoCards) {
  source_.Append(
      ResidentEnrolled{"r_1", std::string(32, 'd'), kNorth, {"passport"}});
  CatchUp();
  RegistryResident r = Resident("r_1");
  EXPECT_EQ(r.resident_id, "r_1");
  EXPECT_EQ(r.attributes, kNorth);
  EXPECT_THAT(r.card_ids, IsEmpty());
  EXPECT_FALSE(r.erased);
  EXPECT_EQ(r.version, 1u);
  EXPECT_EQ(store_->position(), 1u);
}

TEST_F(RegistryTest, UpdateReplacesAttributesAndBumpsVersion) {
  source_.Append(ResidentEnrolled{"r_1", std::string(32, 'd'), kNorth, {}});
  source_.Append(ResidentUpdated{"r_1", std::string(32, 'e'), true, kSouth});
  source_.Append(ResidentUpdated{"r_1", std::string(32, 'f'), false, {}});
  CatchUp();
  RegistryResident r = Resident("r_1");
  EXPECT_EQ(r.attributes, kSouth);  // the PII-only update keeps them
  EXPECT_EQ(r.version, 3u);
}

TEST_F(RegistryTest, IssueCreatesActiveCardListedOnResident) {
  EnrollAndIssue();
  CatchUp();
  RegistryCard c = Card("c1");
  EXPECT_EQ(c.resident_id, "r_1");
  EXPECT_EQ(c.card_type, "standard");
  EXPECT_EQ(c.status, CardStatus::kActive);
  EXPECT_EQ(c.issued_at, kT);
  EXPECT_EQ(c.expires_at, kT + 5 * kYear);
  EXPECT_EQ(c.status_list, "1");
  EXPECT_EQ(c.status_index, 4242u);
  EXPECT_EQ(c.version, 2u);
  RegistryResident r = Resident("r_1");
  EXPECT_THAT(r.card_ids, ElementsAre("c1"));
  EXPECT_EQ(r.version, 1u);  // issuing changes the card, not the resident
}

TEST_F(RegistryTest, RenewMovesExpiry) {
  EnrollAndIssue();
  source_.Append(CardRenewed{"c1", "r_1", kT + 9 * kYear});
  CatchUp();
  EXPECT_EQ(Card("c1").expires_at, kT + 9 * kYear);
  EXPECT_EQ(Card("c1").version, 3u);
}

TEST_F(RegistryTest, SuspendThenReinstateRestoresActive) {
  EnrollAndIssue();
  source_.Append(CardSuspended{Change("c1", "fraud_review")});
  CatchUp();
  EXPECT_EQ(Card("c1").status, CardStatus::kSuspended);
  source_.Append(CardReinstated{Change("c1", "cleared")});
  CatchUp();
  EXPECT_EQ(Card("c1").status, CardStatus::kActive);
  EXPECT_EQ(Card("c1").version, 4u);
}

TEST_F(RegistryTest, RevokeMarksCardRevoked) {
  EnrollAndIssue();
  source_.Append(CardRevoked{Change("c1", "fraud")});
  CatchUp();
  EXPECT_EQ(Card("c1").status, CardStatus::kRevoked);
}

TEST_F(RegistryTest, ReplaceRevokesOldCardAndCreatesNewActiveOne) {
  EnrollAndIssue();
  source_.Append(CardReplaced{"c1", "c2", "r_1", "lost", "standard", kT,
                              kT + 5 * kYear, "1", 77});
  CatchUp();
  RegistryCard old_card = Card("c1");
  EXPECT_EQ(old_card.status, CardStatus::kRevoked);
  EXPECT_EQ(old_card.version, 3u);
  RegistryCard new_card = Card("c2");
  EXPECT_EQ(new_card.status, CardStatus::kActive);
  EXPECT_EQ(new_card.status_index, 77u);
  EXPECT_EQ(new_card.version, 3u);
  EXPECT_THAT(Resident("r_1").card_ids, ElementsAre("c1", "c2"));
}

TEST_F(RegistryTest, EraseMarksResidentErasedAndRevokesLiveCards) {
  EnrollAndIssue();
  source_.Append(CardSuspended{Change("c1", "fraud_review")});
  source_.Append(ResidentErased{"r_1", "request"});
  CatchUp();
  RegistryResident r = Resident("r_1");
  EXPECT_TRUE(r.erased);
  EXPECT_EQ(r.attributes, Attributes{});
  EXPECT_THAT(r.card_ids, ElementsAre("c1"));
  EXPECT_EQ(r.version, 4u);
  EXPECT_EQ(Card("c1").status, CardStatus::kRevoked);
}

TEST_F(RegistryTest, PiiAccessedChangesNothingButPosition) {
  EnrollAndIssue();
  CatchUp();
  std::string before = registry_->Dump().value();
  source_.Append(PiiAccessed{"r_1", "tok_clerk", "pickup"});
  CatchUp();
  std::string after = registry_->Dump().value();
  EXPECT_EQ(store_->position(), 3u);
  EXPECT_EQ(before.substr(before.find('\n')), after.substr(after.find('\n')));
}

TEST_F(RegistryTest, ActiveCardPastExpiryReadsExpired) {
  EnrollAndIssue();
  CatchUp();
  clock_.Set(kT + 5 * kYear);
  RegistryCard c = Card("c1");
  EXPECT_EQ(c.status, CardStatus::kExpired);
  EXPECT_EQ(c.stored_status, CardStatus::kActive);
}

TEST_F(RegistryTest, SuspendedCardPastExpiryStaysSuspended) {
  EnrollAndIssue();
  source_.Append(CardSuspended{Change("c1", "fraud_review")});
  CatchUp();
  clock_.Set(kT + 6 * kYear);
  EXPECT_EQ(Card("c1").status, CardStatus::kSuspended);
}

TEST_F(RegistryTest, UnknownIdsAreNotFound) {
  EXPECT_EQ(registry_->GetCard("nope").status().code(), Code::kNotFound);
  EXPECT_EQ(registry_->GetResident("nope").status().code(), Code::kNotFound);
}

TEST_F(RegistryTest, RefusesCardEventForUnknownCardAndCommitsNothing) {
  EnrollAndIssue();
  source_.Append(CardRenewed{"c9", "r_1", kT + 9 * kYear});
  Result<size_t> n = runner_->RunOnce();
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Code::kCorruption);
  EXPECT_THAT(n.status().message(), HasSubstr("unknown card c9"));
  // The whole batch (enroll and issue too) was not committed.
  EXPECT_EQ(store_->position(), 0u);
  EXPECT_EQ(registry_->GetCard("c1").status().code(), Code::kNotFound);
}

TEST_F(RegistryTest, RefusesSecondEnrollmentOfSameResident) {
  source_.Append(ResidentEnrolled{"r_1", std::string(32, 'd'), kNorth, {}});
  source_.Append(ResidentEnrolled{"r_1", std::string(32, 'd'), kSouth, {}});
  EXPECT_EQ(runner_->RunOnce().status().code(), Code::kCorruption);
}

TEST_F(RegistryTest, SeesItsOwnEarlierChangesWithinOneBatch) {
  EnrollAndIssue();
  source_.Append(CardRenewed{"c1", "r_1", kT + 9 * kYear});
  source_.Append(CardSuspended{Change("c1", "fraud_review")});
  Result<size_t> n = runner_->RunOnce();
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 4u);  // one fetch, one batch, one commit
  RegistryCard c = Card("c1");
  EXPECT_EQ(c.expires_at, kT + 9 * kYear);
  EXPECT_EQ(c.status, CardStatus::kSuspended);
}

TEST_F(RegistryTest, FingerprintDoesNotDependOnBatchSize) {
  AppendSampleHistory(source_, 0, 60);
  CatchUp();
  const std::string one_pass = registry_->Fingerprint().value();
  const uint64_t end = store_->position();

  std::filesystem::remove_all(dir_);
  Open(ProjectionRunnerOptions{.batch_limit = 7});
  CatchUp();
  EXPECT_EQ(store_->position(), end);
  EXPECT_EQ(registry_->Fingerprint().value(), one_pass);
}

TEST_F(RegistryTest, SampleHistoryExercisesEveryEventType) {
  AppendSampleHistory(source_, 0, 60);
  std::set<std::string> types;
  for (const StoredEvent& e : source_.events()) {
    types.insert(std::string(DecodeEvent(e.bytes)->type()));
  }
  EXPECT_EQ(types.size(), AllEventTypes().size());
  CatchUp();  // and the registry accepts all of it
  EXPECT_EQ(store_->position(), source_.events().back().seq);
}

}  // namespace
}  // namespace cityid
