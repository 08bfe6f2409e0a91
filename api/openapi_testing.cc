#include "api/openapi_testing.h"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace cityid::testing_util {
namespace {

// The text after `prefix` when `line` starts with exactly `prefix` (an
// indentation) followed by a key, else "".
std::string After(const std::string& line, std::string_view prefix) {
  if (line.rfind(prefix, 0) != 0 || line.size() <= prefix.size()) return "";
  if (line[prefix.size()] == ' ') return "";  // deeper indentation
  return line.substr(prefix.size());
}

std::string KeyOf(const std::string& entry) {
  return entry.substr(0, entry.find(':'));
}

std::string ValueOf(const std::string& entry) {
  const size_t colon = entry.find(':');
  if (colon == std::string::npos || colon + 2 > entry.size()) return "";
  return entry.substr(colon + 2);
}

}  // namespace

OpenApiOperations ReadOpenApiOperations(const std::string& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in.good()) << file;
  static const std::set<std::string> kMethods = {
      "get", "put", "post", "patch", "delete", "head", "options"};
  OpenApiOperations out;
  // Annotations seen so far: the path's, and per method its own.
  std::map<std::string, std::string> path_service;
  std::map<std::string, std::map<std::string, std::string>> own_service;
  bool in_paths = false;
  std::string path, method, line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') {
      in_paths = line.rfind("paths:", 0) == 0;
      path.clear();
      continue;
    }
    if (!in_paths) continue;
    if (const std::string p = After(line, "  ");
        !p.empty() && p[0] == '/' && p.back() == ':') {
      path = p.substr(0, p.size() - 1);
      method.clear();
      out[path];
      continue;
    }
    if (path.empty()) continue;
    if (const std::string entry = After(line, "    "); !entry.empty()) {
      const std::string key = KeyOf(entry);
      method.clear();
      if (kMethods.count(key) != 0) {
        method = key;
        for (char& c : method) c = static_cast<char>(std::toupper(c));
        out[path][method];
      } else if (key == "x-cityid-service") {
        path_service[path] = ValueOf(entry);
      }
      continue;
    }
    if (const std::string entry = After(line, "      ");
        !method.empty() && KeyOf(entry) == "x-cityid-service") {
      own_service[path][method] = ValueOf(entry);
    }
  }
  for (auto& [p, methods] : out) {
    for (auto& [m, service] : methods) {
      auto own = own_service[p].find(m);
      service = own != own_service[p].end() ? own->second : path_service[p];
    }
  }
  return out;
}

bool NamesService(std::string_view annotation, std::string_view service) {
  if (annotation == "every service") return true;
  std::istringstream words{std::string(annotation)};
  std::string word;
  while (words >> word) {
    if (word == service) return true;
  }
  return false;
}

void ExpectRoutesMatchOpenApi(const Router& router, std::string_view service) {
  const OpenApiOperations described = ReadOpenApiOperations(
      std::string(CITYID_SOURCE_DIR) + "/schemas/openapi.yaml");
  ASSERT_FALSE(described.empty());
  std::set<std::pair<std::string, std::string>> routes;
  for (const RouteInfo& route : router.Routes()) {
    routes.emplace(route.pattern, route.method);
    auto path = described.find(route.pattern);
    if (path == described.end()) {
      ADD_FAILURE() << route.pattern << " is missing from openapi.yaml";
      continue;
    }
    auto op = path->second.find(route.method);
    if (op == path->second.end()) {
      ADD_FAILURE() << route.method << " " << route.pattern
                    << " is not described";
      continue;
    }
    EXPECT_TRUE(NamesService(op->second, service))
        << route.method << " " << route.pattern << " is described for '"
        << op->second << "', not for " << service;
  }
  for (const auto& [path, methods] : described) {
    for (const auto& [method, annotation] : methods) {
      if (!NamesService(annotation, service)) continue;
      EXPECT_EQ(routes.count({path, method}), 1u)
          << method << " " << path << " is described for " << service << " ('"
          << annotation << "') but not served by it";
    }
  }
}

}  // namespace cityid::testing_util
