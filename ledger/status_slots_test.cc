#include "ledger/status_slots.h"

#include <gtest/gtest.h>

#include <set>

#include "ledger/ledger_test_util.h"

namespace cityid {
namespace {

TEST(StatusSlotsTest, FillsAListWithDistinctSlotsThenOpensTheNext) {
  StatusSlots slots(128);
  std::set<uint32_t> seen;
  for (int i = 0; i < 128; ++i) {
    StatusSlot s = slots.Reserve();
    EXPECT_EQ(s.list, 1u);
    EXPECT_LT(s.index, 128u);
    EXPECT_TRUE(seen.insert(s.index).second) << "slot given twice: " << s.index;
  }
  EXPECT_EQ(slots.used(1), 128u);
  StatusSlot next = slots.Reserve();
  EXPECT_EQ(next.list, 2u);
  EXPECT_EQ(slots.list_count(), 2u);
}

TEST(StatusSlotsTest, SlotsAreNotInIssuanceOrder) {
  StatusSlots slots(131072);
  std::vector<uint32_t> order;
  for (int i = 0; i < 1000; ++i) order.push_back(slots.Reserve().index);
  int ascending = 0;
  for (size_t i = 1; i < order.size(); ++i)
    ascending += order[i] > order[i - 1];
  // A random order ascends about half the time; issuance order always would.
  EXPECT_GT(ascending, 400);
  EXPECT_LT(ascending, 600);
  EXPECT_EQ(std::set<uint32_t>(order.begin(), order.end()).size(), 1000u);
}

TEST(StatusSlotsTest, ReleasedReservationIsFreeAgainButWrittenSlotsPersist) {
  testing_util::TempDir dir;
  auto log = RocksLog::Open(dir.path() + "/db", {});
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  StatusSlots slots(1000);  // not a multiple of 64: the tail chunk is partial
  std::vector<StatusSlot> kept;
  for (int i = 0; i < 300; ++i) kept.push_back(slots.Reserve());
  StatusSlot dropped = slots.Reserve();
  slots.Release(dropped);
  EXPECT_FALSE(slots.IsUsed(dropped));
  rocksdb::WriteBatch wb;
  slots.AddToBatch(**log, wb);
  ASSERT_TRUE((*log)->Write(wb).ok());

  StatusSlot lost = slots.Reserve();
  rocksdb::WriteBatch failed;
  slots.AddToBatch(**log, failed);
  slots.AbortLastBatch();  // as after a failed write
  EXPECT_FALSE(slots.IsUsed(lost));

  StatusSlots reloaded(1000);
  ASSERT_TRUE(reloaded.Load(**log).ok());
  EXPECT_EQ(reloaded.used(1), 300u);
  for (const StatusSlot& s : kept) EXPECT_TRUE(reloaded.IsUsed(s));
  EXPECT_FALSE(reloaded.IsUsed(dropped));
}

TEST(StatusSlotsTest, FindsTheLastFreeSlotsOfANearlyFullList) {
  StatusSlots slots(4096);
  std::set<uint32_t> seen;
  for (int i = 0; i < 4096; ++i) seen.insert(slots.Reserve().index);
  EXPECT_EQ(seen.size(), 4096u);
  EXPECT_EQ(slots.list_count(), 1u);
}

}  // namespace
}  // namespace cityid
