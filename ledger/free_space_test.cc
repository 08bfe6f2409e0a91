#include "ledger/free_space.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>

#include "ledger/ledger_fixture.h"
#include "ledger/rocksdb_log.h"

namespace cityid {
namespace {

using testing_util::Ctx;
using testing_util::MakeEnroll;

constexpr uint64_t kFloor = 1 << 20;

TEST(FreeSpaceFloorTest, PassesAboveTheFloorAndRefusesBelowIt) {
  uint64_t free = kFloor;
  FreeSpaceFloor floor(kFloor, [&]() -> Result<uint64_t> { return free; });
  EXPECT_TRUE(floor.Check().ok());
  free = kFloor - 1;
  Status s = floor.Check();
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.message(), "disk full: 1048575 bytes free below floor 1048576");
  free = 0;
  EXPECT_EQ(floor.Check().code(), Code::kUnavailable);
  free = kFloor + 1;
  EXPECT_TRUE(floor.Check().ok()) << "space returned";
}

TEST(FreeSpaceFloorTest, CountsTheIncomingWrite) {
  uint64_t free = kFloor + 100;
  FreeSpaceFloor floor(kFloor, [&]() -> Result<uint64_t> { return free; });
  EXPECT_TRUE(floor.Check(100).ok());
  Status s = floor.Check(101);
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.message(),
            "disk full: 1048676 bytes free, a 101-byte write would leave "
            "less than floor 1048576");
}

TEST(FreeSpaceFloorTest, RefusesWhenTheProbeFails) {
  FreeSpaceFloor floor(kFloor, []() -> Result<uint64_t> {
    return Unavailable("cannot tell the free space of /x: EIO");
  });
  Status s = floor.Check();
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.message(), "cannot tell the free space of /x: EIO");
}

TEST(FreeSpaceFloorTest, ZeroFloorNeverProbes) {
  int probes = 0;
  FreeSpaceFloor floor(0, [&]() -> Result<uint64_t> {
    ++probes;
    return uint64_t{0};
  });
  EXPECT_TRUE(floor.Check(1 << 30).ok());
  EXPECT_EQ(probes, 0);
}

// The floor probes before every group commit: statvfs must cost next to
// nothing beside a synced write (hundreds of microseconds at best).
TEST(FreeSpaceFloorTest, StatvfsProbeIsCheap) {
  testing_util::TempDir dir;
  FreeSpaceProbe probe = StatvfsProbe(dir.path());
  Result<uint64_t> free = probe();
  ASSERT_TRUE(free.ok()) << free.status().ToString();
  EXPECT_GT(*free, 0u);
  EXPECT_EQ(StatvfsProbe(dir.path() + "/missing")().status().code(),
            Code::kUnavailable);

  constexpr int kRounds = 100000;
  const auto begin = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) ASSERT_TRUE(probe().ok());
  const double ns = std::chrono::duration<double, std::nano>(
                        std::chrono::steady_clock::now() - begin)
                        .count() /
                    kRounds;
  std::printf("statvfs probe: %.0f ns per call\n", ns);
  EXPECT_LT(ns, 50'000.0);  // a loose bound: shared CI machines are slow
}

// Records the write gate the ledger hands to extensions.
class GateRecorder : public LogExtension {
 public:
  std::vector<std::string> ColumnFamilies() const override { return {}; }
  void SetWriteGate(WriteGate gate) override { gate_ = std::move(gate); }
  Status OnOpen(rocksdb::DB*, const std::vector<rocksdb::ColumnFamilyHandle*>&,
                uint64_t) override {
    return Status::Ok();
  }
  Status AddToBatch(const std::vector<StoredEvent>&,
                    rocksdb::WriteBatch&) override {
    return Status::Ok();
  }
  void OnBatchDone(bool durable) override { durable_ += durable ? 1 : 0; }

  WriteGate gate_;
  int durable_ = 0;
};

// A ledger whose data directory's free space the test sets.
class LedgerFloorTest : public testing_util::LedgerTest {
 protected:
  LedgerFloorTest() {
    options_.min_free_bytes = kFloor;
    options_.free_space_probe = [this]() -> Result<uint64_t> {
      return free_.load();
    };
    options_.extensions = {&recorder_};
    Reopen();
  }
  // The ledger calls into recorder_ and free_ until it is closed.
  ~LedgerFloorTest() override { ledger_->Close(); }

  std::atomic<uint64_t> free_{uint64_t{1} << 30};
  GateRecorder recorder_;
};

TEST_F(LedgerFloorTest, RefusesCommandsBelowTheFloorAndResumesByItself) {
  Enroll("Ana", "Diaz");
  ASSERT_EQ(ledger_->LastSeq(), 1u);
  EXPECT_TRUE(ledger_->Ready().ok());

  free_ = kFloor / 2;
  Status ready = ledger_->Ready();
  EXPECT_EQ(ready.code(), Code::kUnavailable);
  EXPECT_EQ(ready.message(), "disk full: 524288 bytes free below floor " +
                                 std::to_string(kFloor));
  auto refused = ledger_->Execute(MakeEnroll("Ben", "Diaz"), Ctx());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  EXPECT_NE(refused.status().message().find("disk full"), std::string::npos)
      << refused.status().ToString();
  // A batch of several: all refused, nothing written.
  auto batch = SubmitAll({MakeEnroll("Cy", "Diaz"), MakeEnroll("Di", "Diaz"),
                          MakeEnroll("Ed", "Diaz")});
  for (const auto& r : batch) EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(ledger_->LastSeq(), 1u);
  EXPECT_EQ(AllEvents().size(), 1u);
  EXPECT_EQ(recorder_.durable_, 1);

  // Space returns: ready again at once, and the next seq follows the last.
  free_ = kFloor * 4;
  EXPECT_TRUE(ledger_->Ready().ok());
  auto again = ledger_->Execute(MakeEnroll("Ben", "Diaz"), Ctx());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->seq, 2u);
  std::vector<Event> events = AllEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].seq, 2u);

  // And after a restart.
  Reopen();
  EXPECT_EQ(ledger_->LastSeq(), 2u);
  EXPECT_TRUE(ledger_->Ready().ok());
}

TEST_F(LedgerFloorTest, RefusesABatchThatWouldCrossTheFloor) {
  // Above the floor, but not by a whole enrollment's WriteBatch.
  free_ = kFloor + 16;
  EXPECT_TRUE(ledger_->Ready().ok());
  auto refused = ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  EXPECT_NE(refused.status().message().find("would leave less than floor"),
            std::string::npos)
      << refused.status().ToString();
  EXPECT_EQ(ledger_->LastSeq(), 0u);
  EXPECT_EQ(recorder_.durable_, 0);
  free_ = kFloor * 4;
  auto enrolled = ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx());
  ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  EXPECT_EQ(enrolled->seq, 1u);
}

TEST_F(LedgerFloorTest, ExtensionsGetTheFloorAsTheirWriteGate) {
  ASSERT_TRUE(recorder_.gate_);
  EXPECT_TRUE(recorder_.gate_(100).ok());
  free_ = kFloor - 1;
  EXPECT_EQ(recorder_.gate_(0).code(), Code::kUnavailable);
}

TEST_F(LedgerFloorTest, ZeroFloorIsOff) {
  options_.min_free_bytes = 0;
  Reopen();
  free_ = 0;
  EXPECT_TRUE(ledger_->Ready().ok());
  Enroll("Ana", "Diaz");
  EXPECT_EQ(ledger_->LastSeq(), 1u);
}

}  // namespace
}  // namespace cityid
