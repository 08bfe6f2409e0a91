#include "ledger/integrity/checkpoint.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "ledger/integrity/checkpoint_store.h"
#include "ledger/integrity/checkpointer.h"
#include "ledger/integrity/merkle_store.h"
#include "ledger/integrity/merkle_store_test_db.h"
#include "ledger/integrity/merkle_tree.h"
#include "ledger/integrity/signed_note_reference_test.h"

namespace cityid {
namespace {

constexpr char kOrigin[] = "cityid.example/ledger";

// The example body of the C2SP tlog-checkpoint spec.
constexpr char kSpecBody[] =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

TEST(CheckpointTest, FormatsAndParsesTheSpecExample) {
  Checkpoint c = ParseCheckpoint(kSpecBody).value();
  EXPECT_EQ(c.origin, "example.com/behind-the-sofa");
  EXPECT_EQ(c.size, 20852163u);
  EXPECT_EQ(MerkleHashBase64(c.root),
            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  EXPECT_TRUE(c.extensions.empty());
  EXPECT_EQ(FormatCheckpoint(c).value(), kSpecBody);

  c.extensions = {"ext one", "ext two"};
  std::string with_ext = FormatCheckpoint(c).value();
  EXPECT_EQ(with_ext, std::string(kSpecBody) + "ext one\next two\n");
  EXPECT_EQ(ParseCheckpoint(with_ext).value(), c);
  EXPECT_EQ(
      ParseCheckpoint("o\n0\n" + MerkleHashBase64(MerkleEmptyRoot()) + "\n")
          .value()
          .size,
      0u);
}

TEST(CheckpointTest, RejectsMalformedBodies) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  const std::vector<std::string> bad = {
      "",
      "o\n1\n" + root,                            // no final newline
      "o\n1\n",                                   // two lines
      "\n1\n" + root + "\n",                      // empty origin
      "o\n01\n" + root + "\n",                    // leading zero
      "o\n-1\n" + root + "\n",                    // sign
      "o\n1 \n" + root + "\n",                    // trailing space
      "o\n18446744073709551616\n" + root + "\n",  // 2^64
      "o\n1\n" + root.substr(4) + "\n",           // 29 bytes
      "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n",  // non-canonical
      "o\n1\n" + root + "\n\n",  // empty extension line
  };
  for (const std::string& body : bad) {
    EXPECT_EQ(ParseCheckpoint(body).status().code(), Code::kMalformed) << body;
  }
  EXPECT_TRUE(ParseCheckpoint("o\n18446744073709551615\n" + root + "\n").ok());
  Checkpoint c{"two\nlines", 1, {}, {}};
  EXPECT_EQ(FormatCheckpoint(c).status().code(), Code::kInvalidArgument);
}

TEST(CheckpointTest, SignedCheckpointVerifiesWithTheSpecOnlyVerifier) {
  NoteSigner signer = NoteSigner::Generate(kOrigin).value();
  Checkpoint c{kOrigin, 3, MerkleLeafHash("x"), {}};
  std::string note = SignCheckpoint(c, signer).value();

  std::string text;
  ASSERT_TRUE(reference::VerifyNote(note, kOrigin,
                                    signer.Verifier().public_key(), &text));
  EXPECT_EQ(text, FormatCheckpoint(c).value());

  std::vector<NoteVerifier> known = {signer.Verifier()};
  EXPECT_EQ(OpenCheckpoint(note, known, kOrigin).value(), c);
  EXPECT_EQ(OpenCheckpoint(note, known, "other.example/log").status().code(),
            Code::kInvalidArgument);
  NoteSigner other = NoteSigner::Generate(kOrigin).value();
  std::vector<NoteVerifier> wrong = {other.Verifier()};
  EXPECT_EQ(OpenCheckpoint(note, wrong, kOrigin).status().code(),
            Code::kNotFound);
}

TEST(CheckpointStoreTest, KeepsEveryCheckpointInSizeOrderAcrossReopen) {
  testing::TestDb db;
  {
    CheckpointStore store(db.db(), db.checkpoints());
    EXPECT_EQ(store.Latest().status().code(), Code::kNotFound);
    ASSERT_TRUE(store.Put(300, "note 300").ok());
    ASSERT_TRUE(store.Put(5, "note 5").ok());
    ASSERT_TRUE(store.Put(70000, "note 70000").ok());
  }
  db.Reopen();
  CheckpointStore store(db.db(), db.checkpoints());
  EXPECT_EQ(store.Get(300).value(), "note 300");
  EXPECT_EQ(store.Get(301).status().code(), Code::kNotFound);
  EXPECT_EQ(store.Latest().value().size, 70000u);
  std::vector<StoredCheckpoint> all = store.List(0, 10).value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].size, 5u);
  EXPECT_EQ(all[1].size, 300u);
  EXPECT_EQ(all[2].note, "note 70000");
  EXPECT_EQ(store.List(6, 1).value()[0].size, 300u);
}

