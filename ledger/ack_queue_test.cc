#include "ledger/ack_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace cityid {
namespace {

// Records the order of answers: "<seq>" for a result, "!" for an error.
struct Log {
  std::vector<std::string> seen;
  AckQueue::Answer Answer(uint64_t seq) {
    CommandResult r;
    r.seq = seq;
    return {[this](Result<CommandResult> a) {
              seen.push_back(a.ok() ? std::to_string(a->seq) : "!");
            },
            r};
  }
};

TEST(AckQueueTest, LaterBatchWaitsForEarlierOne) {
  Log log;
  AckQueue q;
  uint64_t first = q.Add({log.Answer(1), log.Answer(2)});
  uint64_t second = q.Add({log.Answer(3)});
  q.Complete(second, Status::Ok());
  EXPECT_TRUE(log.seen.empty());  // 3 is committed, but 1 and 2 are not yet
  EXPECT_EQ(q.unreleased(), 2u);
  q.Complete(first, Status::Ok());
  EXPECT_EQ(log.seen, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(q.unreleased(), 0u);
}

TEST(AckQueueTest, FailedBatchAnswersEveryCommandWithTheError) {
  Log log;
  AckQueue q;
  uint64_t a = q.Add({log.Answer(1), log.Answer(2)});
  uint64_t b = q.Add({log.Answer(3)});
  q.Complete(a, Unavailable("broker down"));
  q.Complete(b, Status::Ok());
  EXPECT_EQ(log.seen, (std::vector<std::string>{"!", "!", "3"}));
}

TEST(AckQueueTest, EmptyBatchKeepsItsPlace) {
  Log log;
  AckQueue q;
  uint64_t a = q.Add({log.Answer(1)});
  uint64_t b = q.Add({});
  uint64_t c = q.Add({log.Answer(2)});
  q.Complete(c, Status::Ok());
  q.Complete(b, Status::Ok());
  EXPECT_TRUE(log.seen.empty());
  q.Complete(a, Status::Ok());
  EXPECT_EQ(log.seen, (std::vector<std::string>{"1", "2"}));
}

TEST(AckQueueTest, WaitBelowReturnsOnceBatchesAreReleased) {
  Log log;
  AckQueue q;
  uint64_t a = q.Add({log.Answer(1)});
  q.Add({});
  std::thread completer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    q.Complete(a, Status::Ok());
  });
  q.WaitBelow(1);  // returns after `a` is released: one batch left
  EXPECT_EQ(q.unreleased(), 1u);
  completer.join();
  EXPECT_EQ(log.seen, (std::vector<std::string>{"1"}));
}

}  // namespace
}  // namespace cityid
