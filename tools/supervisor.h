// Supervisor: runs cityid's services as child processes on one machine
// (`cityid up`, SPEC §1).
//
// Each child is a fresh exec of a command line. A child that exits or is
// killed is restarted after a backoff (250 ms doubling to 8 s, reset once the
// child has run for 30 s). SIGTERM or SIGINT to the supervisor is forwarded to
// every child; children get `stop_timeout` to exit before SIGKILL. Children
// also receive SIGTERM if the supervisor itself dies (PR_SET_PDEATHSIG), so a
// killed supervisor leaves no orphans holding ports or RocksDB locks.
//
// Threading: Run() owns the calling thread and handles signals synchronously
// (sigtimedwait); construct and run it from main() before starting threads.
#ifndef CITYID_TOOLS_SUPERVISOR_H_
#define CITYID_TOOLS_SUPERVISOR_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cityid {

struct ChildSpec {
  std::string name;                        // for log lines, e.g. "ledger"
  std::vector<std::string> argv;           // argv[0] is the executable path
  std::map<std::string, std::string> env;  // added to the inherited environment
  // A one-shot child (e.g. the demo loader) is not restarted once it exits 0.
  bool one_shot = false;
};

class Supervisor {
 public:
  struct Options {
    std::chrono::milliseconds stop_timeout{10000};
    // Called once, after every child has been started the first time.
    std::function<void()> on_started;
  };

  Supervisor(std::vector<ChildSpec> children, Options options);

  // Blocks until SIGTERM/SIGINT, then stops the children. Returns 0 when every
  // child exited cleanly on the forwarded signal, 1 otherwise.
  int Run();

 private:
  struct Child {
    ChildSpec spec;
    pid_t pid = -1;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point restart_at;
    std::chrono::milliseconds backoff{250};
    int restarts = 0;
    bool finished = false;  // one-shot child that exited 0
  };

  void Start(Child& child);
  void ReapAndSchedule();
  void RestartDue();
  int StopAll();

  std::vector<Child> children_;
  Options options_;
};

}  // namespace cityid

#endif  // CITYID_TOOLS_SUPERVISOR_H_
