#include "projections/projection.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "projections/projection_runner.h"
#include "projections/registry.h"
#include "stream/memory_event_source.h"
#include "stream/sample_history.h"

namespace cityid {
namespace {

std::filesystem::path TestDir() {
  auto dir = std::filesystem::path(::testing::TempDir()) /
             ("projection_test_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

std::unique_ptr<ProjectionStore> OpenStore(const std::filesystem::path& dir,
                                           const std::string& name = "p") {
  auto store = ProjectionStore::Open(dir.string(), name);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

std::optional<std::string> Read(const StateBatch& b, std::string_view key) {
  return b.Get(key).value();
}

// Waits up to 5 s for `pred`.
template <typename Pred>
bool Eventually(Pred pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// --- ProjectionStore and StateBatch ---

TEST(ProjectionStoreTest, NewStoreStartsAtPositionZero) {
  auto dir = TestDir();
  auto store = OpenStore(dir);
  EXPECT_EQ(store->position(), 0u);
  EXPECT_TRUE(std::filesystem::exists(dir / "p"));
}

TEST(ProjectionStoreTest, BatchReadsSeeItsOwnWritesOverCommittedState) {
  auto store = OpenStore(TestDir());
  auto first = store->NewBatch();
  first->Put("a", "1");
  first->Put("b", "2");
  ASSERT_TRUE(store->Commit(*first, 1).ok());

  auto batch = store->NewBatch();
  EXPECT_EQ(Read(*batch, "a"), "1");  // committed
  batch->Put("a", "10");
  batch->Delete("b");
  batch->Put("c", "3");
  EXPECT_EQ(Read(*batch, "a"), "10");
  EXPECT_EQ(Read(*batch, "b"), std::nullopt);
  EXPECT_EQ(Read(*batch, "c"), "3");
  // The committed state is untouched until Commit.
  EXPECT_EQ(store->Get("a").value(), "1");
  EXPECT_EQ(store->Get("c").value(), std::nullopt);

  std::string seen;
  ASSERT_TRUE(batch
                  ->Scan("",
                         [&](std::string_view k, std::string_view v) {
                           seen.append(k).append("=").append(v).append(";");
                           return true;
                         })
                  .ok());
  EXPECT_EQ(seen, "a=10;c=3;");
}

TEST(ProjectionStoreTest, ScanStopsAtPrefixEnd) {
  auto store = OpenStore(TestDir());
  auto batch = store->NewBatch();
  for (const char* k : {"card/1", "card/2", "resident/1"}) batch->Put(k, "x");
  ASSERT_TRUE(store->Commit(*batch, 3).ok());
  int cards = 0;
  ASSERT_TRUE(store
                  ->Scan("card/",
                         [&](std::string_view, std::string_view) {
                           ++cards;
                           return true;
                         })
                  .ok());
  EXPECT_EQ(cards, 2);
}

TEST(ProjectionStoreTest, StateAndPositionSurviveReopenTogether) {
  auto dir = TestDir();
  std::string fingerprint;
  {
    auto store = OpenStore(dir);
    auto batch = store->NewBatch();
    batch->Put("k", "v");
    ASSERT_TRUE(store->Commit(*batch, 42).ok());
    fingerprint = store->Fingerprint().value();
  }
  auto store = OpenStore(dir);
  EXPECT_EQ(store->position(), 42u);
  EXPECT_EQ(store->Get("k").value(), "v");
  EXPECT_EQ(store->Fingerprint().value(), fingerprint);
}

TEST(ProjectionStoreTest, UncommittedBatchIsLostWithItsPosition) {
  auto dir = TestDir();
  {
    auto store = OpenStore(dir);
    auto committed = store->NewBatch();
    committed->Put("k", "1");
    ASSERT_TRUE(store->Commit(*committed, 5).ok());
    auto pending = store->NewBatch();
    pending->Put("k", "2");
    pending->Put("other", "x");
    // "Crash": the store goes away without committing `pending`.
  }
  auto store = OpenStore(dir);
  EXPECT_EQ(store->position(), 5u);
  EXPECT_EQ(store->Get("k").value(), "1");
  EXPECT_EQ(store->Get("other").value(), std::nullopt);
}

TEST(ProjectionStoreTest, RefusesPositionMovingBackwards) {
  auto store = OpenStore(TestDir());
  auto batch = store->NewBatch();
  ASSERT_TRUE(store->Commit(*batch, 10).ok());
  batch->Put("k", "v");
  EXPECT_EQ(store->Commit(*batch, 9).code(), Code::kInternal);
  EXPECT_EQ(store->position(), 10u);
}

TEST(ProjectionStoreTest, FingerprintCoversPositionAndState) {
  auto dir = TestDir();
  auto a = OpenStore(dir, "a");
  auto b = OpenStore(dir, "b");
  EXPECT_EQ(a->Fingerprint().value(), b->Fingerprint().value());
  auto batch = a->NewBatch();
  ASSERT_TRUE(a->Commit(*batch, 1).ok());
  EXPECT_NE(a->Fingerprint().value(), b->Fingerprint().value());
  auto other = b->NewBatch();
  other->Put("x", "");
  ASSERT_TRUE(b->Commit(*other, 1).ok());
  EXPECT_NE(a->Fingerprint().value(), b->Fingerprint().value());
}

TEST(ProjectionStoreTest, SecondOpenOfSameStoreIsUnavailable) {
  auto dir = TestDir();
  auto first = OpenStore(dir);
  auto second = ProjectionStore::Open(dir.string(), "p");
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
}

// --- ProjectionRunner ---

// A projection that records which seqs it saw and can be told to fail at
// one seq, to simulate a crash in the middle of a batch.
class RecordingProjection final : public Projection {
 public:
  Status Apply(const Event& event, const StoredEvent&,
               StateBatch& batch) override {
    if (event.seq == fail_at) return Internal("injected failure");
    batch.Put("seq/" + std::to_string(event.seq), std::string(event.type()));
    return Status::Ok();
  }
  uint64_t fail_at = 0;
};

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TestDir();
    store_ = OpenStore(dir_);
  }
  std::unique_ptr<ProjectionRunner> MakeRunner(size_t batch_limit = 1000) {
    return std::make_unique<ProjectionRunner>(
        store_.get(), &projection_, &source_,
        ProjectionRunnerOptions{.batch_limit = batch_limit, .wait = 0});
  }
  std::filesystem::path dir_;
  MemoryEventSource source_;
  RecordingProjection projection_;
  std::unique_ptr<ProjectionStore> store_;
};

TEST_F(RunnerTest, RefusesGapAndCommitsNothingOfTheBatch) {
  AppendSampleHistory(source_, 0, 1);
  const uint64_t last = source_.events().back().seq;
  source_.AppendRaw(last + 2, source_.events().back().bytes);
  auto runner = MakeRunner();
  Result<size_t> n = runner->RunOnce();
  EXPECT_EQ(n.status().code(), Code::kCorruption);
  EXPECT_EQ(n.status().message(), "event feed gap: expected seq " +
                                      std::to_string(last + 1) + ", got " +
                                      std::to_string(last + 2));
  EXPECT_EQ(runner->position(), 0u);
  EXPECT_EQ(runner->last_error().code(), Code::kCorruption);
  EXPECT_EQ(runner->other_errors(), 1u);
}

TEST_F(RunnerTest, RefusesUndecodableEvent) {
  source_.AppendRaw(1, "not a framed event");
  EXPECT_EQ(MakeRunner()->RunOnce().status().code(), Code::kCorruption);
  EXPECT_EQ(store_->position(), 0u);
}

TEST_F(RunnerTest, RefusesEventWhoseBytesCarryAnotherSeq) {
  MemoryEventSource scratch;
  AppendSampleHistory(scratch, 0, 1);
  source_.AppendRaw(1, scratch.events()[1].bytes);  // the bytes of seq 2
  auto runner = MakeRunner();
  Result<size_t> n = runner->RunOnce();
  EXPECT_EQ(n.status().code(), Code::kCorruption);
  EXPECT_EQ(n.status().message(), "seq 1 carries an event of seq 2");
  EXPECT_EQ(runner->position(), 0u);
}

TEST_F(RunnerTest, CommitsOneBatchPerFetchUpToTheLimit) {
  AppendSampleHistory(source_, 0, 5);
  const uint64_t last = source_.events().back().seq;
  auto runner = MakeRunner(/*batch_limit=*/4);
  EXPECT_EQ(runner->RunOnce().value(), 4u);
  EXPECT_EQ(runner->position(), 4u);
  EXPECT_FALSE(runner->CaughtUpOnce());
  EXPECT_EQ(runner->head_seq(), last);
  while (runner->RunOnce().value() > 0) {
  }
  EXPECT_EQ(runner->position(), last);
  EXPECT_EQ(runner->events_applied(), last);
  EXPECT_TRUE(runner->CaughtUpOnce());
  EXPECT_TRUE(runner->Ready().ok());
}

TEST_F(RunnerTest, FailureMidBatchResumesFromCommittedPosition) {
  AppendSampleHistory(source_, 0, 10);
  const uint64_t last = source_.events().back().seq;
  auto runner = MakeRunner(/*batch_limit=*/8);
  ASSERT_EQ(runner->RunOnce().value(), 8u);
  projection_.fail_at = 12;  // seqs 9..11 are applied to the batch, then fail
  EXPECT_FALSE(runner->RunOnce().ok());
  EXPECT_EQ(store_->position(), 8u);
  EXPECT_EQ(store_->Get("seq/9").value(), std::nullopt);
  EXPECT_FALSE(runner->Ready().ok());

  projection_.fail_at = 0;
  while (runner->RunOnce().value() > 0) {
  }
  EXPECT_EQ(store_->position(), last);
  EXPECT_TRUE(store_->Get("seq/9").value().has_value());
  EXPECT_TRUE(runner->last_error().ok());
}

TEST_F(RunnerTest, ThreadBacksOffWhileSourceIsDownThenCatchesUp) {
  AppendSampleHistory(source_, 0, 3);
  const uint64_t last = source_.events().back().seq;
  source_.SetUnavailable(true);
  auto runner = std::make_unique<ProjectionRunner>(
      store_.get(), &projection_, &source_,
      ProjectionRunnerOptions{
          .wait = 0, .initial_backoff = 20'000, .max_backoff = 80'000});
  runner->Start();
  ASSERT_TRUE(Eventually([&] { return runner->unavailable_errors() >= 3; }));
  EXPECT_EQ(runner->Ready().code(), Code::kUnavailable);  // never caught up
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Backing off: at most one attempt per 80 ms once at the cap.
  EXPECT_LT(source_.fetches(), 15u);

  source_.SetUnavailable(false);
  ASSERT_TRUE(Eventually([&] { return runner->position() == last; }));
  ASSERT_TRUE(Eventually([&] { return runner->Ready().ok(); }));
  source_.SetUnavailable(true);  // losing the source later keeps it ready
  ASSERT_TRUE(Eventually(
      [&] { return runner->last_error().code() == Code::kUnavailable; }));
  EXPECT_TRUE(runner->Ready().ok());
  runner->Stop();
}

TEST_F(RunnerTest, StopInterruptsLongPollAndBackoff) {
  auto runner = std::make_unique<ProjectionRunner>(
      store_.get(), &projection_, &source_,
      ProjectionRunnerOptions{.wait = 200'000});
  runner->Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto start = std::chrono::steady_clock::now();
  runner->Stop();
  runner->Stop();  // idempotent
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(1000));
}

// The exactly-once property end to end: a registry fed in batches, "crashing"
// (store and runner destroyed, nothing flushed on purpose) between batches
// and in the middle of one, converges to the fingerprint of one clean pass.
TEST(ProjectionCrashTest, RegistryReplayAfterCrashesEqualsCleanPass) {
  auto dir = TestDir();
  FakeClock clock(kSampleT0);
  MemoryEventSource source;
  AppendSampleHistory(source, 0, 120);
  const uint64_t last = source.events().back().seq;

  std::string clean;
  {
    auto store = OpenStore(dir, "clean");
    Registry registry(store.get(), &clock);
    ProjectionRunner runner(store.get(), &registry, &source,
                            ProjectionRunnerOptions{.wait = 0});
    while (runner.RunOnce().value() > 0) {
    }
    ASSERT_EQ(store->position(), last);
    clean = registry.Fingerprint().value();
  }

  // Crash points: after k committed batches of a varying size, plus a batch
  // applied but never committed.
  for (size_t batch : {1u, 5u, 13u, 64u}) {
    auto store = OpenStore(dir, "crashy");
    Registry registry(store.get(), &clock);
    ProjectionRunner runner(
        store.get(), &registry, &source,
        ProjectionRunnerOptions{.batch_limit = batch, .wait = 0});
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(runner.RunOnce().ok());
    auto pending = store->NewBatch();
    uint64_t next = store->position() + 1;
    Event event = DecodeEvent(source.events()[next - 1].bytes).value();
    ASSERT_TRUE(
        registry.Apply(event, source.events()[next - 1], *pending).ok());
  }
  auto store = OpenStore(dir, "crashy");
  Registry registry(store.get(), &clock);
  ProjectionRunner runner(store.get(), &registry, &source,
                          ProjectionRunnerOptions{.wait = 0});
  while (runner.RunOnce().value() > 0) {
  }
  EXPECT_EQ(store->position(), last);
  EXPECT_EQ(registry.Fingerprint().value(), clean);
}

}  // namespace
}  // namespace cityid
