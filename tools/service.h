// What every long-running cityid subcommand shares: the common flags, config
// loading in SPEC §1 precedence, HTTP server options, the token store, and
// waiting for SIGTERM/SIGINT.
#ifndef CITYID_TOOLS_SERVICE_H_
#define CITYID_TOOLS_SERVICE_H_

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "api/auth.h"
#include "api/http_server.h"
#include "base/status.h"
#include "tools/config.h"

namespace cityid {

struct CommonFlags {
  std::string config_file;
  std::string data;
  std::string bind;
  std::string kafka;
  int port = 0;
  std::vector<std::string> sets;
};

// --config, --data, --bind, --kafka, --set key=value (repeatable); --port
// when `port_key` is not empty.
void AddCommonFlags(CLI::App* app, CommonFlags* flags, bool with_port);

// Defaults < --config file < CITYID_* environment < flags. `port_key` names
// the config key --port sets ("ledger.port").
Result<Config> LoadConfig(const CommonFlags& flags,
                          const std::string& port_key);

// HTTP server options of the service whose port is `port_key`.
Result<HttpServerOptions> ServerOptions(const Config& config,
                                        const std::string& port_key);

// The token store from auth.file (default <data>/auth.json).
Result<TokenStore> LoadTokenStore(const Config& config);

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts
// later; call first thing in a service's main path.
void BlockTerminationSignals();
// Waits for SIGTERM or SIGINT (blocked beforehand); returns the signal.
int WaitForTerminationSignal();

}  // namespace cityid

#endif  // CITYID_TOOLS_SERVICE_H_
