#include "schemas/policy.h"

#include <gtest/gtest.h>

namespace cityid {
namespace {

ProgrammePolicy ClosedDistricts() {
  ProgrammePolicy p;
  p.districts.values = {"D01", "D02"};
  return p;
}

TEST(CategoryTest, AcceptsShortPlainValues) {
  EXPECT_TRUE(IsCategory("D01"));
  EXPECT_TRUE(IsCategory("65+"));
  EXPECT_TRUE(IsCategory("Île de la Cité"));
  EXPECT_TRUE(IsCategory(std::string(64, 'x')));
}

TEST(CategoryTest, RefusesWhatTheStatsStoreCannotHold) {
  EXPECT_FALSE(IsCategory(""));
  EXPECT_FALSE(IsCategory(std::string(65, 'x')));
  EXPECT_FALSE(IsCategory("north/east"));
  EXPECT_FALSE(IsCategory("a,b"));
  EXPECT_FALSE(IsCategory("tab\there"));
  EXPECT_FALSE(IsCategory(std::string("nul\0", 4)));
  EXPECT_FALSE(IsCategory(" padded"));
}

TEST(CategoryTest, TrimsSpacesAndTabs) {
  EXPECT_EQ(TrimCategory(" \tD01 \t"), "D01");
  EXPECT_EQ(TrimCategory("   "), "");
}

TEST(ProgrammePolicyTest, OpenDomainAcceptsAnyCategoryTrimmed) {
  ProgrammePolicy open;
  Result<Attributes> a = open.Normalize({"  D07 ", "25-34", "es"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->district, "D07");
  EXPECT_EQ(a->age_band, "25-34");
  EXPECT_EQ(a->language, "es");
}

TEST(ProgrammePolicyTest, OpenDomainRefusesEmptyLongAndMalformed) {
  ProgrammePolicy open;
  EXPECT_EQ(open.Normalize({" ", "a", "b"}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(open.Normalize({std::string(65, 'd'), "a", "b"}).status().code(),
            Code::kInvalidArgument);
  Status slash = open.Normalize({"north/east", "a", "b"}).status();
  EXPECT_EQ(slash.code(), Code::kInvalidArgument);
  EXPECT_NE(slash.message().find("attributes.district"), std::string::npos);
  EXPECT_EQ(slash.message().find("north/east"), std::string::npos)
      << "a refused value is never echoed";
  EXPECT_EQ(open.Normalize({"d", "a", "x\x01"}).status().code(),
            Code::kInvalidArgument);
}

TEST(ProgrammePolicyTest, ClosedDomainRefusesOtherValuesNamingAllowedOnes) {
  ProgrammePolicy p = ClosedDistricts();
  EXPECT_TRUE(p.Normalize({"D02", "any", "any"}).ok());
  Status s = p.Normalize({"north", "any", "any"}).status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "attributes.district must be one of: D01, D02");
}

TEST(ProgrammePolicyTest, ClosedDomainComparesTrimmedValue) {
  Result<Attributes> a = ClosedDistricts().Normalize({" D01", "x", "y"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->district, "D01");
}

TEST(ProgrammePolicyTest, CardTypesDefaultToTheApiTypes) {
  ProgrammePolicy p;
  EXPECT_TRUE(p.CheckCardType("senior").ok());
  Status s = p.CheckCardType("gold");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "card_type must be one of: standard, youth, senior");
}

TEST(ProgrammePolicyTest, ConfiguredCardTypesNarrowTheSet) {
  ProgrammePolicy p;
  p.card_types.values = {"standard"};
  ASSERT_TRUE(p.Check().ok());
  EXPECT_TRUE(p.CheckCardType("standard").ok());
  EXPECT_EQ(p.CheckCardType("youth").message(),
            "card_type must be one of: standard");
}

TEST(ProgrammePolicyTest, CheckRefusesUnknownCardTypesAndBadValues) {
  ProgrammePolicy p;
  p.card_types.values = {"standard", "gold"};
  EXPECT_EQ(p.Check().code(), Code::kInvalidArgument);
  ProgrammePolicy repeated;
  repeated.languages.values = {"en", "en"};
  EXPECT_NE(repeated.Check().message().find("policy.languages"),
            std::string::npos);
  ProgrammePolicy slash;
  slash.districts.values = {"a/b"};
  EXPECT_EQ(slash.Check().code(), Code::kInvalidArgument);
}

TEST(ProgrammePolicyTest, FirstOpenDomainNamesIt) {
  ProgrammePolicy p = ClosedDistricts();
  EXPECT_EQ(p.FirstOpenDomain(), "age_band");
  p.age_bands.values = {"18-64", "65+"};
  p.languages.values = {"en"};
  EXPECT_EQ(p.FirstOpenDomain(), std::nullopt);
}

}  // namespace
}  // namespace cityid
