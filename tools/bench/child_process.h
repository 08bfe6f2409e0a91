// ChildProcess: a cityid subprocess for `cityid bench` (a ledger under
// measurement), with its output in a log file, and /proc readings of it.
//
// Ownership: the object owns the child; the destructor sends SIGTERM, waits
// up to 10 s, then SIGKILLs. Not thread-safe; use from one thread.
#ifndef CITYID_TOOLS_BENCH_CHILD_PROCESS_H_
#define CITYID_TOOLS_BENCH_CHILD_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace cityid::bench {

class ChildProcess {
 public:
  // Starts argv[0] with argv, stdout and stderr appended to `log_path`.
  // kUnavailable when fork or exec fails (exec failure shows as exit 127).
  static Result<ChildProcess> Start(const std::vector<std::string>& argv,
                                    const std::string& log_path);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Waits for exit up to timeout_ms; returns the exit code, or -1 on
  // timeout or death by a signal.
  int Wait(int timeout_ms);
  // SIGTERM (and SIGCONT, should it be frozen), then SIGKILL after 10 s.
  // Idempotent.
  void Stop();
  // SIGSTOP / SIGCONT: a frozen child keeps its memory but uses no CPU
  // (its background threads included).
  void Freeze();
  void Thaw();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// A field of /proc/<pid>/status in bytes ("VmRSS", "VmHWM"); kNotFound when
// the process or field is missing.
Result<uint64_t> ProcStatusBytes(pid_t pid, const std::string& field);

// Total size of the regular files under `dir`, in bytes.
uint64_t DirectoryBytes(const std::string& dir);

// A TCP port on 127.0.0.1 that was free a moment ago.
Result<uint16_t> FreePort();

// The running executable (/proc/self/exe).
std::string SelfExe();

}  // namespace cityid::bench

#endif  // CITYID_TOOLS_BENCH_CHILD_PROCESS_H_
