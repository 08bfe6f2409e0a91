// Graceful shutdown of `cityid ledger` (issue 9): SIGTERM while clients
// enroll concurrently. The server stops accepting, answers in-flight
// commands, flushes and exits 0 within 15 s; after a restart every
// acknowledged enrollment is in the log exactly once with the seq it was
// acknowledged with, and seqs are gap-free.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/harness/services.h"

namespace cityid::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

class ShutdownTest : public ::testing::Test {
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
    ASSERT_TRUE(WaitForHttp(port_, "/readyz", seconds(30)))
        << ReadFile(data_ + "/ledger.log");
  }

  TempDir dir_;
  std::string data_, clerk_, auditor_;
  uint16_t port_ = 0;
  std::unique_ptr<Process> ledger_;
  std::mutex mu_;
  std::map<std::string, uint64_t> acked_;  // resident -> acknowledged seq
};

TEST_F(ShutdownTest, SigtermUnderLoadLosesNoAcknowledgedCommandAndExitsZero) {
  constexpr int kCycles = 3;
  int unexpected = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    StartAndWait();
    std::atomic<bool> stop{false};
    std::atomic<int> unexpected_here{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 8; ++c) {
      clients.emplace_back([&, c] {
        HttpClient client("127.0.0.1", port_);
        for (int i = 0; !stop.load(); ++i) {
          const std::string name = std::to_string(cycle) + "-" +
                                   std::to_string(c) + "-" + std::to_string(i);
          Reply r = Call(client, "POST", "/v1/residents", clerk_,
                         EnrollBody("Term", "Tester" + name));
          if (r.status == 201) {
            std::lock_guard<std::mutex> lock(mu_);
            acked_.emplace(std::string(r.body.at("resident_id").as_string()),
                           r.body.at("seq").to_number<uint64_t>());
          } else if (r.status == 0) {
            break;  // refused or closed: the server is stopping
          } else if (r.status != 503) {
            ++unexpected_here;
          }
        }
      });
    }
    std::this_thread::sleep_for(milliseconds(800));
    const auto signalled = SteadyClock::now();
    ledger_->Signal(SIGTERM);
    const int status = ledger_->Wait(seconds(15));
    const auto took = SteadyClock::now() - signalled;
    stop = true;
    for (auto& t : clients) t.join();
    ASSERT_NE(status, -1) << "did not exit within 15 s of SIGTERM";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "wait status " << status << "\n"
        << ReadFile(data_ + "/ledger.log");
    std::printf("cycle %d: exited %d after %lld ms, %zu acknowledged so far\n",
                cycle, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                static_cast<long long>(
                    std::chrono::duration_cast<milliseconds>(took).count()),
                acked_.size());
    unexpected += unexpected_here.load();
  }
  EXPECT_EQ(unexpected, 0) << "answers other than 201/503 under shutdown";

  StartAndWait();
  HttpClient client("127.0.0.1", port_);
  const auto events = AllEvents(client, auditor_);
  std::map<std::string, uint64_t> logged;
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].at("seq").to_number<uint64_t>(), i + 1) << "gap";
    if (events[i].at("type").as_string() != "resident.enrolled") continue;
    logged.emplace(
        std::string(events[i].at("payload").at("resident_id").as_string()),
        i + 1);
  }
  for (const auto& [resident, seq] : acked_) {
    auto it = logged.find(resident);
    ASSERT_NE(it, logged.end()) << "acknowledged " << resident << " lost";
    EXPECT_EQ(it->second, seq);
  }
  EXPECT_GT(acked_.size(), 50u) << "the load was too light to mean anything";
  std::printf("shutdown: %d cycles, %zu acknowledged, %zu events, 0 lost\n",
              kCycles, acked_.size(), events.size());
}

}  // namespace
}  // namespace cityid::testing
