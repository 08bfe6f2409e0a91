#include "projections/revocations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "projections/projection_runner.h"
#include "stream/memory_event_source.h"
#include "stream/sample_history.h"

namespace cityid {
namespace {

using statuslist::EntryStatus;
using statuslist::StatusArray;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr Micros kT = kSampleT0;
constexpr Micros kYear = 365 * kMicrosPerDay;

CardStatusChange Change(const std::string& card) {
  return CardStatusChange{card, "r_1", "reason"};
}
CardIssued Issue(const std::string& card, uint32_t index,
                 const std::string& list = "1") {
  return CardIssued{card, "r_1", "standard", kT, kT + 5 * kYear, list, index};
}

class RevocationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("revocations_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    runner_.reset();
    revocations_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Open(RevocationsOptions options = {},
            ProjectionRunnerOptions runner_options = {}) {
    runner_.reset();
    revocations_.reset();
    store_.reset();
    auto store = ProjectionStore::Open(dir_.string(), Revocations::kName,
                                       ProjectionStoreOptions{.sync = false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto revocations = Revocations::Create(store_.get(), options);
    ASSERT_TRUE(revocations.ok()) << revocations.status().ToString();
    revocations_ = std::move(revocations).value();
    runner_options.wait = 0;
    runner_ = std::make_unique<ProjectionRunner>(
        store_.get(), revocations_.get(), &source_, runner_options);
  }

  void CatchUp() {
    while (true) {
      Result<size_t> n = runner_->RunOnce();
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      if (*n == 0) return;
    }
  }

  ListSnapshot List(const std::string& id = "1") {
    Result<ListSnapshot> list = revocations_->ReadList(id);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? std::move(*list) : ListSnapshot{};
  }
  uint8_t Entry(uint32_t index, const std::string& id = "1") {
    return List(id).statuses.Get(index);
  }

  // Applies the next event and expects the runner to refuse it.
  void ExpectRefused(const std::string& why) {
    const uint64_t before = store_->position();
    Result<size_t> n = runner_->RunOnce();
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.status().code(), Code::kCorruption);
    EXPECT_THAT(n.status().message(), HasSubstr(why));
    EXPECT_EQ(store_->position(), before);
  }

  std::filesystem::path dir_;
  MemoryEventSource source_;
  std::unique_ptr<ProjectionStore> store_;
  std::unique_ptr<Revocations> revocations_;
  std::unique_ptr<ProjectionRunner> runner_;
};

TEST_F(RevocationsTest, IssueGivesSlotAndOpensAnAllValidList) {
  source_.Append(Issue("c1", 4242));
  CatchUp();
  EXPECT_EQ(revocations_->GetCardSlot("c1").value(), (CardSlot{"1", 4242}));
  ListSnapshot list = List();
  EXPECT_EQ(list.list_id, "1");
  EXPECT_EQ(list.list_number, 1u);
  EXPECT_EQ(list.version, 1u);
  EXPECT_EQ(list.statuses.size(), kMinStatusListSize);
  EXPECT_EQ(list.statuses.CountOf(0), kMinStatusListSize);
  EXPECT_THAT(revocations_->ListIds().value(), ElementsAre("1"));
}

TEST_F(RevocationsTest, RevokeSuspendReinstateSetTheEntryAndBumpVersions) {
  source_.Append(Issue("c1", 7));
  source_.Append(Issue("c2", 8));
  source_.Append(CardSuspended{Change("c1")});
  CatchUp();
  EXPECT_EQ(Entry(7), 2);
  EXPECT_EQ(List().version, 2u);
  source_.Append(CardReinstated{Change("c1")});
  CatchUp();
  EXPECT_EQ(Entry(7), 0);
  EXPECT_EQ(List().version, 3u);
  source_.Append(CardRevoked{Change("c2")});
  CatchUp();
  EXPECT_EQ(Entry(8), 1);
  EXPECT_EQ(Entry(7), 0);
  EXPECT_EQ(List().version, 4u);
}

TEST_F(RevocationsTest, ReplaceRevokesOldEntryAndGivesNewCardAValidSlot) {
  source_.Append(Issue("c1", 100));
  source_.Append(CardSuspended{Change("c1")});
  source_.Append(CardReplaced{"c1", "c2", "r_1", "stolen", "standard", kT,
                              kT + 5 * kYear, "2", 200});
  CatchUp();
  EXPECT_EQ(Entry(100, "1"), 1);
  EXPECT_EQ(revocations_->GetCardSlot("c2").value(), (CardSlot{"2", 200}));
  EXPECT_EQ(Entry(200, "2"), 0);
  EXPECT_EQ(List("2").version, 1u);  // a new list, nothing changed in it
  EXPECT_EQ(List("1").version, 3u);
}

TEST_F(RevocationsTest, ErasureRevokesThroughTheLedgersCardRevokedEvents) {
  source_.Append(ResidentEnrolled{"r_1", std::string(32, 'd'), {}, {}});
  source_.Append(Issue("c1", 5));
  source_.Append(CardRevoked{CardStatusChange{"c1", "r_1", "erased"}});
  source_.Append(ResidentErased{"r_1", "request"});
  CatchUp();
  EXPECT_EQ(Entry(5), 1);
}

TEST_F(RevocationsTest, IssuanceRenewalAndOtherEventsChangeNoVersion) {
  source_.Append(Issue("c1", 1));
  CatchUp();
  source_.Append(ResidentEnrolled{"r_2", std::string(32, 'd'), {}, {}});
  source_.Append(Issue("c2", 2));
  source_.Append(CardRenewed{"c1", "r_1", kT + 9 * kYear});
  source_.Append(PiiAccessed{"r_1", "tok", "pickup"});
  source_.Append(CardReinstated{Change("c1")});  // already valid: no change
  CatchUp();
  EXPECT_EQ(List().version, 1u);
  EXPECT_EQ(List().statuses.CountOf(0), kMinStatusListSize);
}

TEST_F(RevocationsTest, RefusesCardEventsForUnknownCards) {
  source_.Append(CardRevoked{Change("nope")});
  ExpectRefused("unknown card nope");
}

TEST_F(RevocationsTest, RefusesIndexOutsideTheList) {
  source_.Append(Issue("c1", kMinStatusListSize));
  ExpectRefused("outside list 1");
}

TEST_F(RevocationsTest, RefusesNonNumericListIds) {
  source_.Append(Issue("c1", 1, "abc"));
  ExpectRefused("not a number");
}

TEST_F(RevocationsTest, RefusesACardCreatedTwice) {
  source_.Append(Issue("c1", 9));
  source_.Append(Issue("c1", 10));
  ExpectRefused("card c1 created twice");
}

TEST_F(RevocationsTest, RefusesAReusedSlot) {
  source_.Append(Issue("c1", 9));
  source_.Append(CardRevoked{Change("c1")});
  CatchUp();
  source_.Append(Issue("c2", 9));
  ExpectRefused("reused slot");
  Open();  // a fresh runner over the same store, same (bad) history
  EXPECT_EQ(revocations_->GetCardSlot("c2").status().code(), Code::kNotFound);
}

TEST_F(RevocationsTest, RefusesChangingARevokedCard) {
  source_.Append(Issue("c1", 9));
  source_.Append(CardRevoked{Change("c1")});
  source_.Append(CardSuspended{Change("c1")});
  ExpectRefused("revoked (final)");
}

TEST_F(RevocationsTest, RefusesListsSmallerThanTheHerdPrivacyMinimum) {
  EXPECT_EQ(
      Revocations::Create(store_.get(), {.list_size = 4096}).status().code(),
      Code::kInvalidArgument);
  EXPECT_TRUE(Revocations::Create(store_.get(), {.list_size = 1u << 20}).ok());
}

TEST_F(RevocationsTest, UnknownListsAndCardsAreNotFound) {
  EXPECT_EQ(revocations_->ReadList("1").status().code(), Code::kNotFound);
  EXPECT_EQ(revocations_->ListVersion("x").status().code(), Code::kNotFound);
  EXPECT_EQ(revocations_->ChangesSince("1", 1).status().code(),
            Code::kNotFound);
  EXPECT_EQ(revocations_->GetCardSlot("c").status().code(), Code::kNotFound);
}

TEST_F(RevocationsTest, ChangesSinceGivesTheNetChangePerEntry) {
  source_.Append(Issue("a", 10));
  source_.Append(Issue("b", 20));
  source_.Append(Issue("c", 30));
  source_.Append(CardSuspended{Change("a")});  // v2
  CatchUp();
  source_.Append(CardReinstated{Change("a")});  // v3: a back to valid
  source_.Append(CardSuspended{Change("b")});   // v4
  source_.Append(CardRevoked{Change("b")});     // v5
  source_.Append(CardSuspended{Change("c")});   // v6
  CatchUp();
  std::optional<ListChanges> d = revocations_->ChangesSince("1", 2).value();
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->from_version, 2u);
  EXPECT_EQ(d->to_version, 6u);
  EXPECT_THAT(d->became_valid, ElementsAre(10));
  EXPECT_THAT(d->became_revoked, ElementsAre(20));
  EXPECT_THAT(d->became_suspended, ElementsAre(30));
  d = revocations_->ChangesSince("1", 1).value();
  EXPECT_THAT(d->became_valid, IsEmpty());  // a: valid at v1 and at v6
  EXPECT_FALSE(revocations_->ChangesSince("1", 6).value().has_value());
  EXPECT_FALSE(revocations_->ChangesSince("1", 0).value().has_value());
}

TEST_F(RevocationsTest, DeltasOlderThanTheKeptHistoryAreNotOffered) {
  Open({.delta_history = 3});
  for (uint32_t i = 0; i < 6; ++i)
    source_.Append(Issue("c" + std::to_string(i), i));
  for (uint32_t i = 0; i < 6; ++i)
    source_.Append(CardRevoked{Change("c" + std::to_string(i))});
  CatchUp();
  ASSERT_EQ(List().version, 7u);
  EXPECT_FALSE(revocations_->ChangesSince("1", 3).value().has_value());
  std::optional<ListChanges> d = revocations_->ChangesSince("1", 4).value();
  ASSERT_TRUE(d.has_value());
  EXPECT_THAT(d->became_revoked, ElementsAre(3, 4, 5));
}

// Property: for random histories, the list at version v plus the changes
// since v is exactly the current list, for every v still in the history.
TEST_F(RevocationsTest, AppliedChangesReachTheCurrentListFromEveryVersion) {
  std::mt19937_64 rng(20260101);
  std::vector<std::string> live;
  std::map<uint64_t, StatusArray> by_version;
  uint32_t next_index = 0;
  for (int step = 0; step < 300; ++step) {
    const int op = static_cast<int>(rng() % 4);
    if (op == 0 || live.empty()) {
      const std::string id = "c" + std::to_string(step);
      next_index += 1 + static_cast<uint32_t>(rng() % 400);
      source_.Append(Issue(id, next_index));
      live.push_back(id);
    } else {
      const std::string& id = live[rng() % live.size()];
      if (op == 1) source_.Append(CardSuspended{Change(id)});
      if (op == 2) source_.Append(CardReinstated{Change(id)});
      if (op == 3) {
        source_.Append(CardRevoked{Change(id)});
        live.erase(std::find(live.begin(), live.end(), id));
      }
    }
    CatchUp();
    ListSnapshot now = List();
    by_version[now.version] = now.statuses;
  }
  const ListSnapshot current = List();
  ASSERT_GT(current.version, 100u);
  for (const auto& [version, statuses] : by_version) {
    Result<std::optional<ListChanges>> d =
        revocations_->ChangesSince("1", version);
    ASSERT_TRUE(d.ok());
    if (version == current.version) {
      EXPECT_FALSE(d->has_value());
      continue;
    }
    ASSERT_TRUE(d->has_value()) << version;
    StatusArray rebuilt = statuses;
    for (uint32_t i : (*d)->became_valid) rebuilt.Set(i, EntryStatus::kValid);
    for (uint32_t i : (*d)->became_revoked)
      rebuilt.Set(i, EntryStatus::kRevoked);
    for (uint32_t i : (*d)->became_suspended)
      rebuilt.Set(i, EntryStatus::kSuspended);
    EXPECT_TRUE(rebuilt == current.statuses) << "from version " << version;
  }
}

TEST_F(RevocationsTest, FingerprintDoesNotDependOnBatchSize) {
  AppendSampleHistory(source_, 0, 60);
  CatchUp();
  const std::string one_pass = revocations_->Fingerprint().value();
  const uint64_t end = store_->position();
  std::filesystem::remove_all(dir_);
  Open({}, ProjectionRunnerOptions{.batch_limit = 7});
  CatchUp();
  EXPECT_EQ(store_->position(), end);
  EXPECT_EQ(revocations_->Fingerprint().value(), one_pass);
}

TEST_F(RevocationsTest, SampleHistoryMatchesItsCardStatuses) {
  AppendSampleHistory(source_, 0, 60);
  CatchUp();
  EXPECT_EQ(store_->position(), source_.events().back().seq);
  // Every card's entry is what its own events say; count them.
  ListSnapshot list = List();
  uint32_t revoked = 0, suspended = 0;
  for (int i = 0; i < 60; ++i) {
    for (int gen = 0; gen < 2; ++gen) {
      Result<CardSlot> slot = revocations_->GetCardSlot(SampleCardId(i, gen));
      if (!slot.ok()) continue;
      const uint8_t v = list.statuses.Get(slot->index);
      revoked += v == 1;
      suspended += v == 2;
    }
  }
  EXPECT_EQ(revoked, list.statuses.CountOf(1));
  EXPECT_EQ(suspended, list.statuses.CountOf(2));
  EXPECT_GT(revoked, 0u);
  EXPECT_GT(suspended, 0u);
}

}  // namespace
}  // namespace cityid
