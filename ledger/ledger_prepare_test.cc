// PrepareCommand (ledger_batch.h) and the writer's account (WriterStats):
// the order-independent work runs before the writer, and the writer still
// decides every command against the state in order.
#include <gtest/gtest.h>

#include "ledger/ledger_batch.h"
#include "ledger/ledger_fixture.h"

namespace cityid {
namespace {

using testing_util::Ctx;
using testing_util::LedgerTest;
using testing_util::MakeEnroll;

class PrepareTest : public LedgerTest {
 protected:
  PrepareTest() {
    auto v = Vault::Open(options_.kek_file, options_.blind_index_key_file);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    vault_ = std::move(v).value();
  }
  DecideEnv Env() const {
    DecideEnv env;
    env.now = clock_.Now();
    env.cards = options_.cards;
    env.pii_fields = options_.pii_fields;
    return env;
  }
  std::unique_ptr<Vault> vault_;
};

TEST_F(PrepareTest, EnrollmentIsSealedAndIndexedBeforeTheWriter) {
  EnrollCommand enroll = MakeEnroll("Ana", "Diaz");
  std::optional<PreparedCommand> p =
      PrepareCommand(Command(enroll), *vault_, Env());
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(p->resident_id.empty());
  EXPECT_EQ(p->blind_index, vault_->BlindIndex(enroll.pii));
  auto pii = vault_->Unseal(p->resident_id, p->sealed.wrapped_key,
                            p->sealed.ciphertext);
  ASSERT_TRUE(pii.ok()) << pii.status().ToString();
  EXPECT_EQ(*pii, enroll.pii);
  // A fresh id every time: a retried enrollment never reuses one.
  EXPECT_NE(PrepareCommand(Command(enroll), *vault_, Env())->resident_id,
            p->resident_id);
}

TEST_F(PrepareTest, UpdateWithPiiIsSealedForItsResident) {
  UpdateResidentCommand update;
  update.resident_id = "r-given";
  update.pii = MakeEnroll("Ana", "Diaz-Lopez").pii;
  std::optional<PreparedCommand> p =
      PrepareCommand(Command(update), *vault_, Env());
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->resident_id, "r-given");
  EXPECT_TRUE(
      vault_->Unseal("r-given", p->sealed.wrapped_key, p->sealed.ciphertext)
          .ok());
}

TEST_F(PrepareTest, NothingIsPreparedForInvalidOrOtherCommands) {
  EnrollCommand bad = MakeEnroll("Ana", "Diaz", "not-a-date");
  EXPECT_FALSE(PrepareCommand(Command(bad), *vault_, Env()).has_value());
  EXPECT_FALSE(
      PrepareCommand(Command(IssueCardCommand{"r", "standard"}), *vault_, Env())
          .has_value());
  UpdateResidentCommand no_pii;
  no_pii.resident_id = "r";
  EXPECT_FALSE(PrepareCommand(Command(no_pii), *vault_, Env()).has_value());
}

// Prepared in parallel, decided in order: of two identical enrollments
// submitted together exactly one is enrolled, the other names it.
TEST_F(LedgerTest, PreparedDuplicatesInOneBatchAreStillCaught) {
  std::vector<Result<CommandResult>> r =
      SubmitAll({MakeEnroll("Ana", "Diaz"), MakeEnroll("Ana", "Diaz")});
  ASSERT_TRUE(r[0].ok()) << r[0].status().ToString();
  ASSERT_FALSE(r[1].ok());
  EXPECT_EQ(r[1].status().code(), Code::kConflict);
  EXPECT_NE(r[1].status().message().find(r[0]->resident_id), std::string::npos);
  EXPECT_EQ(AllEvents().size(), 1u);
}

TEST_F(LedgerTest, WriterStatsAccountForEveryCommand) {
  WriterStats before = ledger_->GetWriterStats();
  std::string rid = Enroll();
  Issue(rid);
  auto refused = ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx());
  EXPECT_EQ(refused.status().code(), Code::kConflict);
  WriterStats after = ledger_->GetWriterStats();
  EXPECT_EQ(after.commands - before.commands, 3u);
  EXPECT_GE(after.batches - before.batches, 1u);
  EXPECT_GT(after.decide_nanos, before.decide_nanos);
  EXPECT_GT(after.write_nanos, before.write_nanos);  // two synced writes
}

}  // namespace
}  // namespace cityid
