// Keeps schemas/openapi.yaml true (SPEC §3): every route the ledger server
// answers is described there, under the same method, for the ledger service.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "api/ledger_routes.h"

namespace cityid {
namespace {

// Path -> {methods, service} from the `paths:` section of an OpenAPI YAML
// file, read line by line (the file keeps the usual 2-space layout).
struct PathItem {
  std::set<std::string> methods;
  std::string service;
};

std::map<std::string, PathItem> ReadPaths(const std::string& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in.good()) << file;
  std::map<std::string, PathItem> out;
  const std::regex path_line(R"(^  (/[^:\s]*):\s*$)");
  const std::regex method_line(
      R"(^    (get|put|post|patch|delete|head|options):)");
  const std::regex service_line(R"(^    x-cityid-service:\s*(.*)$)");
  bool in_paths = false;
  std::string current;
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') {
      in_paths = line.rfind("paths:", 0) == 0;
      current.clear();
      continue;
    }
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_line)) {
      current = m[1];
      out[current];
    } else if (!current.empty() && std::regex_search(line, m, method_line)) {
      std::string method = m[1];
      for (char& c : method) c = static_cast<char>(std::toupper(c));
      out[current].methods.insert(method);
    } else if (!current.empty() && std::regex_match(line, m, service_line)) {
      out[current].service = m[1];
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
