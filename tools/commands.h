// The cityid subcommands. Each Add*Command registers one subcommand on a
// CLI11 app; its callback runs the command and exits through
// CLI::RuntimeError(exit code).
#ifndef CITYID_TOOLS_COMMANDS_H_
#define CITYID_TOOLS_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "base/status.h"

namespace cityid {

void AddLedgerCommand(CLI::App* app);
void AddAuditCommand(CLI::App* app);
void AddRegistryCommand(CLI::App* project);
void AddStatsCommand(CLI::App* project);
void AddRevocationsCommand(CLI::App* project);
void AddVerifyCommand(CLI::App* app);
void AddUpCommand(CLI::App* app);
void AddKeysCommand(CLI::App* app);
void AddTokensCommand(CLI::App* app);
void AddDemoCommand(CLI::App* app);
void AddRestoreCommand(CLI::App* app);
void AddBackupCommand(CLI::App* app);
void AddLoadgenCommand(CLI::App* app);
void AddBenchCommand(CLI::App* app);

// Logs `status` to stderr and returns the process exit code for it (1).
int Fail(const Status& status);

}  // namespace cityid

#endif  // CITYID_TOOLS_COMMANDS_H_
