// `cityid audit` over a 1,000,000-event log (issue 5; SPEC §9's "audit
// replay events/s beside SHA-256 throughput"). The log is built fast, without
// HTTP: commands go straight to Ledger::Submit in waves (group commit of 4096)
// with the Merkle extension and a Checkpointer signing every second, as
// `cityid ledger` runs them. Then the real binary audits it with --baseline,
// and the test prints (and writes to $CITYID_AUDIT_BENCH_OUT, if set) the
// audit rate beside OpenSSL SHA-256 over the same bytes.
//
// CITYID_AUDIT_EVENTS overrides the event count (default 1,000,000).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>

#include "base/bytes.h"
#include "ledger/integrity/checkpointer.h"
#include "ledger/integrity/merkle_log_extension.h"
#include "ledger/ledger.h"
#include "tests/harness/harness.h"

namespace cityid::testing {
namespace {

namespace json = boost::json;
using Steady = std::chrono::steady_clock;

std::string WriteKey(const std::string& path) {
  std::ofstream(path, std::ios::binary) << RandomBytes(32);
  return path;
}

// Submits commands and waits for them in waves, collecting results.
class Waves {
 public:
  explicit Waves(Ledger& ledger) : ledger_(ledger) {}
  // Runs every command; returns the results in order.
  std::vector<CommandResult> Run(std::vector<Command> commands) {
    std::vector<CommandResult> results(commands.size());
    std::atomic<size_t> left{commands.size()};
    std::mutex mu;
    std::condition_variable cv;
    CommandContext ctx;
    ctx.actor = "tok_loadgen";
    ctx.office = "central";
    for (size_t i = 0; i < commands.size(); ++i) {
      ledger_.Submit(std::move(commands[i]), ctx,
                     [&, i](Result<CommandResult> r) {
                       if (r.ok())
                         results[i] = std::move(*r);
                       else
                         failures_.fetch_add(1);
                       if (left.fetch_sub(1) == 1) {
                         std::lock_guard<std::mutex> lock(mu);
                         cv.notify_all();
                       }
                     });
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return left.load() == 0; });
    return results;
  }
  uint64_t failures() const { return failures_.load(); }

 private:
  Ledger& ledger_;
  std::atomic<uint64_t> failures_{0};
};

EnrollCommand Enroll(uint64_t i) {
  static const char* kDistricts[] = {"north", "south", "east", "west"};
  static const char* kBands[] = {"18-24", "25-34", "35-44", "45-64", "65+"};
  return EnrollCommand{{{"given_name", "Given" + std::to_string(i)},
                        {"family_name", "Family" + std::to_string(i * 7919)},
                        {"date_of_birth", "19" + std::to_string(50 + i % 50) +
                                              "-0" + std::to_string(1 + i % 9) +
                                              "-1" + std::to_string(i % 10)}},
                       {kDistricts[i % 4], kBands[i % 5], i % 3 ? "en" : "es"},
                       {"passport"}};
}

// One wave of `n` new residents: enroll, issue, then for some a PII read, a
// renewal or a revocation, and a few erasures. About 2.6 events per
// resident.
uint64_t Wave(Waves& waves, uint64_t first, uint64_t n) {
  std::vector<Command> enroll;
  for (uint64_t i = 0; i < n; ++i) enroll.push_back(Enroll(first + i));
  auto residents = waves.Run(std::move(enroll));
  std::vector<Command> issue;
  for (const auto& r : residents)
    issue.push_back(IssueCardCommand{r.resident_id, "standard"});
  auto cards = waves.Run(std::move(issue));
  std::vector<Command> more;
  for (uint64_t i = 0; i < n; ++i) {
    if (!cards[i].card) continue;
    const std::string& card = cards[i].card->card_id;
    if (i % 2 == 0)
      more.push_back(ReadResidentCommand{
          residents[i].resident_id, i % 4 ? "card pickup" : "fraud check"});
    if (i % 10 == 1)
      more.push_back(CardActionCommand{card, CardAction::kRenew, ""});
    if (i % 40 == 3)
      more.push_back(CardActionCommand{card, CardAction::kRevoke, "fraud"});
    if (i % 100 == 7)
      more.push_back(EraseResidentCommand{residents[i].resident_id, "request"});
  }
  waves.Run(std::move(more));
  return n;
}

TEST(AuditMillionTest, AuditsAMillionEventsAndReportsItsRate) {
  const uint64_t target = std::getenv("CITYID_AUDIT_EVENTS")
                              ? std::stoull(std::getenv("CITYID_AUDIT_EVENTS"))
                              : 1'000'000;
  TempDir dir;
  const std::string data = dir.Sub("data");
  NoteSigner signer = NoteSigner::Generate("cityid.example/ledger").value();

  const auto build_start = Steady::now();
  {
    MerkleLogExtension merkle;
    LedgerOptions o;
    o.data_dir = data;
    o.kek_file = WriteKey(dir.Sub("kek"));
    o.blind_index_key_file = WriteKey(dir.Sub("blind"));
    o.max_batch = 4096;
    o.extensions = {&merkle};
    auto ledger = std::move(Ledger::Open(o)).value();
    auto cp = std::move(Checkpointer::Create(merkle.tree(),
                                             {"cityid.example/ledger", signer,
                                              merkle.checkpoints()}))
                  .value();
    cp->Start(std::chrono::seconds(1));
    Waves waves(*ledger);
    for (uint64_t next = 0; ledger->LastSeq() < target;) {
      const uint64_t left = target - ledger->LastSeq();
      next += Wave(waves, next,
                   std::max<uint64_t>(1, std::min<uint64_t>(20000, left / 3)));
    }
    ASSERT_EQ(waves.failures(), 0u);
    cp->Stop();
    ASSERT_TRUE(cp->SignLatest().ok());
    ledger->Close();
  }
  const double build_s =
      std::chrono::duration<double>(Steady::now() - build_start).count();

  const std::string log = dir.Sub("audit.log");
  const auto audit_start = Steady::now();
  Process audit({CityidBinary(), "audit", "--no-progress", "--data", data,
                 "--key", signer.Verifier().ToString(), "--json", "--baseline"},
                log);
  const int status = audit.Wait(std::chrono::minutes(30));
  const double wall_s =
      std::chrono::duration<double>(Steady::now() - audit_start).count();
  const std::string out = ReadFile(log);
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 0) << out.substr(0, 4000);
  const size_t json_at = ("\n" + out).rfind("\n{");  // the report's line
  ASSERT_NE(json_at, std::string::npos) << out.substr(0, 4000);
  json::object report = json::parse(out.substr(json_at)).as_object();
  const uint64_t events = report.at("events").to_number<uint64_t>();
  EXPECT_GE(events, target);
  EXPECT_TRUE(report.at("passed").as_bool());
  const json::object& base = report.at("sha256_baseline").as_object();
  json::object result{
      {"events", events},
      {"bytes", report.at("bytes")},
      {"build_seconds", build_s},
      {"audit_seconds", report.at("seconds")},
      {"audit_wall_seconds", wall_s},
      {"audit_events_per_second", report.at("events_per_second")},
      {"sha256_events_per_second", base.at("events_per_second")},
      {"sha256_megabytes_per_second", base.at("megabytes_per_second")},
      {"checkpoints", report.at("merkle").at("checkpoints")}};
  std::cout << "audit benchmark: " << json::serialize(result) << "\n";
  if (const char* path = std::getenv("CITYID_AUDIT_BENCH_OUT"))
    std::ofstream(path) << json::serialize(result) << "\n";
}

}  // namespace
}  // namespace cityid::testing
