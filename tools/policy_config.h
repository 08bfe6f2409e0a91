// The programme policy (SPEC §11, schemas/policy.h) from config: the one
// place that reads `policy.*`, used by `cityid ledger`, `cityid project
// stats` and `cityid up --demo` alike.
//
// Keys (comma-separated lists, or TOML arrays; unset or empty: open):
//   policy.districts, policy.age_bands, policy.languages, policy.card_types
// The keys `stats.districts`, `stats.age_bands`, `stats.languages` and
// `stats.card_types` of earlier versions are refused: those lists were the
// statistics' own and the ledger never read them, so honouring them now
// would silently close domains the ledger had left open. The message names
// the `policy.*` key to use instead.
#ifndef CITYID_TOOLS_POLICY_CONFIG_H_
#define CITYID_TOOLS_POLICY_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "schemas/policy.h"
#include "tools/config.h"

namespace cityid {

// The policy, checked (ProgrammePolicy::Check). kInvalidArgument naming the
// key for a bad value or a removed stats.* key.
Result<ProgrammePolicy> PolicyFromConfig(const Config& config);

// The config key of a dimension: "district" -> "policy.districts".
std::string PolicyKeyFor(std::string_view dimension);

// One line for the log: each domain, closed with its values or open.
std::string DescribePolicy(const ProgrammePolicy& policy);

// The "policy.<domain>=a,b,c" assignments that set `policy` (closed domains
// only), for passing a policy to child processes with --set.
std::vector<std::string> PolicyAssignments(const ProgrammePolicy& policy);

// The demo city's domains (defined in tools/cmd_demo.cc, whose residents
// take them): districts north, south, east, west, central; six age bands;
// six languages; the three card types.
const ProgrammePolicy& DemoCityPolicy();

}  // namespace cityid

#endif  // CITYID_TOOLS_POLICY_CONFIG_H_
