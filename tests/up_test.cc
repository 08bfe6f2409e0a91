// `cityid up` end to end: first start creates keys and tokens (mode 0600),
// serves the ledger and the registry, loads the demo city, restarts a killed
// child on its own, and stops cleanly on SIGTERM (SPEC §1, issue 2).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/harness/services.h"

namespace cityid::testing {
namespace {

namespace json = boost::json;

// Children of `parent` whose command line contains `word`.
std::vector<pid_t> ChildrenRunning(pid_t parent, const std::string& word) {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string pid, comm, state;
    pid_t ppid = 0;
    stat >> pid >> comm >> state >> ppid;
    if (ppid != parent) continue;
    std::string cmdline = ReadFile((entry.path() / "cmdline").string());
    for (char& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(word) != std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

TEST(UpTest, ServesDemoCityRestartsKilledChildAndStopsCleanly) {
  TempDir dir;
  const std::string data = dir.Sub("var");
  const uint16_t ledger_port = FreePort(), registry_port = FreePort();
  Process up(
      {CityidBinary(), "up", "--data", data, "--demo", "--demo-residents", "40",
       "--set", "ledger.port=" + std::to_string(ledger_port), "--set",
       "ledger.url=http://127.0.0.1:" + std::to_string(ledger_port), "--set",
       "registry.port=" + std::to_string(registry_port), "--set",
       "revocations.port=" + std::to_string(FreePort()), "--set",
       "stats.port=" + std::to_string(FreePort())},
      dir.Sub("up.log"));
  ASSERT_TRUE(WaitForHttp(ledger_port, "/readyz", std::chrono::seconds(60)))
      << ReadFile(dir.Sub("up.log"));
  ASSERT_TRUE(WaitForHttp(registry_port, "/healthz", std::chrono::seconds(60)))
      << ReadFile(dir.Sub("up.log"));

  struct stat st {};
  ASSERT_EQ(stat((data + "/tokens.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  json::object tokens =
      json::parse(ReadFile(data + "/tokens.json")).as_object();
  for (const char* role :
       {"clerk", "supervisor", "auditor", "analyst", "projection"}) {
    EXPECT_TRUE(tokens.contains(role)) << role;
  }
  const std::string log = ReadFile(dir.Sub("up.log"));
  EXPECT_NE(log.find("http://127.0.0.1:" + std::to_string(ledger_port)),
            std::string::npos);
  EXPECT_NE(log.find("tokens.json"), std::string::npos);

  // The demo city arrives in the ledger and then in the registry.
  HttpClient ledger("127.0.0.1", ledger_port),
      registry("127.0.0.1", registry_port);
  uint64_t head = 0;
  for (int i = 0; i < 300 && head < 80; ++i) {
    head = Call(ledger, "GET", "/v1/position", "")
               .body.at("seq")
               .to_number<uint64_t>();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(head, 80u) << "demo city not loaded: "
                       << ReadFile(dir.Sub("up.log"));

  // The demo city's own domains are closed (SPEC §11): a district it does
  // not name is refused, naming the ones it has.
  Reply refused = Call(ledger, "POST", "/v1/residents",
                       tokens.at("clerk").as_string().c_str(),
                       R"({"pii": {"given_name": "Ana", "family_name": "Diaz",
               "date_of_birth": "1990-04-01"},
               "attributes": {"district": "D01", "age_band": "25-34",
               "language": "es"}})");
  EXPECT_EQ(refused.status, 422) << refused.raw;
  EXPECT_NE(refused.raw.find("north, south, east, west, central"),
            std::string::npos)
      << refused.raw;

  // Kill the ledger child; the supervisor brings it back.
  std::vector<pid_t> ledgers = ChildrenRunning(up.pid(), " ledger ");
  ASSERT_EQ(ledgers.size(), 1u);
  kill(ledgers[0], SIGKILL);
  bool back = false;
  for (int i = 0; i < 200 && !back; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto now = ChildrenRunning(up.pid(), " ledger ");
    back = now.size() == 1 && now[0] != ledgers[0];
  }
  ASSERT_TRUE(back) << "ledger was not restarted";
  ASSERT_TRUE(WaitForHttp(ledger_port, "/readyz", std::chrono::seconds(30)));
  ledger.Close();
  EXPECT_GE(Call(ledger, "GET", "/v1/position", "")
                .body.at("seq")
                .to_number<uint64_t>(),
            head);

  up.Signal(SIGTERM);
  const int status = up.Wait(std::chrono::seconds(30));
  ASSERT_NE(status, -1) << "cityid up did not stop within 30 s";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << ReadFile(dir.Sub("up.log"));
}

}  // namespace
}  // namespace cityid::testing
