// Kills the registry projection with SIGKILL during catch-up, again and
// again, then lets it finish: its state must equal a clean replay's (SPEC §8).
// The projection runs in a child process (registry_kill_helper) so that the
// kill is real: no destructor, no flush, the OS drops whatever was not
// synced.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "projections/projection_runner.h"
#include "projections/registry.h"
#include "stream/sample_history.h"

extern char** environ;

namespace cityid {
namespace {

constexpr int kResidents = 1500;

// A running helper whose stdout we read line by line.
class Helper {
 public:
  Helper(const std::string& dir, int batch_limit) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::string residents = std::to_string(kResidents);
    std::string batch = std::to_string(batch_limit);
    std::string path = CITYID_REGISTRY_KILL_HELPER;
    char* argv[] = {path.data(), const_cast<char*>(dir.c_str()),
                    residents.data(), batch.data(), nullptr};
    EXPECT_EQ(
        ::posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv, environ),
        0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = ::fdopen(fds[0], "r");
  }
  ~Helper() {
    if (pid_ > 0) Kill();
    if (out_) std::fclose(out_);
  }

  // The next stdout line without its newline; "" at end of output.
  std::string ReadLine() {
    char buf[256];
    if (std::fgets(buf, sizeof buf, out_) == nullptr) return "";
    std::string line(buf);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    return line;
  }

  void Kill() {
    ::kill(pid_, SIGKILL);
    Wait();
  }
  int Wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

uint64_t PositionIn(const std::string& line) {
  return std::stoull(line.substr(line.find(' ') + 1));
}

TEST(RegistryKillTest, KilledDuringCatchUpConvergesToCleanReplay) {
  auto root = std::filesystem::path(::testing::TempDir()) /
              ("registry_kill_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);

  MemoryEventSource source;
  AppendSampleHistory(source, 0, kResidents);
  const uint64_t last = source.events().back().seq;
  std::string clean;
  {
    auto store =
        ProjectionStore::Open((root / "clean").string(), Registry::kName,
                              ProjectionStoreOptions{.sync = false});
    ASSERT_TRUE(store.ok());
    FakeClock clock(kSampleT0);
    Registry registry(store->get(), &clock);
    ProjectionRunner runner(store->get(), &registry, &source,
                            ProjectionRunnerOptions{.wait = 0});
    while (runner.RunOnce().value() > 0) {
    }
    clean = registry.Fingerprint().value();
  }

  const std::string dir = (root / "crashy").string();
  uint64_t durable = 0;
  for (int round = 0; round < 6; ++round) {
    Helper helper(dir, /*batch_limit=*/5);
    // Let it commit a few batches past where it resumed, then kill it at a
    // varying moment inside the next one.
    std::string line;
    for (int i = 0; i < 10 + 17 * round; ++i) {
      line = helper.ReadLine();
      ASSERT_EQ(line.rfind("position ", 0), 0u)
          << "round " << round << ": " << line;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(300 * round));
    helper.Kill();
    const uint64_t printed = PositionIn(line);
    ASSERT_GT(printed, durable) << "no progress in round " << round;

    // What it said was committed survived the kill, whole.
    auto store = ProjectionStore::Open(dir, Registry::kName);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_GE((*store)->position(), printed);
    durable = (*store)->position();
    ASSERT_LT(durable, last) << "the kill came too late to test anything";
  }

  Helper finisher(dir, /*batch_limit=*/1000);  // faster to the end
  std::string line;
  for (std::string next; !(next = finisher.ReadLine()).empty();) line = next;
  int status = finisher.Wait();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(line, "done " + std::to_string(last) + " " + clean);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace cityid
