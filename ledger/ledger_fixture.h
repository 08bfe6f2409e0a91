// LedgerTest: a gtest fixture with a LedgerImpl over a temporary data
// directory, a FakeClock and helpers. Test-only.
#ifndef CITYID_LEDGER_LEDGER_FIXTURE_H_
#define CITYID_LEDGER_LEDGER_FIXTURE_H_

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "ledger/ledger_impl.h"
#include "ledger/ledger_test_util.h"
#include "schemas/event_codec.h"

namespace cityid::testing_util {

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

  // Submits every command at once (so they group-commit) and waits for all.
  std::vector<Result<CommandResult>> SubmitAll(
      const std::vector<Command>& commands) {
    std::vector<std::promise<Result<CommandResult>>> promises(commands.size());
    for (size_t i = 0; i < commands.size(); ++i) {
      ledger_->Submit(commands[i], Ctx(),
                      [&promises, i](Result<CommandResult> r) {
                        promises[i].set_value(std::move(r));
                      });
    }
    std::vector<Result<CommandResult>> out;
    for (auto& p : promises) out.push_back(p.get_future().get());
    return out;
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

}  // namespace cityid::testing_util

#endif  // CITYID_LEDGER_LEDGER_FIXTURE_H_
