#include "tools/erasure_journal.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace cityid {
namespace {

namespace fs = std::filesystem;

class ErasureJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/erasure_journal_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/var.erasures";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
  std::string path_;
};

TEST_F(ErasureJournalTest, AppendsLinesReadBackInOrderWithoutDuplicates) {
  ErasureJournal journal(path_);
  ASSERT_TRUE(journal.Append({"r_a", "r_b"}).ok());
  ASSERT_TRUE(journal.Append({"r_c", "r_a"}).ok());
  auto ids = ErasureJournal::Read(path_);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"r_a", "r_b", "r_c"}));
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ErasureJournalTest, AMissingJournalIsEmptyAndATornLastLineIsSkipped) {
  auto none = ErasureJournal::Read(path_);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  std::ofstream(path_) << "r_a\nr_tor";
  auto ids = ErasureJournal::Read(path_);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, std::vector<std::string>{"r_a"});
}

TEST_F(ErasureJournalTest, CreateIfMissingMakesAnEmptyJournalAndKeepsOne) {
  ErasureJournal journal(path_);
  ASSERT_TRUE(journal.CreateIfMissing().ok());
  EXPECT_TRUE(fs::exists(path_));
  EXPECT_TRUE(ErasureJournal::Read(path_)->empty());
  ASSERT_TRUE(journal.Append({"r_a"}).ok());
  ASSERT_TRUE(journal.CreateIfMissing().ok());
  EXPECT_EQ(*ErasureJournal::Read(path_), std::vector<std::string>{"r_a"});
}

TEST_F(ErasureJournalTest, AnUnwritablePlaceIsUnavailable) {
  ErasureJournal journal(dir_ + "/no/such/dir/var.erasures");
  EXPECT_EQ(journal.Append({"r_a"}).code(), Code::kUnavailable);
}

TEST_F(ErasureJournalTest, ItLivesBesideTheDataDirectoryByDefault) {
  Config config;
  config.Set("data", "/srv/cityid/var/");
  EXPECT_EQ(ErasureJournalPath(config), "/srv/cityid/var.erasures");
  config.Set("backup.journal", "/elsewhere/j");
  EXPECT_EQ(ErasureJournalPath(config), "/elsewhere/j");
}

}  // namespace
}  // namespace cityid
