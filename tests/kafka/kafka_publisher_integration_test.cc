// KafkaPublisher, KafkaEventReader and topic admin against a real broker
// (tests/kafka/kafka.sh, or CITYID_KAFKA_BOOTSTRAP).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <set>

#include "ledger/kafka/kafka_admin.h"
#include "ledger/kafka/kafka_publisher.h"
#include "schemas/event_codec.h"
#include "stream/kafka/kafka_reader.h"
#include "stream/kafka/kafka_scanner.h"
#include "tests/kafka/kafka_test_util.h"

namespace cityid {
namespace {

using testing::CreateTopic;
using testing::ForeignRecord;
using testing::MakeEvents;
using testing::ProduceForeign;
using testing::UniqueKafkaOptions;
using testing::VectorLog;

CITYID_KAFKA_TEST_ENVIRONMENT();

Status PublishAndWait(KafkaPublisher& p,
                      const std::vector<StoredEvent>& batch) {
  std::promise<Status> promise;
  p.Publish(batch, [&](Status s) { promise.set_value(s); });
  return promise.get_future().get();
}

std::vector<StoredEvent> Slice(const std::vector<StoredEvent>& log,
                               uint64_t first, uint64_t last) {
  return std::vector<StoredEvent>(log.begin() + (first - 1),
                                  log.begin() + last);
}

std::vector<KafkaRecord> ReadAll(const KafkaOptions& o, uint64_t after = 0) {
  auto reader = KafkaEventReader::Open(o);
  EXPECT_TRUE(reader.ok());
  std::vector<KafkaRecord> out;
  Status s = (*reader)->ReadAfter(after, [&](KafkaRecord&& r) {
    out.push_back(std::move(r));
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::string Header(const KafkaRecord& r, const std::string& key) {
  for (const auto& [k, v] : r.headers) {
    if (k == key) return v;
  }
  return "<missing>";
}

class KafkaPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = UniqueKafkaOptions();
    Status s = EnsureTopics(options_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    log_ = MakeEvents(1, 40);
  }
  std::unique_ptr<KafkaPublisher> NewPublisher() {
    auto p = KafkaPublisher::Create(options_, VectorLog(&log_));
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return std::move(p).value();
  }

  KafkaOptions options_;
  std::vector<StoredEvent> log_;
};

TEST_F(KafkaPublisherTest, PublishedBatchesReadBackByteIdenticalWithHeaders) {
  auto p = NewPublisher();
  ASSERT_TRUE(PublishAndWait(*p, Slice(log_, 1, 3)).ok());
  ASSERT_TRUE(PublishAndWait(*p, Slice(log_, 4, 10)).ok());
  EXPECT_EQ(p->LastPublishedSeq(), 10u);

  std::vector<KafkaRecord> got = ReadAll(options_);
  ASSERT_EQ(got.size(), 10u);
  for (size_t i = 0; i < got.size(); ++i) {
    const KafkaRecord& r = got[i];
    Result<Event> e = DecodeEvent(log_[i].bytes);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(r.event.seq, i + 1);
    EXPECT_EQ(r.event.bytes, log_[i].bytes);
    EXPECT_EQ(r.key, e->resident_id());
    EXPECT_EQ(Header(r, "ce_specversion"), "1.0");
    EXPECT_EQ(Header(r, "ce_id"), e->event_id);
    EXPECT_EQ(Header(r, "ce_source"), "cityid/ledger/0");
    EXPECT_EQ(Header(r, "ce_type"), std::string(e->type()));
    EXPECT_EQ(Header(r, "ce_time"), FormatRfc3339(e->occurred_at));
    EXPECT_EQ(Header(r, "content-type"), "application/vnd.cityid.event+cereal");
    EXPECT_EQ(Header(r, "cityid_seq"), std::to_string(i + 1));
  }
  auto reader = KafkaEventReader::Open(options_);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(*(*reader)->LastCommittedSeq(), 10u);
  auto seven = (*reader)->ReadSeq(7);
  ASSERT_TRUE(seven.ok() && seven->has_value());
  EXPECT_EQ((*seven)->event.bytes, log_[6].bytes);
  auto eleven = (*reader)->ReadSeq(11);
  ASSERT_TRUE(eleven.ok());
  EXPECT_FALSE(eleven->has_value());
}

TEST_F(KafkaPublisherTest,
       SecondInstanceWithSameTransactionalIdFencesTheFirst) {
  auto first = NewPublisher();
  ASSERT_TRUE(PublishAndWait(*first, Slice(log_, 1, 2)).ok());

  auto second = NewPublisher();
  auto report = second->Reconcile(2);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->kafka_last_seq, 2u);

  Status s = PublishAndWait(*first, Slice(log_, 3, 3));
  EXPECT_TRUE(IsFencedStatus(s)) << s.ToString();
  EXPECT_TRUE(first->IsFenced());
  EXPECT_TRUE(IsFencedStatus(
      PublishAndWait(*first, Slice(log_, 4, 4))));  // fails fast for good
  EXPECT_TRUE(IsFencedStatus(first->Health()));

  ASSERT_TRUE(PublishAndWait(*second, Slice(log_, 3, 4)).ok());
  std::vector<KafkaRecord> got = ReadAll(options_);
  ASSERT_EQ(got.size(), 4u);
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i].event.bytes, log_[i].bytes);
}

TEST_F(KafkaPublisherTest, ReconcilePublishesExactlyWhatKafkaLacks) {
  {
    auto p = NewPublisher();
    ASSERT_TRUE(PublishAndWait(*p, Slice(log_, 1, 4)).ok());
  }
  auto p = NewPublisher();
  auto report = p->Reconcile(25, /*compare=*/4);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->kafka_last_seq, 4u);
  EXPECT_EQ(report->compared, 4u);
  EXPECT_EQ(report->published, 21u);
  // A batch Kafka already holds is skipped; the next one continues.
  ASSERT_TRUE(PublishAndWait(*p, Slice(log_, 20, 26)).ok());
  std::vector<KafkaRecord> got = ReadAll(options_);
  ASSERT_EQ(got.size(), 26u);
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i].event.bytes, log_[i].bytes);
}

