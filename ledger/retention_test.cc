// Retention (ledger/retention.h): erased on time and not before, driven by
// the ledger's clock; a renewal or a new card resets the clock.
#include "ledger/retention.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "ledger/ledger_fixture.h"

namespace cityid {
namespace {

using testing_util::Ctx;
using testing_util::kTestNow;

constexpr int kDays = 30;

class RetentionTest : public testing_util::LedgerTest {
 protected:
  RetentionTest() {
    options_.retention_days = kDays;
    options_.retention_sweep_interval = 0;  // tests sweep by hand
    Reopen();
  }

  std::vector<std::string> Sweep() {
    CommandContext ctx;
    ctx.actor = "system:retention";
    auto r = ledger_->Execute(RetentionSweepCommand{}, ctx);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->erased_residents : std::vector<std::string>{};
  }

  bool Erased(const std::string& rid) {
    auto r = ledger_->GetResidentState(rid);
    EXPECT_TRUE(r.ok());
    return r.ok() && r->erased;
  }

  void At(Micros t) { clock_.Set(t); }
};

TEST(CoverageEndTest, FollowsCardsAndEnrollment) {
  ResidentState r;
  r.enrolled_at = 100;
  EXPECT_EQ(CoverageEnd(r, {}, 999), 100) << "no card: enrollment";
  CardState a, b;
  a.expires_at = 500;
  b.expires_at = 700;
  b.status = CardStatus::kSuspended;
  EXPECT_EQ(CoverageEnd(r, {a, b}, 999), 700) << "latest unrevoked expiry";
  b.status = CardStatus::kRevoked;
  EXPECT_EQ(CoverageEnd(r, {a, b}, 999), 500) << "revoked cards do not count";
  a.status = CardStatus::kRevoked;
  EXPECT_EQ(CoverageEnd(r, {a, b}, 600), 600) << "all revoked: revocation";
  EXPECT_EQ(CoverageEnd(r, {a, b}, 900), 700) << "but not past any expiry";
  EXPECT_FALSE(RetentionDue(0, 0, kTestNow)) << "0 days: off";
  EXPECT_FALSE(RetentionDue(100, 1, 100 + kMicrosPerDay - 1));
  EXPECT_TRUE(RetentionDue(100, 1, 100 + kMicrosPerDay));
}

TEST_F(RetentionTest, ErasesResidentWithoutCardOnDayNNotDayNMinus1) {
  const std::string rid = Enroll();
  At(kTestNow + (kDays - 1) * kMicrosPerDay);
  EXPECT_TRUE(Sweep().empty());
  EXPECT_FALSE(Erased(rid));
  At(kTestNow + kDays * kMicrosPerDay - 1);
  EXPECT_TRUE(Sweep().empty()) << "one microsecond early";
  At(kTestNow + kDays * kMicrosPerDay);
  EXPECT_EQ(Sweep(), std::vector<std::string>{rid});
  EXPECT_TRUE(Erased(rid));
  const Event last = AllEvents().back();
  ASSERT_TRUE(std::holds_alternative<ResidentErased>(last.payload));
  EXPECT_EQ(std::get<ResidentErased>(last.payload).reason, "retention");
  EXPECT_EQ(last.actor, "system:retention");
  auto key = ledger_->TEST_log().Get(Cf::kVaultKeys, rid);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(key->has_value()) << "data key destroyed";
  EXPECT_TRUE(Sweep().empty()) << "erased once";
}

TEST_F(RetentionTest, ExpiredCardStartsTheClockAtExpiryAndIsRevoked) {
  const std::string rid = Enroll();
  const CardView card = Issue(rid, "youth");
  const Micros expiry = card.expires_at;
  At(expiry + (kDays - 1) * kMicrosPerDay);
  EXPECT_TRUE(Sweep().empty());
  At(expiry + kDays * kMicrosPerDay);
  EXPECT_EQ(Sweep(), std::vector<std::string>{rid});
  auto after = ledger_->GetCard(card.card_id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, CardStatus::kRevoked) << "cards revoked by events";
}

TEST_F(RetentionTest, RenewalResetsTheClock) {
  const std::string rid = Enroll();
  const CardView card = Issue(rid, "youth");
  At(card.expires_at + 20 * kMicrosPerDay);  // expired, within grace
  auto renewed = ledger_->Execute(
      CardActionCommand{card.card_id, CardAction::kRenew, ""}, Ctx());
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  At(card.expires_at + 5 * kDays * kMicrosPerDay);
  EXPECT_TRUE(Sweep().empty());
  EXPECT_FALSE(Erased(rid));
  At(renewed->card->expires_at + kDays * kMicrosPerDay);
  EXPECT_EQ(Sweep(), std::vector<std::string>{rid});
}

TEST_F(RetentionTest, NewCardResetsTheClockOfACardlessResident) {
  const std::string rid = Enroll();
  At(kTestNow + (kDays - 1) * kMicrosPerDay);
  Issue(rid);
  At(kTestNow + 3 * kDays * kMicrosPerDay);
  EXPECT_TRUE(Sweep().empty());
}

TEST_F(RetentionTest, RevokedCardStartsTheClockAtRevocation) {
  const std::string rid = Enroll();
  const CardView card = Issue(rid);
  const Micros revoked_at = kTestNow + 10 * kMicrosPerDay;
  At(revoked_at);
  ASSERT_TRUE(ledger_
                  ->Execute(CardActionCommand{card.card_id, CardAction::kRevoke,
                                              "fraud"},
                            Ctx())
                  .ok());
  At(revoked_at + (kDays - 1) * kMicrosPerDay);
  EXPECT_TRUE(Sweep().empty());
  At(revoked_at + kDays * kMicrosPerDay);
  EXPECT_EQ(Sweep(), std::vector<std::string>{rid});
}

TEST_F(RetentionTest, SuspendedCardKeepsItsHolder) {
  const std::string rid = Enroll();
  const CardView card = Issue(rid);
  ASSERT_TRUE(ledger_
                  ->Execute(CardActionCommand{card.card_id,
                                              CardAction::kSuspend, "review"},
                            Ctx())
                  .ok());
  At(kTestNow + 10 * kDays * kMicrosPerDay);
  EXPECT_TRUE(Sweep().empty());
}

TEST_F(RetentionTest, SweepHonoursItsLimitAndOrder) {
  std::vector<std::string> rids;
  for (int i = 0; i < 5; ++i) {
    At(kTestNow + i * kMicrosPerDay);
    rids.push_back(Enroll("Ana" + std::to_string(i), "Diaz"));
  }
  At(kTestNow + 100 * kMicrosPerDay);
  CommandContext ctx;
  ctx.actor = "system:retention";
  auto first = ledger_->Execute(RetentionSweepCommand{2}, ctx);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->erased_residents,
            (std::vector<std::string>{rids[0], rids[1]}));
  EXPECT_EQ(Sweep().size(), 3u);
}

TEST_F(RetentionTest, RefusedWhileOff) {
  options_.retention_days = 0;
  Reopen();
  auto r = ledger_->Execute(RetentionSweepCommand{}, Ctx());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST_F(RetentionTest, IndexIsRebuiltForAnOlderLedger) {
  const std::string a = Enroll("Ana", "Diaz");
  const std::string b = Enroll("Bea", "Ruiz");
  const CardView card = Issue(b);
  // Forget the index, as a ledger written before it existed.
  ledger_->Close();
  ledger_.reset();
  {
    auto log = RocksLog::Open(options_.data_dir + "/ledger", {});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    rocksdb::WriteBatch wb;
    ASSERT_TRUE(wb.Delete((*log)->handle(Cf::kMeta), "retention_index").ok());
    ASSERT_TRUE((*log)
                    ->ForEach(Cf::kRetention, "",
                              [&](std::string_view k, std::string_view) {
                                wb.Delete((*log)->handle(Cf::kRetention),
                                          rocksdb::Slice(k.data(), k.size()))
                                    .PermitUncheckedError();
                                return Status::Ok();
                              })
                    .ok());
    ASSERT_TRUE((*log)->Write(wb).ok());
  }
  Reopen();
  At(kTestNow + kDays * kMicrosPerDay);
  EXPECT_EQ(Sweep(), std::vector<std::string>{a});
  At(card.expires_at + kDays * kMicrosPerDay);
  EXPECT_EQ(Sweep(), std::vector<std::string>{b});
}

TEST_F(RetentionTest, TimerSweepsByItself) {
  options_.retention_sweep_interval = 20'000;  // 20 ms of real time
  Reopen();
  const std::string rid = Enroll();
  At(kTestNow + kDays * kMicrosPerDay);
  bool erased = false;
  for (int i = 0; i < 250 && !erased; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    erased = Erased(rid);
  }
  EXPECT_TRUE(erased);
}

}  // namespace
}  // namespace cityid
