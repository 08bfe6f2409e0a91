// Topic configuration checks (the events and vault topics): pure functions.
#include "ledger/kafka/kafka_admin.h"

#include <gtest/gtest.h>

namespace cityid {
namespace {

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
