// Kills `cityid ledger` with SIGKILL while clients enroll residents
// concurrently, restarts it, and checks durability (SPEC §3, §8): every
// acknowledged command's event is in the log exactly once with the seq it was
// acknowledged with, seqs are gap-free, and a command whose answer was lost in
// the crash, retried with its Idempotency-Key, lands exactly once.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "tests/harness/services.h"

namespace cityid::testing {
namespace {

namespace json = boost::json;

struct Attempt {
  std::string idempotency_key;
  std::string body;
  bool acked = false;
  std::string resident_id;
  uint64_t seq = 0;
};

class LedgerCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.Sub("ledger");
    InitDataDir(data_);
    clerk_ = Token(data_, "clerk");
    auditor_ = Token(data_, "auditor");
  }

  void StartAndWait() {
    port_ = FreePort();
    ledger_ = StartLedger(data_, port_);
    ASSERT_TRUE(WaitForHttp(port_, "/readyz", std::chrono::seconds(30)))
        << ReadFile(data_ + "/ledger.log");
  }

  // Clients enroll until the ledger dies under them.
  void LoadUntilKilled(int cycle, std::chrono::milliseconds kill_after) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < 6; ++c) {
      clients.emplace_back([&, c] {
        HttpClient client("127.0.0.1", port_);
        for (int i = 0; !stop.load(); ++i) {
          Attempt a;
          a.idempotency_key = "k-" + std::to_string(cycle) + "-" +
                              std::to_string(c) + "-" + std::to_string(i);
          a.body = EnrollBody("Crash", "Tester" + a.idempotency_key,
                              "1980-01-0" + std::to_string(1 + i % 9));
          Reply r = Call(client, "POST", "/v1/residents", clerk_, a.body,
                         {{"Idempotency-Key", a.idempotency_key}});
          if (r.status == 201) {
            a.acked = true;
            a.resident_id = std::string(r.body.at("resident_id").as_string());
            a.seq = r.body.at("seq").to_number<uint64_t>();
          } else if (r.status != 0 && r.status != 503) {
            ADD_FAILURE() << "unexpected status " << r.status << ": " << r.raw;
          }
          std::lock_guard<std::mutex> lock(mu_);
          attempts_.push_back(std::move(a));
          if (r.status == 0) break;  // the ledger is gone
        }
      });
    }
    std::this_thread::sleep_for(kill_after);
    ledger_->Signal(SIGKILL);
    ledger_->Wait(std::chrono::seconds(10));
    stop = true;
    for (auto& t : clients) t.join();
  }

  TempDir dir_;
  std::string data_, clerk_, auditor_;
  uint16_t port_ = 0;
  std::unique_ptr<Process> ledger_;
  std::mutex mu_;
  std::vector<Attempt> attempts_;
};

TEST_F(LedgerCrashTest, AcknowledgedEnrollmentsSurviveSigkillExactlyOnce) {
  std::mt19937 rng(20261127);
  constexpr int kCycles = 5;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    StartAndWait();
    LoadUntilKilled(cycle, std::chrono::milliseconds(300 + rng() % 700));
  }
  StartAndWait();

  // Retry every attempt that got no answer: each must land exactly once.
  HttpClient client("127.0.0.1", port_);
  size_t retried = 0;
  for (Attempt& a : attempts_) {
    if (a.acked) continue;
    Reply r = Call(client, "POST", "/v1/residents", clerk_, a.body,
                   {{"Idempotency-Key", a.idempotency_key}});
    ASSERT_EQ(r.status, 201) << r.raw;
    a.resident_id = std::string(r.body.at("resident_id").as_string());
    a.seq = r.body.at("seq").to_number<uint64_t>();
    ++retried;
  }

  const std::vector<json::object> events = AllEvents(client, auditor_);
  std::map<std::string, uint64_t> enrolled;  // resident -> seq
  std::map<std::string, int> per_key;
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].at("seq").to_number<uint64_t>(), i + 1)
        << "gap in the log";
    if (events[i].at("type").as_string() != "resident.enrolled") continue;
    const std::string rid(
        events[i].at("payload").at("resident_id").as_string());
    ASSERT_TRUE(enrolled.emplace(rid, i + 1).second)
        << rid << " enrolled twice";
    ++per_key[std::string(events[i].at("idempotency_key").as_string())];
  }
  size_t acked = 0;
  for (const Attempt& a : attempts_) {
    acked += a.acked;
    auto it = enrolled.find(a.resident_id);
    ASSERT_NE(it, enrolled.end())
        << "acknowledged resident " << a.resident_id << " lost";
    EXPECT_EQ(it->second, a.seq) << "seq changed for " << a.resident_id;
    EXPECT_EQ(per_key[a.idempotency_key], 1) << a.idempotency_key;
  }
  EXPECT_EQ(enrolled.size(), attempts_.size()) << "an event without an attempt";
  RecordProperty("acknowledged", static_cast<int>(acked));
  RecordProperty("retried_after_crash", static_cast<int>(retried));
  EXPECT_GT(acked, 50u) << "the load was too light to mean anything";
  std::printf(
      "ledger crash: %d cycles, %zu acknowledged, %zu retried, %zu events, 0 "
      "lost, 0 duplicated\n",
      kCycles, acked, retried, events.size());

  // The restarted ledger's group commits show on /metrics
  // (api/ledger_write_metrics.h): one more enrollment, one more durable
  // event, batch and fsync.
  auto metric = [&](const std::string& page, const std::string& name) {
    const size_t at = page.find("\n" + name + " ");
    if (at == std::string::npos) return -1.0;
    return std::stod(page.substr(at + name.size() + 2));
  };
  const std::string before = Call(client, "GET", "/metrics", "").raw;
  ASSERT_EQ(Call(client, "POST", "/v1/residents", clerk_,
                 EnrollBody("Metric", "Probe"))
                .status,
            201);
  Reply page = Call(client, "GET", "/metrics", "");
  ASSERT_EQ(page.status, 200);
  const std::string& m = page.raw;
  EXPECT_EQ(
      metric(m, "cityid_ledger_events_appended_total"),
      std::max(metric(before, "cityid_ledger_events_appended_total"), 0.0) + 1)
      << m;
  EXPECT_GE(metric(m, "cityid_ledger_batches_total{outcome=\"durable\"}"), 1)
      << m;
  EXPECT_GE(metric(m, "cityid_ledger_fsync_seconds_count"), 1) << m;
}

}  // namespace
}  // namespace cityid::testing
