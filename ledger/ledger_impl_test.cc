#include "ledger/ledger_impl.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "ledger/ids.h"
#include "ledger/ledger_test_util.h"
#include "schemas/event_codec.h"

namespace cityid {
namespace {

using testing_util::Ctx;
using testing_util::MakeEnroll;

class LedgerTest : public ::testing::Test {
 protected:
  LedgerTest() : clock_(testing_util::kTestNow) {
    options_.data_dir = dir_.path() + "/data";
    options_.kek_file = testing_util::WriteKeyFile(dir_.path(), "kek");
    options_.blind_index_key_file =
        testing_util::WriteKeyFile(dir_.path(), "blind");
    options_.clock = &clock_;
    options_.status_list_size = 4096;
    Reopen();
  }

  void Reopen() {
    if (ledger_) ledger_->Close();
    ledger_.reset();
    auto opened = LedgerImpl::Open(options_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    ledger_ = std::move(opened).value();
  }

  std::string Enroll(std::string given = "Ana", std::string family = "Diaz") {
    auto r = ledger_->Execute(MakeEnroll(given, family), Ctx());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->resident_id : "";
  }

  CardView Issue(const std::string& rid, std::string type = "standard") {
    auto r = ledger_->Execute(IssueCardCommand{rid, type}, Ctx());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && r->card ? *r->card : CardView{};
  }

  std::vector<Event> AllEvents() {
    auto stored = ledger_->ReadEvents(0, 1'000'000);
    EXPECT_TRUE(stored.ok());
    std::vector<Event> out;
    for (const StoredEvent& s : *stored) {
      auto e = DecodeEvent(s.bytes);
      EXPECT_TRUE(e.ok()) << e.status().ToString();
      if (e.ok()) {
        EXPECT_EQ(e->seq, s.seq);
        out.push_back(*e);
      }
    }
    return out;
  }

  testing_util::TempDir dir_;
  FakeClock clock_;
  LedgerOptions options_;
  std::unique_ptr<LedgerImpl> ledger_;
};

TEST_F(LedgerTest, EnrollsIssuesAndReadsBack) {
  auto enrolled = ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx());
  ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  EXPECT_TRUE(IsValidResidentId(enrolled->resident_id));
  EXPECT_EQ(enrolled->seq, 1u);
  EXPECT_EQ(enrolled->version, 1u);

  CardView card = Issue(enrolled->resident_id, "youth");
  EXPECT_TRUE(IsValidCardId(card.card_id));
  EXPECT_EQ(card.status, CardStatus::kActive);
  EXPECT_EQ(card.status_list, "1");
  EXPECT_EQ(card.expires_at - card.issued_at, 2 * 365 * kMicrosPerDay);
  EXPECT_EQ(card.version, 2u);

  auto got = ledger_->GetCard(card.card_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status_index, card.status_index);
  auto state = ledger_->GetResidentState(enrolled->resident_id);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->card_ids, std::vector<std::string>{card.card_id});
  EXPECT_TRUE(state->pii.empty());
  EXPECT_EQ(ledger_->GetCard("0000000000000").status().code(), Code::kNotFound);
  EXPECT_EQ(ledger_->GetResidentState("r_nobody").status().code(),
            Code::kNotFound);

  auto read = ledger_->Execute(
      ReadResidentCommand{enrolled->resident_id, "card pickup"}, Ctx());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->resident.has_value());
  EXPECT_EQ(read->resident->pii.at("given_name"), "Ana");
  EXPECT_EQ(read->resident->pii.at("date_of_birth"), "1990-04-01");
  EXPECT_EQ(read->seq, 3u);
  EXPECT_EQ(read->version, 1u);  // pii.accessed changes no aggregate

  std::vector<Event> events = AllEvents();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].type(), "pii.accessed");
  EXPECT_EQ(std::get<PiiAccessed>(events[2].payload).purpose, "card pickup");
  EXPECT_EQ(events[2].actor, "tok_clerk");
  EXPECT_EQ(events[0].office, "downtown");
  EXPECT_EQ(std::get<ResidentEnrolled>(events[0].payload).pii_digest.size(),
            32u);
  EXPECT_EQ(ledger_->LastSeq(), 3u);
}

TEST_F(LedgerTest, DuplicateEnrollmentIsCaughtAcrossCaseSpacingAndDiacritics) {
  std::string first = Enroll("José", "Pérez");
  auto dup = ledger_->Execute(MakeEnroll("  jose ", "PEREZ"), Ctx());
  ASSERT_EQ(dup.status().code(), Code::kConflict);
  EXPECT_NE(dup.status().message().find("resident " + first),
            std::string::npos);
  // Another date of birth is another person.
  EXPECT_TRUE(
      ledger_->Execute(MakeEnroll("Jose", "Perez", "1991-04-01"), Ctx()).ok());
  EXPECT_EQ(ledger_->LastSeq(), 2u);
}

TEST_F(LedgerTest, RefusedCommandAppendsNothing) {
  EnrollCommand bad = MakeEnroll("Ana", "Diaz");
  bad.pii["address"] = "1 Main St";
  EXPECT_EQ(ledger_->Execute(bad, Ctx()).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ledger_->Execute(IssueCardCommand{"r_nobody", "standard"}, Ctx())
                .status()
                .code(),
            Code::kNotFound);
  EXPECT_EQ(ledger_->LastSeq(), 0u);
  auto ok = ledger_->Execute(MakeEnroll("Ana", "Diaz"), Ctx());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->seq, 1u);  // the refusals took no seq
}

}  // namespace
}  // namespace cityid
