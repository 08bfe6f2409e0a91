// Config: cityid's settings as one flat map of dotted keys ("ledger.port").
//
// Precedence, lowest to highest (SPEC §1): built-in defaults, the TOML file
// given by --config, CITYID_* environment variables (CITYID_LEDGER_PORT ->
// "ledger.port": strip the prefix, lower-case, first '_' becomes '.'), and
// command-line flags (--set key=value, and the named flags each subcommand
// offers). Every key is documented in docs/CONFIG.md.
#ifndef CITYID_TOOLS_CONFIG_H_
#define CITYID_TOOLS_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace cityid {

class Config {
 public:
  // Built-in defaults only.
  Config();

  // Merges a TOML file: tables flatten into dotted keys; arrays become
  // comma-separated strings. kInvalidArgument on a parse error.
  Status MergeTomlFile(const std::string& path);
  // Merges CITYID_* variables from `environ`.
  void MergeEnvironment();
  // Merges "key=value" overrides; kInvalidArgument when one has no '='.
  Status MergeOverrides(const std::vector<std::string>& assignments);

  void Set(const std::string& key, const std::string& value) {
    values_[key] = value;
  }
  bool Has(const std::string& key) const { return values_.count(key) > 0; }
  std::string GetString(const std::string& key) const;
  // kInvalidArgument naming the key when the value is not an integer.
  Result<int64_t> GetInt(const std::string& key) const;
  bool GetBool(const std::string& key) const;
  std::vector<std::string> GetList(const std::string& key) const;

  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

// "ledger.data" relative paths are resolved against the data directory.
std::string ResolveDataPath(const Config& config, const std::string& key);

}  // namespace cityid

#endif  // CITYID_TOOLS_CONFIG_H_
