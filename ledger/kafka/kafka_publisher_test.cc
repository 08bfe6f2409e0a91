// Error paths of KafkaPublisher against librdkafka's in-process mock cluster
// (fast, no broker). The guarantees themselves are proven against a real
// broker in tests/kafka/.
#include "ledger/kafka/kafka_publisher.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <future>

#include "stream/kafka/kafka_log.h"
#include "stream/kafka/kafka_reader.h"
#include "tests/kafka/kafka_test_util.h"

namespace cityid {
namespace {

using testing::MakeEvents;
using testing::VectorLog;

// Kafka protocol ApiKeys (the mock's error stacks are per request type).
constexpr int16_t kProduce = 0;
constexpr int16_t kAddPartitionsToTxn = 24;
constexpr int16_t kEndTxn = 26;

class MockCluster {
 public:
  explicit MockCluster(int brokers) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    InstallKafkaLogBridge(conf);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    cluster_ = rd_kafka_mock_cluster_new(host_, brokers);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(host_);
  }
  rd_kafka_mock_cluster_t* get() { return cluster_; }
  std::string bootstrap() const {
    return rd_kafka_mock_cluster_bootstraps(cluster_);
  }

 private:
  rd_kafka_t* host_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

Status PublishAndWait(KafkaPublisher& p,
                      const std::vector<StoredEvent>& batch) {
  std::promise<Status> promise;
  p.Publish(batch, [&](Status s) { promise.set_value(s); });
  return promise.get_future().get();
}

class KafkaPublisherMockTest : public ::testing::Test {
 protected:
  // The seqs of the committed records in the mock topic, in order.
  std::vector<uint64_t> CommittedSeqs() {
    std::vector<uint64_t> seqs;
    auto reader = KafkaEventReader::Open(options_);
    EXPECT_TRUE(reader.ok());
    Status s = (*reader)->ReadAfter(0, [&](KafkaRecord&& r) {
      EXPECT_EQ(r.event.bytes, log_[r.event.seq - 1].bytes);
      seqs.push_back(r.event.seq);
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return seqs;
  }

  void SetUp() override {
    options_.bootstrap = mock_.bootstrap();
    options_.topic_prefix = "mock.";
    options_.commit_timeout_ms = 1500;
    options_.request_timeout_ms = 2000;
    options_.client_config = {{"log_level", "0"}};
    rd_kafka_mock_topic_create(mock_.get(), options_.EventsTopic().c_str(), 1,
                               3);
    // Pin the transaction coordinator so that per-broker errors hit it.
    rd_kafka_mock_coordinator_set(mock_.get(), "transaction",
                                  options_.TransactionalId().c_str(), 1);
    log_ = MakeEvents(1, 20);
    auto p = KafkaPublisher::Create(options_, VectorLog(&log_));
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    publisher_ = std::move(p).value();
  }
  std::vector<StoredEvent> Slice(uint64_t first, uint64_t last) const {
    return std::vector<StoredEvent>(log_.begin() + (first - 1),
                                    log_.begin() + last);
  }

  MockCluster mock_{3};
  KafkaOptions options_;
  std::vector<StoredEvent> log_;
  std::unique_ptr<KafkaPublisher> publisher_;
};

TEST_F(KafkaPublisherMockTest, CommitsThroughRetriableProduceErrors) {
  rd_kafka_mock_push_request_errors(mock_.get(), kProduce, 3,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                    RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
  Status s = PublishAndWait(*publisher_, Slice(1, 5));
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(publisher_->LastPublishedSeq(), 5u);
  EXPECT_TRUE(publisher_->Health().ok());
}

TEST_F(KafkaPublisherMockTest,
       AbortableErrorFailsTheBatchAndTheNextBatchRepublishesIt) {
  ASSERT_TRUE(PublishAndWait(*publisher_, Slice(1, 2)).ok());
  rd_kafka_mock_push_request_errors(mock_.get(), kProduce, 1,
                                    RD_KAFKA_RESP_ERR_INVALID_RECORD);
  Status failed = PublishAndWait(*publisher_, Slice(3, 4));
  EXPECT_EQ(failed.code(), Code::kUnavailable) << failed.ToString();
  EXPECT_FALSE(IsFencedStatus(failed));
  EXPECT_EQ(publisher_->LastPublishedSeq(),
            2u);  // aborted: Kafka still ends at 2
  EXPECT_EQ(publisher_->Health().code(), Code::kUnavailable);

  // The next batch (5..6) first re-sends 3..4 from the local log.
  Status s = PublishAndWait(*publisher_, Slice(5, 6));
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(publisher_->LastPublishedSeq(), 6u);
  EXPECT_TRUE(publisher_->Health().ok());
  EXPECT_EQ(CommittedSeqs(), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(KafkaPublisherMockTest, FencingIsReportedDistinctlyAndStopsPublishing) {
  ASSERT_TRUE(PublishAndWait(*publisher_, Slice(1, 1)).ok());
  rd_kafka_mock_push_request_errors(mock_.get(), kAddPartitionsToTxn, 1,
                                    RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
  Status s = PublishAndWait(*publisher_, Slice(2, 2));
  EXPECT_TRUE(IsFencedStatus(s)) << s.ToString();
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_TRUE(publisher_->IsFenced());
  // For good: no new producer, no retry, an immediate answer.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(IsFencedStatus(PublishAndWait(*publisher_, Slice(2, 3))));
  EXPECT_LT(std::chrono::steady_clock::now() - t0,
            std::chrono::milliseconds(500));
  EXPECT_TRUE(IsFencedStatus(publisher_->Health()));
}

TEST_F(KafkaPublisherMockTest,
       BrokersDownFailsWithinTheCommitBoundThenRecovers) {
  ASSERT_TRUE(PublishAndWait(*publisher_, Slice(1, 2)).ok());
  for (int32_t id = 1; id <= 3; ++id)
    rd_kafka_mock_broker_set_down(mock_.get(), id);
  const auto t0 = std::chrono::steady_clock::now();
  Status down = PublishAndWait(*publisher_, Slice(3, 4));
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(down.code(), Code::kUnavailable) << down.ToString();
  EXPECT_LT(took,
            std::chrono::milliseconds(3 * options_.commit_timeout_ms + 1000));

  for (int32_t id = 1; id <= 3; ++id)
    rd_kafka_mock_broker_set_up(mock_.get(), id);
  Status s;
  for (int attempt = 0; attempt < 10;
       ++attempt) {  // bounded: the client reconnects
    s = PublishAndWait(*publisher_, Slice(5, 5));
    if (s.ok()) break;
  }
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(publisher_->LastPublishedSeq(), 5u);
  EXPECT_EQ(CommittedSeqs(), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST_F(KafkaPublisherMockTest, CatchUpPublishesTheBacklogWithoutNewBatches) {
  ASSERT_TRUE(PublishAndWait(*publisher_, Slice(1, 2)).ok());
  rd_kafka_mock_push_request_errors(mock_.get(), kProduce, 1,
                                    RD_KAFKA_RESP_ERR_INVALID_RECORD);
  EXPECT_FALSE(PublishAndWait(*publisher_, Slice(3, 5)).ok());
  std::promise<Status> caught_up;
  publisher_->CatchUp(5, [&](Status s) { caught_up.set_value(s); });
  Status s = caught_up.get_future().get();
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(publisher_->LastPublishedSeq(), 5u);
  EXPECT_EQ(CommittedSeqs(), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST_F(KafkaPublisherMockTest, SlowCommitIsResumedAndCountedOnce) {
  ASSERT_TRUE(PublishAndWait(*publisher_, Slice(1, 2)).ok());
  // EndTxn answers after 2.5 s: longer than the commit bound (1.5 s).
  rd_kafka_mock_broker_push_request_error_rtts(
      mock_.get(), 1, kEndTxn, 1, RD_KAFKA_RESP_ERR_NO_ERROR, 2500);
  Status slow = PublishAndWait(*publisher_, Slice(3, 4));
  EXPECT_EQ(slow.code(), Code::kUnavailable) << slow.ToString();
  EXPECT_NE(slow.message().find("resumed"), std::string::npos)
      << slow.message();

  // The next call first finishes that commit, so 3..4 are not sent again.
  Status s = PublishAndWait(*publisher_, Slice(3, 6));
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(publisher_->LastPublishedSeq(), 6u);
  EXPECT_EQ(CommittedSeqs(), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(KafkaPublisherMockTest, NonContiguousBatchIsRejected) {
  std::vector<StoredEvent> batch = {log_[0], log_[2]};
  Status s = PublishAndWait(*publisher_, batch);
  EXPECT_EQ(s.code(), Code::kInternal) << s.ToString();
}

TEST(KafkaPublisherCreateTest, RejectsAnUnknownClientProperty) {
  KafkaOptions o;
  o.bootstrap = "127.0.0.1:1";
  o.client_config = {{"no.such.property", "1"}};
  auto p = KafkaPublisher::Create(o, nullptr);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
  EXPECT_NE(p.status().message().find("no.such.property"), std::string::npos);
}

}  // namespace
}  // namespace cityid
