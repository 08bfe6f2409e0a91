#include "tools/projection_service.h"

#include <spdlog/spdlog.h>

#include <iostream>

#include "tools/commands.h"
#include "tools/event_sources.h"

namespace cityid {

void AddProjectionCommand(CLI::App* project, const std::string& name,
                          const std::string& description,
                          std::function<int(const ProjectionFlags&)> run) {
  auto flags = std::make_shared<ProjectionFlags>();
  CLI::App* cmd = project->add_subcommand(name, description);
  AddCommonFlags(cmd, &flags->common, /*with_port=*/true);
  cmd->add_option("--ledger-url", flags->ledger_url,
                  "ledger base URL (config key: ledger.url)");
  cmd->add_flag(
      "--print-fingerprint", flags->print_fingerprint,
      "print the committed position and state fingerprint, then exit");
  cmd->callback(
      [flags, run = std::move(run)] { throw CLI::RuntimeError(run(*flags)); });
}

int PrintFingerprint(uint64_t position, const Result<std::string>& fp) {
  if (!fp.ok()) return Fail(fp.status());
  std::cout << position << " " << *fp << "\n";
  return 0;
}

Result<ProjectionPipeline> MakeProjectionPipeline(
    const Config& config, const std::string& projection_name,
    const std::string& ledger_url, ProjectionStore* store,
    Projection* projection) {
  auto batch_limit = config.GetInt("projection.batch_limit");
  if (!batch_limit.ok() || *batch_limit < 1) {
    return InvalidArgument("projection.batch_limit must be a positive integer");
  }
  ProjectionRunnerOptions options;
  options.batch_limit = static_cast<size_t>(*batch_limit);
  ProjectionPipeline pipeline;
  CITYID_ASSIGN_OR_RETURN(pipeline.source,
                          MakeEventSource(config, projection_name, ledger_url));
  pipeline.runner = std::make_unique<ProjectionRunner>(
      store, projection, pipeline.source.get(), options);
  return pipeline;
}

int ServeUntilSignal(const std::string& name, HttpServer& server,
                     const std::string& address, ProjectionRunner& runner,
                     const std::string& detail) {
  if (Status s = server.Start(); !s.ok()) return Fail(s);
  runner.Start();
  spdlog::info("{} serving on {}:{} from position {}{}", name, address,
               server.port(), runner.position(), detail);
  const int sig = WaitForTerminationSignal();
  spdlog::info("{} stopping on signal {}", name, sig);
  server.Stop();
  runner.Stop();
  return 0;
}

}  // namespace cityid
