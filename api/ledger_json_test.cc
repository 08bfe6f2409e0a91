#include "api/ledger_json.h"

#include <gtest/gtest.h>

namespace cityid {
namespace {

TEST(LedgerJsonTest, ParsesIfMatchForms) {
  EXPECT_EQ(ParseIfMatch("42").value(), std::optional<uint64_t>(42));
  EXPECT_EQ(ParseIfMatch("\"42\"").value(), std::optional<uint64_t>(42));
  EXPECT_EQ(ParseIfMatch("W/\"42\"").value(), std::optional<uint64_t>(42));
  EXPECT_EQ(ParseIfMatch("").value(), std::nullopt);
  EXPECT_EQ(ParseIfMatch("*").value(), std::nullopt);
  for (const char* bad :
       {"\"\"", "abc", "-1", "\"4 2\"", "99999999999999999999"}) {
    EXPECT_EQ(ParseIfMatch(bad).status().code(), Code::kMalformed) << bad;
  }
}

TEST(LedgerJsonTest, EnrollBodyKeepsFieldsAndOffice) {
  std::string office;
  auto cmd = ParseEnrollBody(
      R"({"pii": {"given_name": "A"}, "attributes": {"district": "d", "age_band": "b",
          "language": "l"}, "documents": ["passport", "lease"], "office": "east"})",
      &office);
  ASSERT_TRUE(cmd.ok()) << cmd.status().ToString();
  EXPECT_EQ(cmd->pii.at("given_name"), "A");
  EXPECT_EQ(cmd->attributes.language, "l");
  EXPECT_EQ(cmd->documents.size(), 2u);
  EXPECT_EQ(office, "east");
}

TEST(LedgerJsonTest, ErrorsNameFieldsNeverValues) {
  std::string office;
  auto cmd = ParseEnrollBody(
      R"({"pii": {"given_name": ["Ana Secret"]}, "attributes": {}})", &office);
  EXPECT_EQ(cmd.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(cmd.status().message().find("Secret"), std::string::npos);
  auto unknown = ParseIssueBody(
      R"({"resident_id": "r", "card_type": "x", "Ana Secret": 1})");
  EXPECT_EQ(unknown.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(unknown.status().message().find("Secret"), std::string::npos);
}

TEST(LedgerJsonTest, RejectsNonUtf8AsMalformed) {
  std::string office;
  EXPECT_EQ(ParseEnrollBody("{\"pii\": {\"given_name\": \"\xff\"}}", &office)
                .status()
                .code(),
            Code::kMalformed);
}

TEST(LedgerJsonTest, EmptyBodyAcceptsNothingOrEmptyObject) {
  EXPECT_TRUE(ParseEmptyBody("").ok());
  EXPECT_TRUE(ParseEmptyBody(" {} ").ok());
  EXPECT_EQ(ParseEmptyBody("{\"a\":1}").code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseEmptyBody("nope").code(), Code::kMalformed);
}

TEST(LedgerJsonTest, UpdateNeedsPiiOrAttributes) {
  EXPECT_EQ(ParseUpdateBody("{}").status().code(), Code::kInvalidArgument);
  auto cmd = ParseUpdateBody(R"({"pii": {"family_name": "B"}})");
  ASSERT_TRUE(cmd.ok());
  EXPECT_TRUE(cmd->pii.has_value());
  EXPECT_FALSE(cmd->attributes.has_value());
}

}  // namespace
}  // namespace cityid
