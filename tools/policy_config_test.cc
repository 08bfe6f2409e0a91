#include "tools/policy_config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace cityid {
namespace {

TEST(PolicyConfigTest, NoPolicyKeysLeaveEveryDomainOpen) {
  Result<ProgrammePolicy> p = PolicyFromConfig(Config());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_FALSE(p->districts.closed());
  EXPECT_FALSE(p->age_bands.closed());
  EXPECT_FALSE(p->languages.closed());
  EXPECT_FALSE(p->card_types.closed());
  EXPECT_EQ(p->FirstOpenDomain(), "district");
}

TEST(PolicyConfigTest, ReadsTomlArraysAndOverrides) {
  const std::string path = ::testing::TempDir() + "/cityid_policy_test.toml";
  std::ofstream(path) << "[policy]\ndistricts = [\"D01\", \"D02\"]\n"
                         "card_types = [\"standard\"]\n";
  Config c;
  ASSERT_TRUE(c.MergeTomlFile(path).ok());
  ASSERT_TRUE(c.MergeOverrides({"policy.languages=en, es"}).ok());
  Result<ProgrammePolicy> p = PolicyFromConfig(c);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->districts.values, (std::vector<std::string>{"D01", "D02"}));
  EXPECT_EQ(p->languages.values, (std::vector<std::string>{"en", "es"}));
  EXPECT_EQ(p->card_types.values, (std::vector<std::string>{"standard"}));
  EXPECT_FALSE(p->age_bands.closed());
}

TEST(PolicyConfigTest, RefusesBadValuesNamingTheKey) {
  Config c;
  c.Set("policy.card_types", "standard,gold");
  Status s = PolicyFromConfig(c).status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("policy.card_types"), std::string::npos)
      << s.message();
  Config repeated;
  repeated.Set("policy.districts", "D01,D01");
  EXPECT_NE(
      PolicyFromConfig(repeated).status().message().find("policy.districts"),
      std::string::npos);
}

TEST(PolicyConfigTest, RefusesTheRemovedStatsKeysNamingTheirReplacement) {
  for (const char* name :
       {"districts", "age_bands", "languages", "card_types"}) {
    Config c;
    c.Set(std::string("stats.") + name, "a,b");
    Status s = PolicyFromConfig(c).status();
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << name;
    EXPECT_NE(s.message().find(std::string("set policy.") + name),
              std::string::npos)
        << s.message();
  }
}

TEST(PolicyConfigTest, AssignmentsRoundTripThroughConfig) {
  ProgrammePolicy policy;
  policy.districts.values = {"north", "south"};
  policy.languages.values = {"en"};
  const std::vector<std::string> sets = PolicyAssignments(policy);
  EXPECT_EQ(sets, (std::vector<std::string>{"policy.districts=north,south",
                                            "policy.languages=en"}));
  Config c;
  ASSERT_TRUE(c.MergeOverrides(sets).ok());
  Result<ProgrammePolicy> back = PolicyFromConfig(c);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, policy);
}

}  // namespace
}  // namespace cityid
