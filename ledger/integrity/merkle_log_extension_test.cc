// MerkleLogExtension driven the way the ledger's writer drives it: one
// WriteBatch per group commit, OnBatchDone after the write or its failure.
#include "ledger/integrity/merkle_log_extension.h"

#include <gtest/gtest.h>
#include <rocksdb/write_batch.h>

#include <string>
#include <vector>

#include "ledger/integrity/merkle_reference_test.h"
#include "ledger/integrity/merkle_store_test_db.h"

namespace cityid {
namespace {

std::vector<StoredEvent> Events(uint64_t first_seq, uint64_t count) {
  std::vector<StoredEvent> out;
  for (uint64_t seq = first_seq; seq < first_seq + count; ++seq) {
    out.push_back({seq, "framed event " + std::to_string(seq)});
  }
  return out;
}

class MerkleLogExtensionTest : public ::testing::Test {
 protected:
  Status Open(uint64_t last_seq) {
    return ext_.OnOpen(db_.db(), {db_.merkle(), db_.checkpoints()}, last_seq);
  }
  // One group commit; `write` false simulates a failed write.
  Status Batch(const std::vector<StoredEvent>& events, bool write = true) {
    rocksdb::WriteBatch batch;
    Status s = ext_.AddToBatch(events, batch);
    bool durable = s.ok() && write &&
                   db_.db()->Write(rocksdb::WriteOptions(), &batch).ok();
    ext_.OnBatchDone(durable);
    if (durable) {
      for (const StoredEvent& e : events) ref_.Add(e.bytes);
    }
    return s;
  }

  testing::TestDb db_;
  MerkleLogExtension ext_;
  reference::Tree ref_;
};

TEST_F(MerkleLogExtensionTest, CommitsLeavesWithTheirBatchAndRecovers) {
  ASSERT_TRUE(Open(0).ok());
  EXPECT_EQ(ext_.ColumnFamilies(),
            (std::vector<std::string>{"merkle", "checkpoints"}));
  ASSERT_TRUE(Batch(Events(1, 5)).ok());
  ASSERT_TRUE(Batch(Events(6, 3), /*write=*/false).ok());  // dropped
  ASSERT_TRUE(Batch(Events(6, 10)).ok());
  EXPECT_EQ(ext_.tree()->size(), 15u);
  EXPECT_EQ(MerkleHashBytes(ext_.tree()->Head().root), ref_.Mth(0, 15));

  ext_.OnClose();
  EXPECT_EQ(ext_.tree(), nullptr);
  db_.Reopen();
  ASSERT_TRUE(Open(15).ok());
  EXPECT_EQ(MerkleHashBytes(ext_.tree()->RootAt(9).value()), ref_.Mth(0, 9));
  ASSERT_TRUE(Batch(Events(16, 1)).ok());
  EXPECT_EQ(MerkleHashBytes(ext_.tree()->Head().root), ref_.Mth(0, 16));
}

TEST_F(MerkleLogExtensionTest, RejectsASeqThatIsNotTheNextLeaf) {
  ASSERT_TRUE(Open(0).ok());
  ASSERT_TRUE(Batch(Events(1, 2)).ok());
  EXPECT_EQ(Batch(Events(4, 1)).code(), Code::kInternal);
  EXPECT_EQ(ext_.tree()->pending_size(), 2u);
  ASSERT_TRUE(Batch(Events(3, 1)).ok());
}

TEST_F(MerkleLogExtensionTest, OpenFailsWhenTreeAndLogDisagree) {
  ASSERT_TRUE(Open(0).ok());
  ASSERT_TRUE(Batch(Events(1, 4)).ok());
  ext_.OnClose();
  EXPECT_EQ(Open(3).code(), Code::kCorruption);  // events removed
  EXPECT_EQ(Open(5).code(), Code::kCorruption);  // events without nodes
  EXPECT_TRUE(Open(4).ok());
}

}  // namespace
}  // namespace cityid
