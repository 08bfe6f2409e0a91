// The Merkle extension inside a real Ledger: every acknowledged event is a
// leaf at seq - 1, proofs verify against signed checkpoints, and the tree
// survives a restart of the ledger.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <vector>

#include "ledger/integrity/checkpointer.h"
#include "ledger/integrity/merkle_log_extension.h"
#include "ledger/integrity/merkle_reference_test.h"
#include "ledger/integrity/signed_note_reference_test.h"
#include "ledger/ledger.h"
#include "ledger/ledger_test_util.h"

namespace cityid {
namespace {

constexpr char kOrigin[] = "cityid.example/ledger";

class MerkleLedgerTest : public ::testing::Test {
 protected:
  MerkleLedgerTest() : clock_(testing_util::kTestNow) {
    options_.data_dir = dir_.path() + "/data";
    options_.kek_file = testing_util::WriteKeyFile(dir_.path(), "kek");
    options_.blind_index_key_file =
        testing_util::WriteKeyFile(dir_.path(), "blind");
    options_.clock = &clock_;
    options_.status_list_size = 4096;
  }
  ~MerkleLedgerTest() override { Close(); }

  void Open() {
    ext_ = std::make_unique<MerkleLogExtension>();
    options_.extensions = {ext_.get()};
    auto opened = Ledger::Open(options_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    ledger_ = std::move(opened).value();
  }
  void Close() {
    if (ledger_) ledger_->Close();
    ledger_.reset();
    ext_.reset();
  }

  // n enrollments submitted at once, so the writer batches them.
  void EnrollConcurrently(int n) {
    std::vector<std::promise<bool>> done(n);
    for (int i = 0; i < n; ++i) {
      ledger_->Submit(
          testing_util::MakeEnroll("Given" + std::to_string(i),
                                   "Family" + std::to_string(counter_++)),
          testing_util::Ctx(),
          [&done, i](Result<CommandResult> r) { done[i].set_value(r.ok()); });
    }
    for (auto& d : done) ASSERT_TRUE(d.get_future().get());
  }

  reference::Tree ReferenceFromLog() {
    reference::Tree ref;
    auto events = ledger_->ReadEvents(0, 1'000'000).value();
    for (const StoredEvent& e : events) ref.Add(e.bytes);
    return ref;
  }

  testing_util::TempDir dir_;
  FakeClock clock_;
  LedgerOptions options_;
  std::unique_ptr<MerkleLogExtension> ext_;
  std::unique_ptr<Ledger> ledger_;
  int counter_ = 0;
};

TEST_F(MerkleLedgerTest, EveryEventIsALeafProvableAgainstASignedCheckpoint) {
  Open();
  EnrollConcurrently(40);
  EnrollConcurrently(25);
  ASSERT_EQ(ext_->tree()->size(), ledger_->LastSeq());
  reference::Tree ref = ReferenceFromLog();
  ASSERT_EQ(ref.size(), 65u);
  EXPECT_EQ(MerkleHashBytes(ext_->tree()->Head().root), ref.Mth(0, 65));

  NoteSigner key = NoteSigner::Generate(kOrigin).value();
  auto cp = std::move(Checkpointer::Create(ext_->tree(),
                                           {kOrigin, key, ext_->checkpoints()}))
                .value();
  std::string text;
  ASSERT_TRUE(reference::VerifyNote(cp->LatestNote(), kOrigin,
                                    key.Verifier().public_key(), &text));
  Checkpoint c = ParseCheckpoint(text).value();
  ASSERT_EQ(c.size, 65u);
  auto events = ledger_->ReadEvents(0, 100).value();
  for (const StoredEvent& e : events) {
    auto proof = ext_->tree()->InclusionProof(e.seq - 1, c.size).value();
    EXPECT_TRUE(VerifyInclusion(e.seq - 1, c.size, MerkleLeafHash(e.bytes),
                                proof, c.root)
                    .ok())
        << "seq " << e.seq;
  }
}

TEST_F(MerkleLedgerTest, TreeAndCheckpointsSurviveARestart) {
  Open();
  EnrollConcurrently(10);
  NoteSigner key = NoteSigner::Generate(kOrigin).value();
  std::string first_note;
  {
    auto cp = std::move(Checkpointer::Create(
                            ext_->tree(), {kOrigin, key, ext_->checkpoints()}))
                  .value();
    first_note = cp->LatestNote();
  }
  Close();
  Open();
  EnrollConcurrently(5);
  reference::Tree ref = ReferenceFromLog();
  EXPECT_EQ(MerkleHashBytes(ext_->tree()->Head().root), ref.Mth(0, 15));
  auto cp = std::move(Checkpointer::Create(ext_->tree(),
                                           {kOrigin, key, ext_->checkpoints()}))
                .value();
  std::vector<NoteVerifier> known = {key.Verifier()};
  Checkpoint old_c = OpenCheckpoint(first_note, known, kOrigin).value();
  Checkpoint new_c = OpenCheckpoint(cp->LatestNote(), known, kOrigin).value();
  EXPECT_EQ(old_c.size, 10u);
  EXPECT_EQ(new_c.size, 15u);
  auto proof = ext_->tree()->ConsistencyProof(10, 15).value();
  EXPECT_TRUE(VerifyConsistency(10, 15, old_c.root, new_c.root, proof).ok());
  EXPECT_EQ(ext_->checkpoints()->List(0, 10).value().size(), 2u);
}

TEST_F(MerkleLedgerTest, ALedgerWithoutTheExtensionCatchesUpWhenItIsAdded) {
  {
    auto plain = std::move(Ledger::Open(options_)).value();  // no extension
    ledger_ = std::move(plain);
    EnrollConcurrently(4200);  // more than one catch-up batch of 4096
    ledger_->Close();
    ledger_.reset();
  }
  Open();
  ASSERT_EQ(ext_->tree()->size(), 4200u);
  reference::Tree ref = ReferenceFromLog();
  EXPECT_EQ(MerkleHashBytes(ext_->tree()->Head().root), ref.Mth(0, 4200));
  EnrollConcurrently(3);  // and appends as usual afterwards
  EXPECT_EQ(ext_->tree()->size(), ledger_->LastSeq());
  ref = ReferenceFromLog();
  EXPECT_EQ(MerkleHashBytes(ext_->tree()->Head().root), ref.Mth(0, 4203));
}

}  // namespace
}  // namespace cityid
