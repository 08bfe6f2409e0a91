#include "ledger/ledger_impl.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <future>
#include <iterator>
#include <set>
#include <thread>

#include "ledger/ids.h"
#include "ledger/ledger_fixture.h"
#include "schemas/event_codec.h"

namespace cityid {
namespace {

using testing_util::Ctx;
using testing_util::LedgerTest;
using testing_util::MakeEnroll;

TEST_F(LedgerTest, EnrollsIssuesAndReadsBack) {
  auto enrolled = ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx());
  ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  EXPECT_TRUE(IsValidResidentId(enrolled->resident_id));
  EXPECT_EQ(enrolled->seq, 1u);
  EXPECT_EQ(enrolled->version, 1u);

  CardView card = Issue(enrolled->resident_id, "youth");
  EXPECT_TRUE(IsValidCardId(card.card_id));
  EXPECT_EQ(card.status, CardStatus::kActive);
  EXPECT_EQ(card.status_list, "1");
  EXPECT_EQ(card.expires_at - card.issued_at, 2 * 365 * kMicrosPerDay);
  EXPECT_EQ(card.version, 2u);

  auto got = ledger_->GetCard(card.card_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status_index, card.status_index);
  auto state = ledger_->GetResidentState(enrolled->resident_id);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->card_ids, std::vector<std::string>{card.card_id});
  EXPECT_TRUE(state->pii.empty());
  EXPECT_EQ(ledger_->GetCard("0000000000000").status().code(), Code::kNotFound);
  EXPECT_EQ(ledger_->GetResidentState("r_nobody").status().code(),
            Code::kNotFound);

  auto read = ledger_->Execute(
      ReadResidentCommand{enrolled->resident_id, "card pickup"}, Ctx());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->resident.has_value());
  EXPECT_EQ(read->resident->pii.at("given_name"), "Ana");
  EXPECT_EQ(read->resident->pii.at("date_of_birth"), "1990-04-01");
  EXPECT_EQ(read->seq, 3u);
  EXPECT_EQ(read->version, 1u);  // pii.accessed changes no aggregate

  std::vector<Event> events = AllEvents();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].type(), "pii.accessed");
  EXPECT_EQ(std::get<PiiAccessed>(events[2].payload).purpose, "card pickup");
  EXPECT_EQ(events[2].actor, "tok_clerk");
  EXPECT_EQ(events[0].office, "downtown");
  EXPECT_EQ(std::get<ResidentEnrolled>(events[0].payload).pii_digest.size(),
            32u);
  EXPECT_EQ(ledger_->LastSeq(), 3u);
}

TEST_F(LedgerTest, DuplicateEnrollmentIsCaughtAcrossCaseSpacingAndDiacritics) {
  std::string first = Enroll("José", "Pérez");
  auto dup = ledger_->Execute(MakeEnroll("  jose ", "PEREZ"), Ctx());
  ASSERT_EQ(dup.status().code(), Code::kConflict);
  EXPECT_NE(dup.status().message().find("resident " + first),
            std::string::npos);
  // Another date of birth is another person.
  EXPECT_TRUE(
      ledger_->Execute(MakeEnroll("Jose", "Perez", "1991-04-01"), Ctx()).ok());
  EXPECT_EQ(ledger_->LastSeq(), 2u);
}

TEST_F(LedgerTest, RefusedCommandAppendsNothing) {
  EnrollCommand bad = MakeEnroll("Ana", "Diaz");
  bad.pii["address"] = "1 Main St";
  EXPECT_EQ(ledger_->Execute(bad, Ctx()).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ledger_->Execute(IssueCardCommand{"r_nobody", "standard"}, Ctx())
                .status()
                .code(),
            Code::kNotFound);
  EXPECT_EQ(ledger_->LastSeq(), 0u);
  auto ok = ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->seq, 1u);  // the refusals took no seq
}

TEST_F(LedgerTest, IdempotentRetryReplaysWithoutNewEvent) {
  auto first =
      ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx("key-1", "hash-a"));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->replayed);
  auto again =
      ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx("key-1", "hash-a"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->resident_id, first->resident_id);
  EXPECT_EQ(again->seq, first->seq);
  EXPECT_EQ(ledger_->LastSeq(), 1u);

  auto other = ledger_->Execute(MakeEnroll("Bo", "Li"), Ctx("key-1", "hash-b"));
  EXPECT_EQ(other.status().code(), Code::kIdempotencyMismatch);
  // Keys are per actor.
  CommandContext ctx = Ctx("key-1", "hash-b");
  ctx.actor = "tok_other";
  EXPECT_TRUE(ledger_->Execute(MakeEnroll("Bo", "Li"), ctx).ok());
  EXPECT_EQ(ledger_->LastSeq(), 2u);
}

