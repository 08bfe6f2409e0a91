// `cityid loadgen`: a synthetic city workload against a running ledger
// (SPEC §9). The engine is tools/loadgen/loadgen.h; this file parses flags,
// reads the role tokens and prints the report.
#include <unistd.h>

#include <iostream>

#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/loadgen/loadgen.h"

namespace cityid {
namespace {

struct LoadgenFlags {
  std::string target = "http://127.0.0.1:8080";
  std::string tokens_file = "var/tokens.json";
  uint64_t residents = 1000;
  double rate = 100;
  std::string duration = "30s";
  int concurrency = 8;
  uint64_t max_commands = 0;
  bool bulk = false;
  uint64_t seed = 1;
};

// "90", "90s", "5m", "1h" -> seconds; kInvalidArgument otherwise.
Result<double> ParseDuration(const std::string& text) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (...) {
    return InvalidArgument("bad duration: " + text);
  }
  const std::string unit = text.substr(used);
  const double scale = unit.empty() || unit == "s" ? 1
                       : unit == "m"               ? 60
                       : unit == "h"               ? 3600
                                                   : -1;
  if (scale < 0 || v <= 0) return InvalidArgument("bad duration: " + text);
  return v * scale;
}

// "http://host:port[/]" -> host, port.
Status ParseTarget(const std::string& url, loadgen::LoadOptions* o) {
  std::string rest = url.rfind("http://", 0) == 0 ? url.substr(7) : url;
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 == rest.size())
    return InvalidArgument("--target needs http://host:port");
  o->host = rest.substr(0, colon);
  try {
    o->port = static_cast<uint16_t>(std::stoi(rest.substr(colon + 1)));
  } catch (...) {
    return InvalidArgument("--target has a bad port: " + url);
  }
  return Status::Ok();
}

int Run(const LoadgenFlags& flags) {
  loadgen::LoadOptions o;
  if (Status s = ParseTarget(flags.target, &o); !s.ok()) return Fail(s);
  auto duration = ParseDuration(flags.duration);
  if (!duration.ok()) return Fail(duration.status());
  auto clerk = ReadRoleToken(flags.tokens_file, "clerk");
  if (!clerk.ok()) return Fail(clerk.status());
  auto supervisor = ReadRoleToken(flags.tokens_file, "supervisor");
  if (!supervisor.ok()) return Fail(supervisor.status());
  o.clerk_token = *clerk;
  o.supervisor_token = *supervisor;
  o.city.residents = flags.residents;
  o.city.bulk = flags.bulk;
  o.city.seed = flags.seed;
  o.rate = flags.rate;
  o.duration_s = *duration;
  o.max_commands = flags.max_commands;
  o.concurrency = flags.concurrency;
  o.progress = isatty(STDERR_FILENO);
  auto report = loadgen::RunLoad(o);
  if (!report.ok()) return Fail(report.status());
  std::cout << report->Format();
  return report->commands > 0 && report->ok == 0 ? 1 : 0;
}

}  // namespace

void AddLoadgenCommand(CLI::App* app) {
  auto flags = std::make_shared<LoadgenFlags>();
  CLI::App* cmd = app->add_subcommand(
      "loadgen", "drive a synthetic city against a running ledger (SPEC §9)");
  cmd->add_option("--target", flags->target, "ledger base URL");
  cmd->add_option("--tokens", flags->tokens_file,
                  "tokens.json (clerk and supervisor tokens)");
  cmd->add_option("--residents", flags->residents, "the city's population");
  cmd->add_option("--rate", flags->rate,
                  "commands per second, open loop; 0: as fast as possible");
  cmd->add_option("--duration", flags->duration, "run time: 90, 90s, 5m, 1h");
  cmd->add_option("--concurrency", flags->concurrency,
                  "client threads, one connection each");
  cmd->add_option("--max-commands", flags->max_commands,
                  "stop after this many commands (0: no limit)");
  cmd->add_flag("--bulk", flags->bulk,
                "enrollments and first cards only (bulk migration)");
  cmd->add_option("--seed", flags->seed, "random seed of the city");
  cmd->callback([flags] { throw CLI::RuntimeError(Run(*flags)); });
}

}  // namespace cityid
