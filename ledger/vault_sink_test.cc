// The VaultSink seam (ledger/ledger.h): what the vault topic receives, and
// the outbox that keeps a failed publication from losing a record or a
// tombstone.
#include <gtest/gtest.h>

#include <mutex>

#include "base/bytes.h"
#include "ledger/ledger_fixture.h"

namespace cityid {
namespace {

using testing_util::Ctx;
using testing_util::MakeEnroll;

class FakeVaultSink final : public VaultSink {
 public:
  Status Publish(const std::vector<VaultRecord>& records) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (failures_ > 0) {
      --failures_;
      return Unavailable("broker down");
    }
    for (const VaultRecord& r : records) received_.push_back(r);
    return Status::Ok();
  }
  void FailNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_ = n;
  }
  std::vector<VaultRecord> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(received_, {});
  }

 private:
  std::mutex mu_;
  int failures_ = 0;
  std::vector<VaultRecord> received_;
};

class VaultSinkTest : public testing_util::LedgerTest {
 protected:
  VaultSinkTest() {
    options_.vault_sink = &sink_;
    Reopen();
  }
  FakeVaultSink sink_;
};

TEST_F(VaultSinkTest, SendsTheEncryptedEntryAndATombstoneOnErasure) {
  auto enrolled = ledger_->Execute(MakeEnroll("Sinka", "Vaultz"), Ctx());
  ASSERT_TRUE(enrolled.ok());
  const std::string rid = enrolled->resident_id;
  std::vector<VaultRecord> got = sink_.Take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].resident_id, rid);
  ASSERT_TRUE(got[0].wrapped_key && got[0].ciphertext);
  EXPECT_EQ(got[0].ciphertext->find("Sinka"), std::string::npos);
  const Event enroll_event = AllEvents().back();
  EXPECT_EQ(Sha256String(*got[0].ciphertext),
            std::get<ResidentEnrolled>(enroll_event.payload).pii_digest)
      << "the record is the vault's ciphertext";

  Issue(rid);
  EXPECT_TRUE(sink_.Take().empty()) << "no vault change, no record";
  ASSERT_TRUE(
      ledger_->Execute(EraseResidentCommand{rid, "request"}, Ctx()).ok());
  got = sink_.Take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].resident_id, rid);
  EXPECT_FALSE(got[0].wrapped_key || got[0].ciphertext) << "a tombstone";
}

TEST_F(VaultSinkTest, FailedPublicationIsAnsweredUnavailableAndRetried) {
  sink_.FailNext(1);
  auto first = ledger_->Execute(MakeEnroll("Firsta", "Outbox"), Ctx());
  EXPECT_EQ(first.status().code(), Code::kUnavailable);
  ASSERT_EQ(AllEvents().size(), 1u) << "the event itself is durable";
  const std::string rid =
      std::get<ResidentEnrolled>(AllEvents()[0].payload).resident_id;
  Enroll("Seconda", "Outbox");
  std::vector<VaultRecord> got = sink_.Take();
  ASSERT_EQ(got.size(), 2u);
  bool found = false;
  for (const VaultRecord& r : got)
    found = found || (r.resident_id == rid && r.ciphertext.has_value());
  EXPECT_TRUE(found) << "the first resident's record went out with the next";
  Enroll("Thirda", "Outbox");
  EXPECT_EQ(sink_.Take().size(), 1u) << "the outbox is empty again";
}

TEST_F(VaultSinkTest, OutboxSurvivesARestartAndSendsTheCurrentState) {
  sink_.FailNext(1);
  ASSERT_FALSE(ledger_->Execute(MakeEnroll("Restarta", "Outbox"), Ctx()).ok());
  const std::string rid =
      std::get<ResidentEnrolled>(AllEvents()[0].payload).resident_id;
  Reopen();
  // Erased before the record ever reached the topic: the topic must get the
  // tombstone, never the stale record after it.
  ASSERT_TRUE(
      ledger_->Execute(EraseResidentCommand{rid, "request"}, Ctx()).ok());
  std::vector<VaultRecord> got = sink_.Take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].resident_id, rid);
  EXPECT_FALSE(got[0].ciphertext.has_value());
}

}  // namespace
}  // namespace cityid