TEST_F(LedgerTest, IdempotentIssueReplaysTheSameCard) {
  std::string rid = Enroll();
  auto first =
      ledger_->Execute(IssueCardCommand{rid, "standard"}, Ctx("k", "h"));
  auto again =
      ledger_->Execute(IssueCardCommand{rid, "standard"}, Ctx("k", "h"));
  ASSERT_TRUE(first.ok() && again.ok());
  ASSERT_TRUE(again->card.has_value());
  EXPECT_EQ(again->card->card_id, first->card->card_id);
  EXPECT_EQ(again->card->status_index, first->card->status_index);
  EXPECT_TRUE(again->replayed);
}

TEST_F(LedgerTest, IfMatchGuardsResidentAndCard) {
  std::string rid = Enroll();
  CardView card = Issue(rid);
  CommandContext stale = Ctx();
  stale.if_match = 1;  // the card's version is 2
  EXPECT_EQ(ledger_
                ->Execute(CardActionCommand{card.card_id, CardAction::kSuspend,
                                            "lost"},
                          stale)
                .status()
                .code(),
            Code::kPreconditionFailed);
  CommandContext fresh = Ctx();
  fresh.if_match = card.version;
  auto suspended = ledger_->Execute(
      CardActionCommand{card.card_id, CardAction::kSuspend, "lost"}, fresh);
  ASSERT_TRUE(suspended.ok());
  EXPECT_EQ(suspended->card->status, CardStatus::kSuspended);
  EXPECT_EQ(suspended->version, 3u);

  UpdateResidentCommand update{rid, std::nullopt,
                               Attributes{"south", "40-49", "en"}};
  EXPECT_EQ(ledger_->Execute(update, stale).status().code(),
            Code::kOk);  // resident v1
  EXPECT_EQ(ledger_->Execute(update, stale).status().code(),
            Code::kPreconditionFailed);
}

TEST_F(LedgerTest, CardLifecycleThroughTheLedger) {
  std::string rid = Enroll();
  CardView card = Issue(rid);
  EXPECT_EQ(
      ledger_->Execute(IssueCardCommand{rid, "senior"}, Ctx()).status().code(),
      Code::kConflict);
  auto replaced =
      ledger_->Execute(ReplaceCardCommand{card.card_id, "stolen"}, Ctx());
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_NE(replaced->card->card_id, card.card_id);
  EXPECT_EQ(ledger_->GetCard(card.card_id)->status, CardStatus::kRevoked);
  EXPECT_EQ(ledger_->GetCard(replaced->card->card_id)->status,
            CardStatus::kActive);

  // Expiry is computed with the clock; renewal within grace restarts it.
  clock_.Set(replaced->card->expires_at + 10 * kMicrosPerDay);
  EXPECT_EQ(ledger_->GetCard(replaced->card->card_id)->status,
            CardStatus::kExpired);
  auto renewed = ledger_->Execute(
      CardActionCommand{replaced->card->card_id, CardAction::kRenew, ""},
      Ctx());
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_EQ(renewed->card->expires_at, clock_.Now() + 5 * 365 * kMicrosPerDay);
  EXPECT_EQ(renewed->card->status, CardStatus::kActive);

  auto erased = ledger_->Execute(EraseResidentCommand{rid, "request"}, Ctx());
  ASSERT_TRUE(erased.ok());
  EXPECT_EQ(ledger_->GetCard(replaced->card->card_id)->status,
            CardStatus::kRevoked);
  EXPECT_EQ(ledger_->Execute(ReadResidentCommand{rid, "check"}, Ctx())
                .status()
                .code(),
            Code::kGone);
  std::vector<Event> events = AllEvents();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2].type(), "card.revoked");
  EXPECT_EQ(events.back().type(), "resident.erased");
  EXPECT_EQ(erased->seq, events.back().seq);
}

TEST_F(LedgerTest, ConcurrentSubmittersGetGapFreeSeqsAndOneCallbackEach) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  std::mutex mu;
  std::vector<uint64_t> seqs;
  std::atomic<int> callbacks{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::promise<void>> dones(kPerThread);
      for (int i = 0; i < kPerThread; ++i) {
        ledger_->Submit(MakeEnroll("Name" + std::to_string(t),
                                   "Family" + std::to_string(i)),
                        Ctx(), [&, i](Result<CommandResult> r) {
                          callbacks.fetch_add(1);
                          if (r.ok()) {
                            std::lock_guard<std::mutex> lock(mu);
                            seqs.push_back(r->seq);
                          } else {
                            failures.fetch_add(1);
                          }
                          dones[i].set_value();  // throws if called twice
                        });
      }
      for (auto& d : dones) d.get_future().wait();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(callbacks.load(), kThreads * kPerThread);
  EXPECT_EQ(failures.load(), 0);
  std::sort(seqs.begin(), seqs.end());
  for (size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], i + 1);
  EXPECT_EQ(ledger_->LastSeq(), uint64_t{kThreads * kPerThread});
  std::vector<Event> events = AllEvents();
  ASSERT_EQ(events.size(), size_t{kThreads * kPerThread});
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].seq, i + 1);
}

