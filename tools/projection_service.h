// What the three projection services (`cityid project registry |
// revocations | stats`) share: their flags, the --print-fingerprint answer,
// the runner over the configured event source, and serving until SIGTERM.
#ifndef CITYID_TOOLS_PROJECTION_SERVICE_H_
#define CITYID_TOOLS_PROJECTION_SERVICE_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "api/http_server.h"
#include "base/status.h"
#include "projections/projection.h"
#include "projections/projection_runner.h"
#include "stream/event_source.h"
#include "tools/config.h"
#include "tools/service.h"

namespace cityid {

struct ProjectionFlags {
  CommonFlags common;
  std::string ledger_url;
  bool print_fingerprint = false;
};

// Adds `name` under `project` with the common flags (and --port),
// --ledger-url and --print-fingerprint; `run` gets the parsed flags and
// returns the exit code.
void AddProjectionCommand(CLI::App* project, const std::string& name,
                          const std::string& description,
                          std::function<int(const ProjectionFlags&)> run);

// The --print-fingerprint answer: "<position> <fingerprint>" on stdout.
// Returns the process exit code.
int PrintFingerprint(uint64_t position, const Result<std::string>& fp);

// A runner and the event source it reads (Kafka when kafka.bootstrap is
// set, the ledger's feed otherwise), with projection.batch_limit applied.
// The source is declared first so it outlives the runner.
struct ProjectionPipeline {
  std::unique_ptr<EventSource> source;
  std::unique_ptr<ProjectionRunner> runner;
};
Result<ProjectionPipeline> MakeProjectionPipeline(
    const Config& config, const std::string& projection_name,
    const std::string& ledger_url, ProjectionStore* store,
    Projection* projection);

// Starts `server` and the runner, logs "<name> serving on ADDRESS:PORT from
// position N<detail>", waits for SIGTERM/SIGINT (blocked beforehand), then
// stops both. Returns the process exit code.
int ServeUntilSignal(const std::string& name, HttpServer& server,
                     const std::string& address, ProjectionRunner& runner,
                     const std::string& detail);

}  // namespace cityid

#endif  // CITYID_TOOLS_PROJECTION_SERVICE_H_
