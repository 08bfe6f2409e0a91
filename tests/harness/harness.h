// Test harness for integration, crash and end-to-end tests: temporary
// directories, child processes of the real `cityid` binary, free loopback
// ports, readiness polling, and byte searches over a data directory.
//
// Nothing here fakes a component: tests run the real binary over real HTTP.
#ifndef CITYID_TESTS_HARNESS_HARNESS_H_
#define CITYID_TESTS_HARNESS_HARNESS_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/http_client.h"

namespace cityid::testing {

// Path of the built cityid binary (set by CMake).
std::string CityidBinary();

// A fresh directory under $TMPDIR, removed by the destructor unless the
// environment sets CITYID_KEEP_TEST_DIRS=1.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A loopback TCP port that was free a moment ago.
uint16_t FreePort();

// A child process; stdout and stderr go to `log_path`. Killed with SIGKILL by
// the destructor if still running.
class Process {
 public:
  Process(std::vector<std::string> argv, std::string log_path,
          std::map<std::string, std::string> env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool Running();
  void Signal(int sig);
  // Waits for exit; returns the wait status, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  int wstatus_ = 0;
  bool exited_ = false;
  std::string log_path_;
};

// Polls GET `path` until it answers 200 or `timeout` passes.
bool WaitForHttp(uint16_t port, const std::string& path,
                 std::chrono::milliseconds timeout);

// Every regular file under `dir` whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const std::string& dir,
                                         const std::string& needle);

std::string ReadFile(const std::string& path);

}  // namespace cityid::testing

#endif  // CITYID_TESTS_HARNESS_HARNESS_H_