TEST_F(LedgerTest, LaterCommandsInABatchSeeEarlierOnes) {
  // Submitted back to back, these usually share one group commit.
  std::promise<std::string> rid_promise;
  std::vector<std::promise<Result<CommandResult>>> results(3);
  ledger_->Submit(
      MakeEnroll("Ana", "Diaz"), Ctx(),
      [&](Result<CommandResult> r) { results[0].set_value(std::move(r)); });
  ledger_->Submit(
      MakeEnroll("ANA", "díaz"), Ctx(),
      [&](Result<CommandResult> r) { results[1].set_value(std::move(r)); });
  ledger_->Submit(
      MakeEnroll("Ana", "Diaz", "2001-01-01"), Ctx(),
      [&](Result<CommandResult> r) { results[2].set_value(std::move(r)); });
  auto a = results[0].get_future().get();
  auto b = results[1].get_future().get();
  auto c = results[2].get_future().get();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(b.status().code(), Code::kConflict);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->seq, a->seq + 1);
}

TEST_F(LedgerTest, StatusIndicesAreDistinctAndNotMonotonic) {
  constexpr int kCards = 1000;
  std::vector<Command> enrolls;
  for (int i = 0; i < kCards; ++i) {
    enrolls.push_back(MakeEnroll("Given" + std::to_string(i), "Family"));
  }
  std::vector<Command> issues;
  for (auto& r : SubmitAll(enrolls)) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    issues.push_back(IssueCardCommand{r->resident_id, "standard"});
  }
  std::vector<uint32_t> order;
  std::set<std::pair<std::string, uint32_t>> slots;
  for (auto& r : SubmitAll(issues)) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(IsValidCardId(r->card->card_id));
    order.push_back(r->card->status_index);
    slots.emplace(r->card->status_list, r->card->status_index);
  }
  EXPECT_EQ(slots.size(), size_t{kCards});
  int ascending = 0;
  for (size_t i = 1; i < order.size(); ++i)
    ascending += order[i] > order[i - 1];
  EXPECT_GT(ascending, 400);  // random: about half; issuance order: all
  EXPECT_LT(ascending, 600);
}

TEST_F(LedgerTest, WaitForEventsWakesOnAppend) {
  std::promise<uint64_t> woke;
  auto start = std::chrono::steady_clock::now();
  ledger_->WaitForEvents(0, 10 * kMicrosPerSecond,
                         [&] { woke.set_value(ledger_->LastSeq()); });
  Enroll();
  auto f = woke.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(f.get(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(LedgerTest, WaitForEventsTimesOutWithoutAppend) {
  Enroll();
  std::promise<void> woke;
  auto start = std::chrono::steady_clock::now();
  ledger_->WaitForEvents(1, 200'000, [&] { woke.set_value(); });
  auto f = woke.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(190));
  EXPECT_EQ(ledger_->LastSeq(), 1u);
  // Already past the mark: runs at once.
  bool ran = false;
  ledger_->WaitForEvents(0, 10 * kMicrosPerSecond, [&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST_F(LedgerTest, SubmitAfterCloseIsUnavailable) {
  ledger_->Close();
  EXPECT_EQ(ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx()).status().code(),
            Code::kUnavailable);
  EXPECT_EQ(ledger_->Ready().code(), Code::kUnavailable);
  EXPECT_EQ(ledger_->ReadEvents(0, 10).status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace cityid

namespace cityid {
namespace {

using testing_util::Ctx;
using testing_util::LedgerTest;

TEST_F(LedgerTest, ErasuresReachTheHookBeforeTheyAreAnswered) {
  std::vector<std::string> journaled;
  std::atomic<bool> answered{false};
  options_.on_erased = [&](const std::vector<std::string>& ids) {
    EXPECT_FALSE(answered.load()) << "the erase was answered first";
    journaled.insert(journaled.end(), ids.begin(), ids.end());
    return Status::Ok();
  };
  Reopen();
  const std::string rid = Enroll();
  Enroll("Bea", "Ruiz");
  EXPECT_TRUE(journaled.empty()) << "enrollments are not erasures";
  std::promise<Result<CommandResult>> done;
  ledger_->Submit(EraseResidentCommand{rid, "request"}, Ctx(),
                  [&](Result<CommandResult> r) {
                    answered = true;
                    done.set_value(std::move(r));
                  });
  auto erased = done.get_future().get();
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ(journaled, std::vector<std::string>{rid});
}

TEST_F(LedgerTest, AFailedErasureHookAnswersUnavailableButTheEraseHolds) {
  options_.on_erased = [](const std::vector<std::string>&) {
    return Unavailable("journal disk gone");
  };
  Reopen();
  const std::string rid = Enroll();
  auto erased = ledger_->Execute(EraseResidentCommand{rid, "request"}, Ctx());
  EXPECT_EQ(erased.status().code(), Code::kUnavailable);
  EXPECT_EQ(ledger_->Execute(ReadResidentCommand{rid, "check"}, Ctx())
                .status()
                .code(),
            Code::kGone);
  EXPECT_EQ(AllEvents().back().type(), "resident.erased");
}

}  // namespace
}  // namespace cityid
