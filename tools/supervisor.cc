#include "tools/supervisor.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cityid {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kMaxBackoff{8000};
constexpr std::chrono::seconds kHealthyRun{30};

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGCHLD);
  return set;
}

std::string Describe(int wstatus) {
  if (WIFEXITED(wstatus))
    return "exited with " + std::to_string(WEXITSTATUS(wstatus));
  if (WIFSIGNALED(wstatus))
    return std::string("killed by ") + strsignal(WTERMSIG(wstatus));
  return "stopped";
}

}  // namespace

Supervisor::Supervisor(std::vector<ChildSpec> children, Options options)
    : options_(std::move(options)) {
  for (auto& spec : children) {
    Child child;
    child.spec = std::move(spec);
    children_.push_back(std::move(child));
  }
}

void Supervisor::Start(Child& child) {
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    spdlog::error("supervisor: fork for {} failed: {}", child.spec.name,
                  strerror(errno));
    child.restart_at = Clock::now() + child.backoff;
    return;
  }
  if (pid == 0) {
    // Child: die with the supervisor, take default signal handling back.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    sigset_t set = HandledSignals();
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    for (const auto& [k, v] : child.spec.env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : child.spec.argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  child.pid = pid;
  child.started = Clock::now();
  spdlog::info("supervisor: started {} (pid {})", child.spec.name, pid);
}

void Supervisor::ReapAndSchedule() {
  for (;;) {
    int wstatus = 0;
    const pid_t pid = waitpid(-1, &wstatus, WNOHANG);
    if (pid <= 0) return;
    for (Child& c : children_) {
      if (c.pid != pid) continue;
      c.pid = -1;
      if (c.spec.one_shot && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
        c.finished = true;
        spdlog::info("supervisor: {} finished", c.spec.name);
        continue;
      }
      if (Clock::now() - c.started > kHealthyRun)
        c.backoff = std::chrono::milliseconds(250);
      c.restart_at = Clock::now() + c.backoff;
      spdlog::warn("supervisor: {} {}; restarting in {} ms", c.spec.name,
                   Describe(wstatus), c.backoff.count());
      c.backoff = std::min(c.backoff * 2, kMaxBackoff);
      ++c.restarts;
    }
  }
}

void Supervisor::RestartDue() {
  for (Child& c : children_) {
    if (c.pid < 0 && !c.finished && Clock::now() >= c.restart_at) Start(c);
  }
}

int Supervisor::StopAll() {
  for (Child& c : children_) {
    if (c.pid > 0) kill(c.pid, SIGTERM);
  }
  const auto deadline = Clock::now() + options_.stop_timeout;
  bool clean = true;
  for (Child& c : children_) {
    while (c.pid > 0) {
      int wstatus = 0;
      const pid_t r = waitpid(c.pid, &wstatus, WNOHANG);
      if (r == c.pid) {
        if (!(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)) {
          spdlog::warn("supervisor: {} {} on stop", c.spec.name,
                       Describe(wstatus));
          clean = false;
        }
        c.pid = -1;
      } else if (Clock::now() > deadline) {
        spdlog::error("supervisor: {} did not stop in time; killing",
                      c.spec.name);
        kill(c.pid, SIGKILL);
        waitpid(c.pid, &wstatus, 0);
        c.pid = -1;
        clean = false;
      } else {
        usleep(20'000);
      }
    }
  }
  return clean ? 0 : 1;
}

int Supervisor::Run() {
  sigset_t set = HandledSignals();
  sigprocmask(SIG_BLOCK, &set, nullptr);
  for (Child& c : children_) Start(c);
  if (options_.on_started) options_.on_started();
  for (;;) {
    timespec tick{0, 100'000'000};
    const int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("supervisor: {} received; stopping children",
                   strsignal(sig));
      return StopAll();
    }
    ReapAndSchedule();
    RestartDue();
  }
}

}  // namespace cityid