TEST_F(KafkaPublisherTest, BatchAfterAFailedOneFillsTheGapFromTheLocalLog) {
  auto p = NewPublisher();
  ASSERT_TRUE(PublishAndWait(*p, Slice(log_, 1, 2)).ok());
  // Seqs 3..5 were never acknowledged by Kafka (as after a failed publish).
  ASSERT_TRUE(PublishAndWait(*p, Slice(log_, 6, 7)).ok());
  std::vector<KafkaRecord> got = ReadAll(options_);
  ASSERT_EQ(got.size(), 7u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].event.seq, i + 1);
}

TEST_F(KafkaPublisherTest, ReconcileRefusesKafkaAheadOfTheLocalLog) {
  auto p = NewPublisher();
  ASSERT_TRUE(PublishAndWait(*p, Slice(log_, 1, 5)).ok());
  auto again = NewPublisher();
  auto report = again->Reconcile(3);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Code::kCorruption);
  EXPECT_NE(report.status().message().find("up to seq 5"), std::string::npos)
      << report.status().message();
  EXPECT_EQ(again->Health().code(), Code::kCorruption);
}

TEST_F(KafkaPublisherTest, ReconcileRefusesDifferentBytesAtTheSameSeq) {
  auto p = NewPublisher();
  ASSERT_TRUE(PublishAndWait(*p, Slice(log_, 1, 5)).ok());
  log_[4] = MakeEvents(5, 1).front();  // same seq 5 ...
  Result<Event> e = DecodeEvent(log_[4].bytes);
  e->office = "elsewhere";  // ... other content
  log_[4].bytes = EncodeEvent(*e);
  auto again = NewPublisher();
  auto report = again->Reconcile(10);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Code::kCorruption);
  EXPECT_NE(report.status().message().find("different bytes at seq 5"),
            std::string::npos)
      << report.status().message();
}

TEST_F(KafkaPublisherTest, ExistingTopicsAreAcceptedAgain) {
  EXPECT_TRUE(EnsureTopics(options_).ok());
  auto config = DescribeTopicConfig(options_, options_.EventsTopic());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ((*config)["cleanup.policy"], "delete");
  EXPECT_EQ((*config)["retention.ms"], "-1");
  auto vault = DescribeTopicConfig(options_, options_.VaultTopic());
  ASSERT_TRUE(vault.ok());
  EXPECT_EQ((*vault)["cleanup.policy"], "compact");
}

