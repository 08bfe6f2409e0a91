// Keeps schemas/openapi.yaml true (SPEC §3): every route the ledger server
// answers is described there, under the same method, for the ledger service.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string_view>

#include "api/ledger_routes.h"

namespace cityid {
namespace {

// Path -> {methods, service} from the `paths:` section of an OpenAPI YAML
// file, read line by line (the file keeps the usual 2-space layout).
struct PathItem {
  std::set<std::string> methods;
  std::string service;
};

// The text after `prefix` when `line` starts with exactly `prefix` (an
// indentation and a key), else "".
std::string After(const std::string& line, std::string_view prefix) {
  if (line.rfind(prefix, 0) != 0 || line.size() <= prefix.size()) return "";
  if (line[prefix.size()] == ' ') return "";  // deeper indentation
  return line.substr(prefix.size());
}

std::map<std::string, PathItem> ReadPaths(const std::string& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in.good()) << file;
  std::map<std::string, PathItem> out;
  static const std::set<std::string> kMethods = {
      "get", "put", "post", "patch", "delete", "head", "options"};
  bool in_paths = false;
  std::string current, line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') {
      in_paths = line.rfind("paths:", 0) == 0;
      current.clear();
      continue;
    }
    if (!in_paths) continue;
    const std::string path = After(line, "  ");
    if (!path.empty() && path[0] == '/' && path.back() == ':') {
      current = path.substr(0, path.size() - 1);
      out[current];
      continue;
    }
    const std::string key = After(line, "    ");
    if (current.empty() || key.empty()) continue;
    const std::string name = key.substr(0, key.find(':'));
    if (kMethods.count(name) != 0) {
      std::string method = name;
      for (char& c : method) c = static_cast<char>(std::toupper(c));
      out[current].methods.insert(method);
    } else if (name == "x-cityid-service") {
      out[current].service = key.substr(key.find(':') + 2);
    }
  }
  return out;
}

// A Ledger that is never called: route registration only stores it.
class UnusedLedger : public Ledger {
 public:
  void Submit(Command, CommandContext, Callback done) override {
    done(Internal("unused"));
  }
  Result<std::vector<StoredEvent>> ReadEvents(uint64_t, size_t) const override {
    return Internal("unused");
  }
  uint64_t LastSeq() const override { return 0; }
  void WaitForEvents(uint64_t, Micros, std::function<void()> fn) override {
    fn();
  }
  Result<CardView> GetCard(const std::string&) const override {
    return Internal("unused");
  }
  Result<ResidentView> GetResidentState(const std::string&) const override {
    return Internal("unused");
  }
  Status Ready() const override { return Status::Ok(); }
  void Close() override {}
};

TEST(OpenApiRoutesTest, EveryLedgerRouteIsDescribed) {
  const auto paths =
      ReadPaths(std::string(CITYID_SOURCE_DIR) + "/schemas/openapi.yaml");
  ASSERT_FALSE(paths.empty());
  UnusedLedger ledger;
  TokenStore tokens;
  Metrics metrics;
  Router router(&metrics);
  RegisterLedgerRoutes(router, ledger, tokens, metrics);
  ASSERT_FALSE(router.Routes().empty());
  for (const RouteInfo& route : router.Routes()) {
    auto it = paths.find(route.pattern);
    ASSERT_NE(it, paths.end())
        << route.pattern << " is missing from openapi.yaml";
    EXPECT_EQ(it->second.methods.count(route.method), 1u)
        << route.method << " " << route.pattern << " is not described";
    const std::string& service = it->second.service;
    EXPECT_TRUE(service.find("ledger") != std::string::npos ||
                service == "every service")
        << route.pattern << " is described for service '" << service << "'";
  }
}

}  // namespace
}  // namespace cityid
