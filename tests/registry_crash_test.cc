// Kills the registry projection with SIGKILL during catch-up, again and
// again, and checks that once caught up its state equals a clean replay
// (SPEC §4: state and position committed together; §8: projections converge).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <random>
#include <thread>

#include "tests/harness/services.h"

namespace cityid::testing {
namespace {

namespace json = boost::json;

// Loads residents with cards and a mix of card actions through the ledger.
uint64_t LoadCity(uint16_t port, const std::string& clerk,
                  const std::string& supervisor, int n) {
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      HttpClient client("127.0.0.1", port);
      for (int i = w; i < n; i += 4) {
        Reply e = Call(client, "POST", "/v1/residents", clerk,
                       EnrollBody("Replay", "Person" + std::to_string(i)));
        ASSERT_EQ(e.status, 201) << e.raw;
        const std::string rid(e.body.at("resident_id").as_string());
        Reply c = Call(client, "POST", "/v1/cards", clerk,
                       json::serialize(json::object{
                           {"resident_id", rid}, {"card_type", "standard"}}));
        ASSERT_EQ(c.status, 201) << c.raw;
        const std::string card(c.body.at("card_id").as_string());
        if (i % 7 == 0)
          Call(client, "POST", "/v1/cards/" + card + "/suspend", supervisor,
               R"({"reason":"review"})");
        if (i % 11 == 0)
          Call(client, "POST", "/v1/cards/" + card + "/replace", clerk,
               R"({"reason":"lost"})");
        if (i % 13 == 0)
          Call(client, "POST", "/v1/cards/" + card + "/revoke", supervisor,
               R"({"reason":"fraud"})");
      }
    });
  }
  for (auto& t : workers) t.join();
  HttpClient client("127.0.0.1", port);
  return Call(client, "GET", "/v1/position", "")
      .body.at("seq")
      .to_number<uint64_t>();
}

uint64_t Position(uint16_t port) {
  HttpClient client("127.0.0.1", port);
  Reply r = Call(client, "GET", "/v1/position", "");
  return r.status == 200 ? r.body.at("seq").to_number<uint64_t>() : 0;
}

// Runs until the registry reaches `head`, stops it cleanly, and returns
// "<position> <fingerprint>" from `--print-fingerprint`.
std::string CatchUpAndFingerprint(const std::string& dir,
                                  const std::string& ledger_dir,
                                  uint16_t ledger_port, uint64_t head) {
  const uint16_t port = FreePort();
  auto registry = StartRegistry(dir, port, ledger_dir, ledger_port);
  EXPECT_TRUE(WaitForHttp(port, "/healthz", std::chrono::seconds(30)))
      << ReadFile(dir + "/registry.log");
  for (int i = 0; i < 600 && Position(port) < head; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(Position(port), head);
  registry->Signal(SIGTERM);
  const int status = registry->Wait(std::chrono::seconds(30));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  Process fp({CityidBinary(), "project", "registry", "--data", dir,
              "--print-fingerprint"},
             dir + "/fingerprint.out");
  fp.Wait(std::chrono::seconds(30));
  return ReadFile(dir + "/fingerprint.out");
}

TEST(RegistryCrashTest, StateAfterRepeatedSigkillEqualsCleanReplay) {
  TempDir dir;
  const std::string ledger_dir = dir.Sub("ledger");
  InitDataDir(ledger_dir);
  const uint16_t ledger_port = FreePort();
  auto ledger = StartLedger(ledger_dir, ledger_port);
  ASSERT_TRUE(WaitForHttp(ledger_port, "/readyz", std::chrono::seconds(30)));
  const uint64_t head = LoadCity(ledger_port, Token(ledger_dir, "clerk"),
                                 Token(ledger_dir, "supervisor"), 1200);
  ASSERT_GT(head, 2400u);

  const std::string crashed = dir.Sub("registry-crashed");
  std::mt19937 rng(7);
  int kills_mid_catch_up = 0;
  uint64_t committed = 0;
  for (int cycle = 0; cycle < 10 && committed < head; ++cycle) {
    const uint16_t port = FreePort();
    auto registry = StartRegistry(crashed, port, ledger_dir, ledger_port,
                                  {"--set", "projection.batch_limit=50"});
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 120));
    registry->Signal(SIGKILL);
    registry->Wait(std::chrono::seconds(10));
    Process fp({CityidBinary(), "project", "registry", "--data", crashed,
                "--print-fingerprint"},
               crashed + "/fp" + std::to_string(cycle));
    fp.Wait(std::chrono::seconds(30));
    const uint64_t now =
        std::stoull("0" + ReadFile(crashed + "/fp" + std::to_string(cycle)));
    EXPECT_GE(now, committed) << "committed position went backwards";
    if (now > committed && now < head) ++kills_mid_catch_up;
    committed = now;
  }
  EXPECT_GE(kills_mid_catch_up, 1)
      << "no kill landed in the middle of catch-up";

  const std::string a =
      CatchUpAndFingerprint(crashed, ledger_dir, ledger_port, head);
  const std::string b = CatchUpAndFingerprint(dir.Sub("registry-clean"),
                                              ledger_dir, ledger_port, head);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b) << "crashed registry diverged from a clean replay";
  EXPECT_EQ(a.substr(0, a.find(' ')), std::to_string(head));
  std::printf(
      "registry crash: SIGKILLs, %d mid catch-up, %llu events, fingerprints "
      "equal\n",
      kills_mid_catch_up, static_cast<unsigned long long>(head));
}

}  // namespace
}  // namespace cityid::testing
