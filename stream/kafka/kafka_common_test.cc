// Record shape (key, headers) and topic configuration checks: pure functions.
#include "stream/kafka/kafka_common.h"

#include <gtest/gtest.h>

#include "ledger/kafka/kafka_admin.h"
#include "schemas/event_codec.h"
#include "schemas/golden_events.h"

namespace cityid {
namespace {

std::string Header(const KafkaRecord& r, const std::string& key) {
  for (const auto& [k, v] : r.headers) {
    if (k == key) return v;
  }
  return "<missing>";
}

TEST(KafkaRecordTest, CarriesResidentKeyAndCloudEventsHeaders) {
  const Event e = GoldenEvents()[2];  // card.issued, seq 3
  Result<KafkaRecord> r =
      RecordFor(StoredEvent{3, EncodeEvent(e)}, "cityid/ledger/7");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->key, "r_0123456789abcdef01234567");
  EXPECT_EQ(Header(*r, "ce_specversion"), "1.0");
  EXPECT_EQ(Header(*r, "ce_id"), e.event_id);
  EXPECT_EQ(Header(*r, "ce_source"), "cityid/ledger/7");
  EXPECT_EQ(Header(*r, "ce_type"), "card.issued");
  EXPECT_EQ(Header(*r, "ce_time"), "2026-01-01T00:00:00.000003Z");
  EXPECT_EQ(Header(*r, "content-type"), "application/vnd.cityid.event+cereal");
  EXPECT_EQ(Header(*r, "cityid_seq"), "3");
  EXPECT_EQ(r->event.bytes, EncodeEvent(e));
}

TEST(KafkaRecordTest, RejectsBytesWhoseSeqDiffers) {
  const Event e = GoldenEvents()[0];  // seq 1
  Result<KafkaRecord> r = RecordFor(StoredEvent{2, EncodeEvent(e)}, "s");
  EXPECT_EQ(r.status().code(), Code::kCorruption);
}

TEST(KafkaRecordTest, RejectsUndecodableBytes) {
  Result<KafkaRecord> r = RecordFor(StoredEvent{1, "not an event"}, "s");
  EXPECT_EQ(r.status().code(), Code::kCorruption);
}

TEST(KafkaOptionsTest, NamesFollowThePrefixAndShard) {
  KafkaOptions o;
  o.topic_prefix = "city.";
  o.shard_id = "3";
  EXPECT_EQ(o.EventsTopic(), "city.events");
  EXPECT_EQ(o.VaultTopic(), "city.vault");
  EXPECT_EQ(o.TransactionalId(), "cityid-ledger-3");
  EXPECT_EQ(o.CloudEventsSource(), "cityid/ledger/3");
}

TopicConfig GoodEvents() {
  return {{"cleanup.policy", "delete"},
          {"retention.ms", "-1"},
          {"retention.bytes", "-1"},
          {"unclean.leader.election.enable", "false"}};
}

TEST(KafkaTopicCheckTest, AcceptsAnEventsTopicThatKeepsEverything) {
  EXPECT_TRUE(CheckEventsTopicConfig("e", GoodEvents()).ok());
}

TEST(KafkaTopicCheckTest, RefusesCompactionOfEvents) {
  for (const char* policy : {"compact", "compact,delete", "delete,compact"}) {
    TopicConfig c = GoodEvents();
    c["cleanup.policy"] = policy;
    EXPECT_EQ(CheckEventsTopicConfig("e", c).code(), Code::kConflict) << policy;
  }
}

TEST(KafkaTopicCheckTest, RefusesFiniteRetentionOfEvents) {
  TopicConfig c = GoodEvents();
  c["retention.bytes"] = "1073741824";
  EXPECT_EQ(CheckEventsTopicConfig("e", c).code(), Code::kConflict);
  c = GoodEvents();
  c["retention.ms"] = "604800000";
  Status s = CheckEventsTopicConfig("e", c);
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_NE(s.message().find("retention.ms=604800000"), std::string::npos);
}

TEST(KafkaTopicCheckTest, RefusesUncleanLeaderElectionOnEvents) {
  TopicConfig c = GoodEvents();
  c["unclean.leader.election.enable"] = "true";
  EXPECT_EQ(CheckEventsTopicConfig("e", c).code(), Code::kConflict);
}

TEST(KafkaTopicCheckTest, VaultMustBeCompactedWithBoundedLag) {
  TopicConfig good = {{"cleanup.policy", "compact"},
                      {"retention.ms", "604800000"},
                      {"max.compaction.lag.ms", "86400000"}};
  EXPECT_TRUE(CheckVaultTopicConfig("v", good).ok());
  TopicConfig c = good;
  c["cleanup.policy"] = "delete";
  EXPECT_EQ(CheckVaultTopicConfig("v", c).code(), Code::kConflict);
  c = good;
  c["cleanup.policy"] = "compact,delete";
  EXPECT_EQ(CheckVaultTopicConfig("v", c).code(), Code::kConflict);
  c = good;
  c["max.compaction.lag.ms"] = "9223372036854775807";
  EXPECT_EQ(CheckVaultTopicConfig("v", c).code(), Code::kConflict);
}

}  // namespace
}  // namespace cityid