class CheckpointerTest : public ::testing::Test {
 protected:
  void Append(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(tree_->Append("leaf " + std::to_string(tree_->size())).ok());
    }
    tree_->Commit();
  }
  Result<std::unique_ptr<Checkpointer>> Make(const NoteSigner& signer) {
    return Checkpointer::Create(tree_.get(), {kOrigin, signer, &history_});
  }

  testing::TestDb db_;
  CheckpointStore history_{db_.db(), db_.checkpoints()};
  InMemoryMerkleStore nodes_;
  std::unique_ptr<MerkleTree> tree_ =
      std::move(MerkleTree::Open(&nodes_)).value();
  NoteSigner signer_ = NoteSigner::Generate(kOrigin).value();
};

TEST_F(CheckpointerTest, SignsEachNewSizeOnceAndKeepsAConsistentHistory) {
  auto cp = std::move(Make(signer_)).value();
  EXPECT_EQ(cp->LatestCheckpoint().size, 0u);
  std::vector<NoteVerifier> known = {
      NoteVerifier::Parse(cp->VerifierKey()).value()};
  for (int round = 1; round <= 5; ++round) {
    Append(round * 3);
    std::string note = cp->SignLatest().value();
    EXPECT_EQ(cp->SignLatest().value(), note);  // unchanged size: same note
    Checkpoint c = OpenCheckpoint(note, known, kOrigin).value();
    EXPECT_EQ(c.size, tree_->size());
    EXPECT_EQ(c.root, tree_->Head().root);
  }
  std::vector<StoredCheckpoint> history = history_.List(0, 100).value();
  ASSERT_EQ(history.size(), 6u);  // sizes 0, 3, 9, 18, 30, 45
  Checkpoint last = OpenCheckpoint(history.back().note, known, kOrigin).value();
  for (const StoredCheckpoint& s : history) {
    Checkpoint c = OpenCheckpoint(s.note, known, kOrigin).value();
    auto proof = tree_->ConsistencyProof(c.size, last.size).value();
    EXPECT_TRUE(
        VerifyConsistency(c.size, last.size, c.root, last.root, proof).ok());
  }
}

TEST_F(CheckpointerTest, RefusesToSignALogThatWasRewritten) {
  Append(10);
  { auto cp = std::move(Make(signer_)).value(); }
  // Same history, different log: leaf 0 differs.
  InMemoryMerkleStore other_nodes;
  auto other = std::move(MerkleTree::Open(&other_nodes)).value();
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(
        other->Append(i == 0 ? "forged" : "leaf " + std::to_string(i)).ok());
  }
  other->Commit();
  auto cp = Checkpointer::Create(other.get(), {kOrigin, signer_, &history_});
  EXPECT_EQ(cp.status().code(), Code::kCorruption);
  EXPECT_EQ(history_.Latest().value().size, 10u);
}

TEST_F(CheckpointerTest, ResignsWithARotatedKeyAndRejectsAnotherOrigin) {
  Append(4);
  { auto cp = std::move(Make(signer_)).value(); }
  NoteSigner rotated = NoteSigner::Generate(kOrigin).value();
  auto cp = std::move(Make(rotated)).value();
  std::vector<NoteVerifier> known = {rotated.Verifier()};
  EXPECT_EQ(OpenCheckpoint(cp->LatestNote(), known, kOrigin).value().size, 4u);
  EXPECT_EQ(Checkpointer::Create(tree_.get(),
                                 {"elsewhere.example/log", signer_, &history_})
                .status()
                .code(),
            Code::kInvalidArgument);
}

TEST_F(CheckpointerTest, BackgroundThreadSignsNewHeads) {
  auto cp = std::move(Make(signer_)).value();
  cp->Start(std::chrono::milliseconds(5));
  Append(7);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (cp->LatestCheckpoint().size != 7 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  cp->Stop();
  EXPECT_EQ(cp->LatestCheckpoint().size, 7u);
  EXPECT_EQ(history_.Latest().value().size, 7u);
}

}  // namespace
}  // namespace cityid
