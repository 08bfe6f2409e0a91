// Record shape (key, headers) and topic names: pure functions.
#include "stream/kafka/kafka_common.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace cityid