TEST(KafkaAdminTest, RefusesCompactedEventsTopic) {
  KafkaOptions o = UniqueKafkaOptions();
  ASSERT_TRUE(
      CreateTopic(o, o.EventsTopic(), 1, {{"cleanup.policy", "compact"}}).ok());
  Status s = EnsureTopics(o);
  EXPECT_EQ(s.code(), Code::kConflict) << s.ToString();
  EXPECT_NE(s.message().find("cleanup.policy=compact"), std::string::npos)
      << s.message();
}

TEST(KafkaAdminTest, RefusesEventsTopicWithFiniteRetention) {
  KafkaOptions o = UniqueKafkaOptions();
  ASSERT_TRUE(
      CreateTopic(o, o.EventsTopic(), 1, {{"retention.ms", "604800000"}}).ok());
  Status s = EnsureTopics(o);
  EXPECT_EQ(s.code(), Code::kConflict) << s.ToString();
  EXPECT_NE(s.message().find("retention.ms=604800000"), std::string::npos)
      << s.message();
}

TEST(KafkaAdminTest, CreatesTopicsWithConfiguredPartitions) {
  KafkaOptions o = UniqueKafkaOptions();
  o.partitions = 3;
  ASSERT_TRUE(EnsureTopics(o).ok());
  auto config = DescribeTopicConfig(o, o.EventsTopic());
  ASSERT_TRUE(config.ok());
  EXPECT_EQ((*config)["min.insync.replicas"], "1");
  auto scanner = KafkaScanner::Open(o);
  ASSERT_TRUE(scanner.ok());
  auto partitions = (*scanner)->Partitions();
  ASSERT_TRUE(partitions.ok()) << partitions.status().ToString();
  EXPECT_EQ(partitions->size(), 3u);
}

// Topics of three partitions, `n` events, and a publisher over them.
class KafkaMultiPartitionTest : public ::testing::Test {
 protected:
  void Start(size_t n) {
    o = UniqueKafkaOptions();
    o.partitions = 3;
    Status created = EnsureTopics(o);
    ASSERT_TRUE(created.ok()) << created.ToString();
    log = MakeEvents(1, n);
    auto created_publisher = KafkaPublisher::Create(o, VectorLog(&log));
    ASSERT_TRUE(created_publisher.ok());
    publisher = std::move(created_publisher).value();
  }
  void Publish(uint64_t first, uint64_t last) {
    ASSERT_TRUE(PublishAndWait(*publisher, Slice(log, first, last)).ok());
  }

  // A whole-history read hands out seqs 1..12 and then stops at the bad
  // record at `offset` of partition 0, naming `seq`.
  void ExpectReadStopsAfterTwelve(int64_t offset, uint64_t seq) {
    auto reader = KafkaEventReader::Open(o);
    ASSERT_TRUE(reader.ok());
    std::vector<uint64_t> seqs;
    Status s = (*reader)->ReadAfter(0, [&](KafkaRecord&& r) {
      seqs.push_back(r.event.seq);
      return Status::Ok();
    });
    EXPECT_EQ(s.code(), Code::kCorruption) << s.ToString();
    EXPECT_NE(s.message().find(o.EventsTopic() + "/0@" +
                               std::to_string(offset) + ": "),
              std::string::npos)
        << s.ToString();
    std::vector<uint64_t> want(12);
    for (uint64_t i = 0; i < 12; ++i) want[i] = i + 1;
    EXPECT_EQ(seqs, want);
    EXPECT_EQ((*reader)->failed_seq(), std::optional<uint64_t>(seq));
  }

  KafkaOptions o;
  std::vector<StoredEvent> log;
  std::unique_ptr<KafkaPublisher> publisher;
};

TEST_F(KafkaMultiPartitionTest, EventsSpreadByResidentReadBackInSeqOrder) {
  ASSERT_NO_FATAL_FAILURE(Start(30));
  Publish(1, 12);
  Publish(13, 30);
  std::vector<KafkaRecord> got = ReadAll(o);
  ASSERT_EQ(got.size(), 30u);
  std::set<int32_t> partitions;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].event.bytes, log[i].bytes);
    partitions.insert(got[i].partition);
  }
  EXPECT_GT(partitions.size(), 1u);
  std::vector<KafkaRecord> tail = ReadAll(o, 17);
  ASSERT_EQ(tail.size(), 13u);
  EXPECT_EQ(tail.front().event.seq, 18u);
  auto reader = KafkaEventReader::Open(o);
  EXPECT_EQ(*(*reader)->LastCommittedSeq(), 30u);
}

