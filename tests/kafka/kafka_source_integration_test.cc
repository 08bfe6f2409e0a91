// KafkaSource against a real broker (tests/kafka/kafka.sh, or
// CITYID_KAFKA_BOOTSTRAP): seq order, seeks by seq, waits, read_committed.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>

#include "ledger/kafka/kafka_admin.h"
#include "ledger/kafka/kafka_publisher.h"
#include "stream/kafka/kafka_source.h"
#include "tests/kafka/kafka_test_util.h"

namespace cityid {
namespace {

using testing::MakeEvents;
using testing::UniqueKafkaOptions;
using testing::VectorLog;

CITYID_KAFKA_TEST_ENVIRONMENT();

constexpr Micros kWait = 3 * kMicrosPerSecond;

std::vector<uint64_t> Seqs(const std::vector<StoredEvent>& events) {
  std::vector<uint64_t> out;
  for (const StoredEvent& e : events) out.push_back(e.seq);
  return out;
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t s = first; s <= last; ++s) out.push_back(s);
  return out;
}

class KafkaSourceTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    options_ = UniqueKafkaOptions();
    options_.partitions = GetParam();
    Status s = EnsureTopics(options_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    log_ = MakeEvents(1, 60);
    auto p = KafkaPublisher::Create(options_, VectorLog(&log_));
    ASSERT_TRUE(p.ok());
    publisher_ = std::move(p).value();
  }
  void Publish(uint64_t first, uint64_t last) {
    std::promise<Status> done;
    publisher_->Publish(std::vector<StoredEvent>(log_.begin() + (first - 1),
                                                 log_.begin() + last),
                        [&](Status s) { done.set_value(s); });
    Status s = done.get_future().get();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::unique_ptr<KafkaSource> NewSource() {
    auto source = KafkaSource::Open(options_, "registry");
    EXPECT_TRUE(source.ok());
    return std::move(source).value();
  }
  // Fetches until `count` events after `after` arrived (bounded).
  std::vector<StoredEvent> FetchAll(KafkaSource& source, uint64_t after,
                                    size_t count, size_t limit) {
    std::vector<StoredEvent> out;
    for (int i = 0; i < 20 && out.size() < count; ++i) {
      // Never ask for more than is still wanted: a partial answer (events of
      // one partition arrived before another's) is followed by another fetch.
      auto got =
          source.Fetch(after, std::min(limit, count - out.size()), kWait);
      EXPECT_TRUE(got.ok()) << got.status().ToString();
      if (!got.ok()) break;
      EXPECT_LE(got->size(), limit);
      for (StoredEvent& e : *got) out.push_back(std::move(e));
      if (!out.empty()) after = out.back().seq;
    }
    return out;
  }

  KafkaOptions options_;
  std::vector<StoredEvent> log_;
  std::unique_ptr<KafkaPublisher> publisher_;
};

TEST_P(KafkaSourceTest, ReturnsEventsAfterAGivenSeqInOrder) {
  Publish(1, 12);
  Publish(13, 30);
  auto source = NewSource();
  std::vector<StoredEvent> all = FetchAll(*source, 0, 30, 7);
  ASSERT_EQ(Seqs(all), Range(1, 30));
  for (const StoredEvent& e : all) EXPECT_EQ(e.bytes, log_[e.seq - 1].bytes);
  EXPECT_EQ(source->HeadSeq(), 30u);

  // Nothing newer: an empty answer after the wait.
  auto none = source->Fetch(30, 10, 300'000);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  // A projection that restarts from its stored position seeks by seq.
  EXPECT_EQ(Seqs(FetchAll(*source, 17, 5, 5)), Range(18, 22));
  auto fresh = NewSource();
  EXPECT_EQ(Seqs(FetchAll(*fresh, 25, 5, 100)), Range(26, 30));
}

TEST_P(KafkaSourceTest, WaitsForEventsPublishedDuringTheFetch) {
  Publish(1, 3);
  auto source = NewSource();
  ASSERT_EQ(Seqs(FetchAll(*source, 0, 3, 10)), Range(1, 3));
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Publish(4, 6);
  });
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<StoredEvent> got = FetchAll(*source, 3, 3, 10);
  later.join();
  EXPECT_EQ(Seqs(got), Range(4, 6));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

INSTANTIATE_TEST_SUITE_P(Partitions, KafkaSourceTest, ::testing::Values(1, 3));

// A transaction that was aborted (a ledger that died mid-publish, or a failed
// commit) is invisible; the same seqs committed later are read once.
TEST(KafkaSourceCommittedTest, SkipsAbortedTransactions) {
  KafkaOptions o = UniqueKafkaOptions();
  ASSERT_TRUE(EnsureTopics(o).ok());
  std::vector<StoredEvent> log = MakeEvents(1, 10);
  {
    auto p = KafkaPublisher::Create(o, VectorLog(&log));
    ASSERT_TRUE(p.ok());
    std::promise<Status> done;
    (*p)->Publish({log.begin(), log.begin() + 2},
                  [&](Status s) { done.set_value(s); });
    ASSERT_TRUE(done.get_future().get().ok());
  }
  {
    // Seqs 3..4 written in a transaction that is then aborted.
    std::string err;
    std::unique_ptr<RdKafka::Conf> conf(
        RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    conf->set("bootstrap.servers", o.bootstrap, err);
    conf->set("transactional.id", o.TransactionalId(), err);
    std::unique_ptr<RdKafka::Producer> raw(
        RdKafka::Producer::create(conf.get(), err));
    ASSERT_TRUE(raw) << err;
    ASSERT_EQ(raw->init_transactions(10000), nullptr);
    ASSERT_EQ(raw->begin_transaction(), nullptr);
    for (int i = 2; i < 4; ++i) {
      RdKafka::Headers* h = RdKafka::Headers::create();
      h->add("cityid_seq", std::to_string(i + 1));
      ASSERT_EQ(raw->produce(o.EventsTopic(), 0, RdKafka::Producer::RK_MSG_COPY,
                             const_cast<char*>(log[i].bytes.data()),
                             log[i].bytes.size(), "k", 1, 0, h, nullptr),
                RdKafka::ERR_NO_ERROR);
    }
    ASSERT_EQ(raw->flush(10000), RdKafka::ERR_NO_ERROR);
    ASSERT_EQ(raw->abort_transaction(10000), nullptr);
  }
  auto p = KafkaPublisher::Create(o, VectorLog(&log));
  ASSERT_TRUE(p.ok());
  auto report = (*p)->Reconcile(6);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->kafka_last_seq, 2u);
  EXPECT_EQ(report->published, 4u);

  auto source = KafkaSource::Open(o, "stats");
  ASSERT_TRUE(source.ok());
  std::vector<StoredEvent> got;
  for (int i = 0; i < 10 && got.size() < 6; ++i) {
    auto batch = (*source)->Fetch(got.empty() ? 0 : got.back().seq, 100, kWait);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    got.insert(got.end(), batch->begin(), batch->end());
  }
  ASSERT_EQ(Seqs(got), Range(1, 6));
  for (const StoredEvent& e : got) EXPECT_EQ(e.bytes, log[e.seq - 1].bytes);
  // Seeking into the aborted region lands on the committed copies.
  auto again = KafkaSource::Open(o, "stats");
  std::vector<StoredEvent> tail;
  for (int i = 0; i < 10 && tail.size() < 3; ++i) {
    auto batch =
        (*again)->Fetch(tail.empty() ? 3 : tail.back().seq, 100, kWait);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    tail.insert(tail.end(), batch->begin(), batch->end());
  }
  EXPECT_EQ(Seqs(tail), Range(4, 6));
}

TEST(KafkaSourceMissingTopicTest, ReportsNotFound) {
  KafkaOptions o = UniqueKafkaOptions();
  auto source = KafkaSource::Open(o, "registry");
  ASSERT_TRUE(source.ok());
  auto got = (*source)->Fetch(0, 10, 100'000);
  EXPECT_EQ(got.status().code(), Code::kNotFound) << got.status().ToString();
}

}  // namespace
}  // namespace cityid
