#include "tools/supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/harness/harness.h"

namespace cityid {
namespace {

// Runs a Supervisor in a forked process (it owns signal handling) whose one
// child appends a line to a file every time it starts, then sleeps.
TEST(SupervisorTest, RestartsAKilledChildAndStopsOnSigterm) {
  testing::TempDir dir;
  const std::string starts = dir.Sub("starts");
  const std::string pidfile = dir.Sub("pid");
  const pid_t sup = fork();
  if (sup == 0) {
    ChildSpec child{"sleeper",
                    {"/bin/sh", "-c",
                     "echo start >> " + starts + "; echo $$ > " + pidfile +
                         "; exec sleep 60"},
                    {}};
    Supervisor s({child},
                 Supervisor::Options{std::chrono::milliseconds(2000), nullptr});
    _exit(s.Run());
  }
  auto count_starts = [&] {
    std::ifstream in(starts);
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  };
  auto wait_for = [](auto pred) {
    for (int i = 0; i < 200 && !pred(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    return pred();
  };
  ASSERT_TRUE(wait_for([&] { return count_starts() == 1; }));
  ASSERT_TRUE(wait_for([&] { return !testing::ReadFile(pidfile).empty(); }));
  const pid_t first = std::stoi(testing::ReadFile(pidfile));
  kill(first, SIGKILL);
  ASSERT_TRUE(wait_for([&] { return count_starts() == 2; }))
      << "child was not restarted";

  kill(sup, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(sup, &status, 0), sup);
  ASSERT_TRUE(WIFEXITED(status));
  // `sleep` dies of the forwarded SIGTERM, which the supervisor reports as 1.
  EXPECT_EQ(WEXITSTATUS(status), 1);
}

TEST(SupervisorTest, OneShotChildIsNotRestartedAfterSuccess) {
  testing::TempDir dir;
  const std::string starts = dir.Sub("starts");
  const pid_t sup = fork();
  if (sup == 0) {
    ChildSpec once{"once", {"/bin/sh", "-c", "echo start >> " + starts}, {}};
    once.one_shot = true;
    Supervisor s({once}, Supervisor::Options{});
    _exit(s.Run());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(sup, SIGTERM);
  int status = 0;
  waitpid(sup, &status, 0);
  std::ifstream in(starts);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  EXPECT_EQ(n, 1);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace cityid
