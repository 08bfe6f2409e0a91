// Durability and privacy of the ledger on disk: restart, plaintext never at
// rest, erasure removing the vault bytes, sink and write failures.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

#include "ledger/ledger_batch.h"
#include "ledger/ledger_fixture.h"

namespace cityid {
namespace {

using testing_util::Ctx;
using testing_util::LedgerTest;
using testing_util::MakeEnroll;

// Every file under `dir` whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const std::string& dir,
                                         std::string_view needle) {
  std::vector<std::string> hits;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos)
      hits.push_back(entry.path().string());
  }
  return hits;
}

TEST_F(LedgerTest, RestartRecoversStateSeqAndIdempotency) {
  std::string rid = Enroll();
  auto issued =
      ledger_->Execute(IssueCardCommand{rid, "senior"}, Ctx("issue-1", "h1"));
  ASSERT_TRUE(issued.ok());
  auto suspended = ledger_->Execute(
      CardActionCommand{issued->card->card_id, CardAction::kSuspend, "review"},
      Ctx());
  ASSERT_TRUE(suspended.ok());
  auto card_before = ledger_->GetCard(issued->card->card_id);
  auto resident_before = ledger_->GetResidentState(rid);
  auto events_before = ledger_->ReadEvents(0, 100);
  ASSERT_TRUE(card_before.ok() && resident_before.ok() && events_before.ok());

  Reopen();
  EXPECT_EQ(ledger_->LastSeq(), 3u);
  auto card_after = ledger_->GetCard(issued->card->card_id);
  ASSERT_TRUE(card_after.ok());
  EXPECT_EQ(card_after->status, CardStatus::kSuspended);
  EXPECT_EQ(card_after->version, card_before->version);
  EXPECT_EQ(card_after->status_index, card_before->status_index);
  EXPECT_EQ(ledger_->GetResidentState(rid)->card_ids,
            resident_before->card_ids);
  auto events_after = ledger_->ReadEvents(0, 100);
  ASSERT_TRUE(events_after.ok());
  ASSERT_EQ(events_after->size(), events_before->size());
  for (size_t i = 0; i < events_after->size(); ++i) {
    EXPECT_EQ((*events_after)[i].bytes, (*events_before)[i].bytes);
  }

  auto replay =
      ledger_->Execute(IssueCardCommand{rid, "senior"}, Ctx("issue-1", "h1"));
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->card->card_id, issued->card->card_id);
  EXPECT_EQ(
      ledger_->Execute(IssueCardCommand{rid, "senior"}, Ctx("issue-1", "h2"))
          .status()
          .code(),
      Code::kIdempotencyMismatch);
  // Duplicate detection and the vault survive too; seqs continue.
  EXPECT_EQ(ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx()).status().code(),
            Code::kConflict);
  auto read = ledger_->Execute(ReadResidentCommand{rid, "renewal"}, Ctx());
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->resident->pii.at("family_name"), "Diaz");
  EXPECT_EQ(read->seq, 4u);
  // The slot given before restart is never handed out again.
  std::string rid2 = Enroll("Bea", "Ruiz");
  CardView second = Issue(rid2);
  EXPECT_NE(second.status_index, card_before->status_index);
}

TEST_F(LedgerTest, PlaintextPiiNeverReachesTheDisk) {
  const std::string given = "Zephyrina";
  const std::string family = "Quillfeather";
  std::string rid = Enroll(given, family);
  ASSERT_TRUE(ledger_->Execute(ReadResidentCommand{rid, "pickup"}, Ctx()).ok());
  UpdateResidentCommand update{rid,
                               PiiRecord{{"given_name", "Xanthippe"},
                                         {"family_name", family},
                                         {"date_of_birth", "1977-07-17"}},
                               std::nullopt};
  ASSERT_TRUE(ledger_->Execute(update, Ctx()).ok());
  Issue(rid);
  ledger_->Close();
  for (std::string_view needle :
       {std::string_view(given), std::string_view(family),
        std::string_view("Xanthippe"), std::string_view("1977-07-17"),
        std::string_view("1990-04-01")}) {
    EXPECT_EQ(FilesContaining(options_.data_dir, needle),
              std::vector<std::string>{})
        << needle;
  }
}