// A foreign record that does not decode, claiming seq 13, after 1..12 were
// published over three partitions and followed by good 14..16: the reader
// hands out all of 1..12 (whatever partition each sits in) before it stops,
// and names seq 13 and the record's offset.
TEST_F(KafkaMultiPartitionTest,
       ABadRecordStopsReadingOnlyAfterEveryEarlierSeq) {
  ASSERT_NO_FATAL_FAILURE(Start(16));
  Publish(1, 12);
  std::vector<ForeignRecord> foreign;
  for (const StoredEvent& e : Slice(log, 13, 16)) {
    KafkaRecord rec = RecordFor(e, "test").value();
    foreign.push_back({rec.event.bytes, rec.key, rec.headers});
  }
  foreign[0].value = std::string(4, '\xff') + "not an event";
  Result<int64_t> offset = ProduceForeign(o, 0, {foreign[0]});
  ASSERT_TRUE(offset.ok()) << offset.status().ToString();
  ASSERT_TRUE(ProduceForeign(o, 1, {foreign[1], foreign[2]}).ok());
  ASSERT_TRUE(ProduceForeign(o, 2, {foreign[3]}).ok());

  ExpectReadStopsAfterTwelve(*offset, 13);
}

// The same with the bad record claiming a seq far beyond the end, and no
// record after it: nothing can fill 13..999, so reading stops (it does not
// end cleanly) once every partition is at its end; it names seq 1000.
TEST_F(KafkaMultiPartitionTest, ABadRecordClaimingAFarSeqStillStopsReading) {
  ASSERT_NO_FATAL_FAILURE(Start(12));
  Publish(1, 12);
  KafkaRecord rec = RecordFor(log.back(), "test").value();
  ForeignRecord bad{std::string(4, '\xff') + "not an event", rec.key,
                    rec.headers};
  for (auto& [k, v] : bad.headers) {
    if (k == kHeaderSeq) v = "1000";
  }
  Result<int64_t> offset = ProduceForeign(o, 0, {bad});
  ASSERT_TRUE(offset.ok()) << offset.status().ToString();
  ExpectReadStopsAfterTwelve(*offset, 1000);
}

}  // namespace
}  // namespace cityid

namespace cityid {
namespace {

// The broker is killed (SIGKILL) and restarted under a publisher: batches fail
// with kUnavailable within the bound while it is down, the publisher recovers
// by itself, and Kafka ends up with every event exactly once.
TEST(KafkaBrokerRestartTest,
     PublisherFailsFastWhileDownThenRecoversLosingNothing) {
  if (!testing::KafkaBrokerEnvironment::Owned())
    GTEST_SKIP() << "external broker";
  KafkaOptions o = UniqueKafkaOptions();
  o.commit_timeout_ms = 2000;
  o.request_timeout_ms = 2000;
  ASSERT_TRUE(EnsureTopics(o).ok());
  std::vector<StoredEvent> log = MakeEvents(1, 12);
  auto p = KafkaPublisher::Create(o, VectorLog(&log));
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(PublishAndWait(**p, Slice(log, 1, 5)).ok());

  ASSERT_TRUE(testing::KafkaBrokerEnvironment::Stop(/*kill=*/true).ok());
  const auto t0 = std::chrono::steady_clock::now();
  Status down = PublishAndWait(**p, Slice(log, 6, 8));
  EXPECT_EQ(down.code(), Code::kUnavailable) << down.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_EQ((*p)->Health().code(), Code::kUnavailable);

  ASSERT_TRUE(testing::KafkaBrokerEnvironment::Start().ok());
  Status up;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(90);
  uint64_t next = 9;
  while (std::chrono::steady_clock::now() < deadline && next <= 12) {
    up = PublishAndWait(**p, Slice(log, next, next));
    if (up.ok()) ++next;
  }
  ASSERT_TRUE(up.ok()) << up.ToString();
  EXPECT_TRUE((*p)->Health().ok());
  std::vector<KafkaRecord> got = ReadAll(o);
  ASSERT_EQ(got.size(), 12u);
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i].event.bytes, log[i].bytes);
}

}  // namespace
}  // namespace cityid
