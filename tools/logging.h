// Structured logs: one JSON object per line on stderr, UTC timestamps.
//   {"ts":"2026-11-27T08:45:32.123456Z","level":"info","proc":"ledger","msg":"..."}
// Log lines carry ids and seqs, never PII (SPEC §6): callers log resident and
// card ids only, never request bodies.
#ifndef CITYID_TOOLS_LOGGING_H_
#define CITYID_TOOLS_LOGGING_H_

#include <string>

namespace cityid {

// Installs the JSON-lines logger as spdlog's default. `level` is one of
// trace, debug, info, warn, error, off.
void SetUpLogging(const std::string& process_name, const std::string& level);

}  // namespace cityid

#endif  // CITYID_TOOLS_LOGGING_H_