TEST_F(LedgerTest, ErasureRemovesVaultBytesAndAllowsReEnrollment) {
  std::string rid = Enroll("Ana", "Diaz");
  Issue(rid);
  const RocksLog& log = ledger_->TEST_log();
  auto wrapped = log.Get(Cf::kVaultKeys, rid);
  auto ciphertext = log.Get(Cf::kVaultData, rid);
  ASSERT_TRUE(wrapped.ok() && *wrapped && ciphertext.ok() && *ciphertext);
  auto blind = log.Get(Cf::kVaultBlind, kBlindByResident + rid);
  ASSERT_TRUE(blind.ok() && *blind);

  auto erased = ledger_->Execute(EraseResidentCommand{rid, "request"}, Ctx());
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_FALSE(*log.Get(Cf::kVaultKeys, rid));
  EXPECT_FALSE(*log.Get(Cf::kVaultData, rid));
  EXPECT_FALSE(*log.Get(Cf::kVaultBlind, kBlindByResident + rid));
  auto bucket = log.Get(Cf::kVaultBlind, BlindBucketKey(**blind));
  ASSERT_TRUE(bucket.ok());
  EXPECT_EQ(BucketFind(bucket->value_or(""), **blind), "");
  // The bytes themselves are gone from every file (flushed and compacted).
  EXPECT_EQ(FilesContaining(options_.data_dir, **wrapped),
            std::vector<std::string>{});
  EXPECT_EQ(FilesContaining(options_.data_dir, **ciphertext),
            std::vector<std::string>{});
  EXPECT_EQ(FilesContaining(options_.data_dir, **blind),
            std::vector<std::string>{});

  EXPECT_EQ(ledger_->GetResidentState(rid)->erased, true);
  UpdateResidentCommand update{rid, std::nullopt,
                               Attributes{"south", "30-39", "en"}};
  EXPECT_EQ(ledger_->Execute(update, Ctx()).status().code(), Code::kGone);
  EXPECT_EQ(ledger_->Execute(EraseResidentCommand{rid, "request"}, Ctx())
                .status()
                .code(),
            Code::kGone);
  auto again = ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_NE(again->resident_id, rid);
}

class FakeSink : public EventSink {
 public:
  void Publish(const std::vector<StoredEvent>& batch,
               std::function<void(Status)> done) override {
    published += batch.size();
    // Acknowledge from another thread, as a broker client would.
    std::thread([done, fail = fail.load()] {
      done(fail ? Unavailable("broker down") : Status::Ok());
    }).detach();
  }
  std::atomic<size_t> published{0};
  std::atomic<bool> fail{false};
};

TEST_F(LedgerTest, KafkaModeAnswersOnlyAfterThePublisherAcks) {
  FakeSink sink;
  options_.sink = &sink;
  Reopen();
  EXPECT_TRUE(ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx()).ok());
  EXPECT_EQ(sink.published.load(), 1u);
  sink.fail = true;
  auto failed = ledger_->Execute(MakeEnroll("Bea", "Ruiz"), Ctx());
  EXPECT_EQ(failed.status().code(), Code::kUnavailable);
  // The event is durable in the local log, to be published later (SPEC §8).
  EXPECT_EQ(ledger_->LastSeq(), 2u);
  EXPECT_EQ(sink.published.load(), 2u);
}

// An extension that stores one marker per event, and can be told to fail.
class MarkerExtension : public LogExtension {
 public:
  std::vector<std::string> ColumnFamilies() const override {
    return {"test_markers"};
  }
  Status OnOpen(rocksdb::DB* db,
                const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                uint64_t last_seq) override {
    db_ = db;
    cf_ = handles.at(0);
    opened_at = last_seq;
    return Status::Ok();
  }
  Status AddToBatch(const std::vector<StoredEvent>& events,
                    rocksdb::WriteBatch& wb) override {
    if (fail) return Unavailable("injected failure");
    for (const auto& e : events) {
      wb.Put(cf_, BigEndian64(e.seq), "marker").PermitUncheckedError();
    }
    return Status::Ok();
  }
  void OnBatchDone(bool durable) override {
    (durable ? durable_batches : dropped_batches)++;
  }
  bool HasMarker(uint64_t seq) {
    std::string v;
    return db_->Get(rocksdb::ReadOptions(), cf_, BigEndian64(seq), &v).ok();
  }

  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_ = nullptr;
  uint64_t opened_at = 0;
  std::atomic<bool> fail{false};
  int durable_batches = 0, dropped_batches = 0;
};

TEST_F(LedgerTest,
       ExtensionWritesCommitWithTheBatchAndAFailedBatchLeavesNoTrace) {
  Enroll("Old", "Event");
  MarkerExtension ext;
  // The fixture's ledger outlives this body but calls into `ext` until it
  // closes: close it first, also when an assertion returns early.
  struct CloseFirst {
    std::function<void()> close;
    ~CloseFirst() { close(); }
  } close_first{[this] { ledger_->Close(); }};
  options_.extensions = {&ext};
  Reopen();
  EXPECT_EQ(ext.opened_at, 1u);
  std::string rid = Enroll();
  EXPECT_TRUE(ext.HasMarker(2));
  EXPECT_EQ(ext.durable_batches, 1);

  ext.fail = true;
  auto failed = ledger_->Execute(IssueCardCommand{rid, "standard"}, Ctx());
  EXPECT_EQ(failed.status().code(), Code::kUnavailable);
  EXPECT_EQ(ledger_->LastSeq(), 2u);
  EXPECT_EQ(ledger_->Ready().code(), Code::kUnavailable);
  EXPECT_EQ(ledger_->GetResidentState(rid)->card_ids.size(), 0u);

  ext.fail = false;  // the "disk" recovers: Ready() follows without a command
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!ledger_->Ready().ok() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(ledger_->Ready().ok());
  // Later commands work and seqs stay gap-free.
  auto issued = ledger_->Execute(IssueCardCommand{rid, "standard"}, Ctx());
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->seq, 3u);
  EXPECT_TRUE(ext.HasMarker(3));
  EXPECT_TRUE(ledger_->Ready().ok());
  auto events = ledger_->ReadEvents(0, 10);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 3u);
}

}  // namespace
}  // namespace cityid
