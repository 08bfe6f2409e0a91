#include "tools/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "tests/harness/harness.h"

namespace cityid {
namespace {

TEST(ConfigTest, DefaultsMatchSpecPorts) {
  Config c;
  EXPECT_EQ(*c.GetInt("ledger.port"), 8080);
  EXPECT_EQ(*c.GetInt("registry.port"), 8081);
  EXPECT_EQ(*c.GetInt("revocations.port"), 8082);
  EXPECT_EQ(*c.GetInt("stats.port"), 8083);
  EXPECT_EQ(c.GetString("bind"), "127.0.0.1");
  EXPECT_EQ(*c.GetInt("stats.k"), 10);
}

TEST(ConfigTest, TomlFlattensTablesAndArrays) {
  const std::string path = ::testing::TempDir() + "/cityid_config_test.toml";
  std::ofstream(path)
      << "data = \"/srv/cityid\"\n[ledger]\nport = 9000\n"
         "[privacy]\npii_fields = [\"given_name\", \"family_name\"]\n";
  Config c;
  ASSERT_TRUE(c.MergeTomlFile(path).ok());
  EXPECT_EQ(c.GetString("data"), "/srv/cityid");
  EXPECT_EQ(*c.GetInt("ledger.port"), 9000);
  EXPECT_EQ(c.GetList("privacy.pii_fields"),
            (std::vector<std::string>{"given_name", "family_name"}));
}

TEST(ConfigTest, BadTomlIsAnInvalidArgument) {
  const std::string path = ::testing::TempDir() + "/cityid_bad.toml";
  std::ofstream(path) << "[ledger\nport = \n";
  Config c;
  Status s = c.MergeTomlFile(path);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
}

TEST(ConfigTest, EnvironmentOverridesFileAndFlagsOverrideEnvironment) {
  setenv("CITYID_LEDGER_PORT", "9100", 1);
  setenv("CITYID_KAFKA_TOPIC_PREFIX", "city2.", 1);
  Config c;
  c.MergeEnvironment();
  EXPECT_EQ(*c.GetInt("ledger.port"), 9100);
  EXPECT_EQ(c.GetString("kafka.topic_prefix"), "city2.");
  ASSERT_TRUE(c.MergeOverrides({"ledger.port=9200"}).ok());
  EXPECT_EQ(*c.GetInt("ledger.port"), 9200);
  EXPECT_FALSE(c.MergeOverrides({"novalue"}).ok());
  unsetenv("CITYID_LEDGER_PORT");
  unsetenv("CITYID_KAFKA_TOPIC_PREFIX");
}

TEST(ConfigTest, NonIntegerNamesTheKey) {
  Config c;
  c.Set("ledger.port", "80x");
  Result<int64_t> r = c.GetInt("ledger.port");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("ledger.port"), std::string::npos);
}

}  // namespace
}  // namespace cityid
