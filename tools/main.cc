// cityid: one binary, one subcommand per process (SPEC §1).
#include <CLI/CLI.hpp>
#include <iostream>

#include "tools/commands.h"

namespace cityid {

int Fail(const Status& status) {
  std::cerr << "cityid: " << status.ToString() << "\n";
  return 1;
}

}  // namespace cityid

int main(int argc, char** argv) {
  CLI::App app{"cityid: the issuance ledger of a municipal ID programme"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cityid 0.1.0");
  cityid::AddLedgerCommand(&app);
  cityid::AddAuditCommand(&app);
  CLI::App* project =
      app.add_subcommand("project", "run one projection process");
  project->require_subcommand(1);
  cityid::AddRegistryCommand(project);
  cityid::AddStatsCommand(project);
  cityid::AddRevocationsCommand(project);
  cityid::AddUpCommand(&app);
  cityid::AddKeysCommand(&app);
  cityid::AddTokensCommand(&app);
  cityid::AddDemoCommand(&app);
  cityid::AddVerifyCommand(&app);
  cityid::AddRestoreCommand(&app);
  cityid::AddBackupCommand(&app);
  cityid::AddLoadgenCommand(&app);
  cityid::AddBenchCommand(&app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
