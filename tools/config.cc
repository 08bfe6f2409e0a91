#include "tools/config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>

extern char** environ;

namespace cityid {
namespace {

// Defaults, one line each, so docs/CONFIG.md can be checked against them.
const std::map<std::string, std::string>& Defaults() {
  static const std::map<std::string, std::string> kDefaults = {
      {"data", "./var"},
      {"bind", "127.0.0.1"},
      {"ledger.port", "8080"},
      {"ledger.url", "http://127.0.0.1:8080"},
      {"ledger.min_free_bytes", "67108864"},  // 64 MiB; 0: off
      {"ledger.block_cache_mb", "64"},
      {"registry.port", "8081"},
      {"revocations.port", "8082"},
      {"stats.port", "8083"},
      {"http.threads", "2"},
      {"http.body_limit", "1048576"},
      {"http.max_connections", "1024"},
      {"http.header_timeout_ms", "10000"},
      {"http.idle_timeout_ms", "60000"},
      {"keys.dir", ""},  // default: <data>.keys (outside the data directory)
      {"kek.file", ""},  // default: <keys.dir>/kek.key; env CITYID_KEK_FILE
      {"privacy.pii_fields", "given_name,family_name,date_of_birth"},
      {"card.standard_days", "1825"},
      {"card.youth_days", "730"},
      {"card.senior_days", "2920"},
      {"card.grace_days", "365"},
      {"status_list.size", "131072"},
      {"retention.days", "0"},  // 0: no automatic erasure
      {"retention.sweep_interval_s", "600"},
      {"backup.keep_days", "35"},  // cityid backup prunes older backups
      {"backup.journal", ""},      // default: <data>.erasures (SPEC §14)
      {"stats.k", "10"},
      {"kafka.bootstrap", ""},
      {"kafka.topic_prefix", "cityid."},
      {"feed.token", ""},
      {"projection.batch_limit", "1000"},
      {"log.level", "info"},
  };
  return kDefaults;
}

// A scalar TOML value as text: strings verbatim, integers and floats in
// decimal, booleans as true/false. Dates and times are kept as TOML writes
// them.
std::string ScalarText(const toml::node& node) {
  if (auto v = node.value_exact<std::string>()) return *v;
  if (auto v = node.value_exact<int64_t>()) return std::to_string(*v);
  if (auto v = node.value_exact<bool>()) return *v ? "true" : "false";
  if (auto v = node.value_exact<double>()) {
    std::ostringstream s;
    s << *v;
    return s.str();
  }
  std::ostringstream s;
  node.visit([&s](const auto& n) {
    if constexpr (toml::is_date<decltype(n)> || toml::is_time<decltype(n)> ||
                  toml::is_date_time<decltype(n)>) {
      s << n;
    }
  });
  return s.str();
}

void Flatten(const toml::table& table, const std::string& prefix,
             std::map<std::string, std::string>& out) {
  for (const auto& [k, node] : table) {
    const std::string key = prefix.empty()
                                ? std::string(k.str())
                                : prefix + "." + std::string(k.str());
    if (const toml::table* t = node.as_table()) {
      Flatten(*t, key, out);
    } else if (const toml::array* a = node.as_array()) {
      std::string joined;
      for (const auto& item : *a) {
        if (!joined.empty()) joined += ",";
        joined += ScalarText(item);
      }
      out[key] = joined;
    } else {
      out[key] = ScalarText(node);
    }
  }
}

}  // namespace

Config::Config() : values_(Defaults()) {}

Status Config::MergeTomlFile(const std::string& path) {
  try {
    toml::table table = toml::parse_file(path);
    Flatten(table, "", values_);
  } catch (const toml::parse_error& e) {
    std::ostringstream s;
    s << "config " << path << ": " << e.description() << " at "
      << e.source().begin;
    return InvalidArgument(s.str());
  }
  return Status::Ok();
}

void Config::MergeEnvironment() {
  for (char** env = environ; env && *env; ++env) {
    std::string_view entry(*env);
    if (entry.rfind("CITYID_", 0) != 0) continue;
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(entry.substr(7, eq - 7));
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) {
      return static_cast<char>(std::tolower(c));
    });
    if (const size_t us = key.find('_'); us != std::string::npos) key[us] = '.';
    values_[key] = std::string(entry.substr(eq + 1));
  }
}

Status Config::MergeOverrides(const std::vector<std::string>& assignments) {
  for (const std::string& a : assignments) {
    const size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      return InvalidArgument("--set wants key=value, got " + a);
    values_[a.substr(0, eq)] = a.substr(eq + 1);
  }
  return Status::Ok();
}

std::string Config::GetString(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? "" : it->second;
}

Result<int64_t> Config::GetInt(const std::string& key) const {
  const std::string v = GetString(key);
  try {
    size_t used = 0;
    const int64_t n = std::stoll(v, &used);
    if (used == v.size()) return n;
  } catch (const std::exception&) {
  }
  return InvalidArgument("config key " + key + " must be an integer, got '" +
                         v + "'");
}

bool Config::GetBool(const std::string& key) const {
  const std::string v = GetString(key);
  return v == "true" || v == "1" || v == "yes" || v == "on";
}

std::vector<std::string> Config::GetList(const std::string& key) const {
  std::vector<std::string> out;
  std::stringstream s(GetString(key));
  for (std::string item; std::getline(s, item, ',');) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string ResolveDataPath(const Config& config, const std::string& key) {
  const std::string v = config.GetString(key);
  if (v.empty() || std::filesystem::path(v).is_absolute()) return v;
  return (std::filesystem::path(config.GetString("data")) / v).string();
}

}  // namespace cityid
