// The reader behind ExpectRoutesMatchOpenApi (api/openapi_testing.h), which
// each service's route test runs against schemas/openapi.yaml: the ledger's
// in integrity_routes_test (ledger + integrity routes, as `cityid ledger`
// registers them), the projections' in their own route tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "api/openapi_testing.h"
#include "ledger/ledger_test_util.h"

namespace cityid::testing_util {
namespace {

TEST(OpenApiTestingTest, NamesServiceReadsTheAnnotation) {
  EXPECT_TRUE(NamesService("ledger", "ledger"));
  EXPECT_TRUE(NamesService("ledger and registry", "registry"));
  EXPECT_TRUE(NamesService("every service", "stats"));
  EXPECT_FALSE(NamesService("ledger and registry", "stats"));
  EXPECT_FALSE(NamesService("revocations", "ledger"));
}

TEST(OpenApiTestingTest, OperationAnnotationOverridesItsPath) {
  TempDir dir;
  const std::string file = dir.path() + "/openapi.yaml";
  std::ofstream(file) << "openapi: 3.1.0\n"
                         "paths:\n"
                         "  /a/{id}:\n"
                         "    x-cityid-service: ledger and registry\n"
                         "    parameters:\n"
                         "      - {name: id, in: path}\n"
                         "    get:\n"
                         "      summary: read\n"
                         "    patch:\n"
                         "      x-cityid-service: ledger\n"
                         "      responses:\n"
                         "        x-cityid-service: not this one\n"
                         "  /b:\n"
                         "    x-cityid-service: stats\n"
                         "    post:\n"
                         "      summary: x\n"
                         "components:\n"
                         "  /c:\n"
                         "    get: {}\n";
  const OpenApiOperations ops = ReadOpenApiOperations(file);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops.at("/a/{id}").at("GET"), "ledger and registry");
  EXPECT_EQ(ops.at("/a/{id}").at("PATCH"), "ledger");
  EXPECT_EQ(ops.at("/a/{id}").size(), 2u);
  EXPECT_EQ(ops.at("/b").at("POST"), "stats");
}

TEST(OpenApiTestingTest, TheRealFileDescribesEveryService) {
  const OpenApiOperations ops = ReadOpenApiOperations(
      std::string(CITYID_SOURCE_DIR) + "/schemas/openapi.yaml");
  for (const char* service : {"ledger", "registry", "revocations", "stats"}) {
    int n = 0;
    for (const auto& [path, methods] : ops)
      for (const auto& [method, annotation] : methods)
        n += NamesService(annotation, service) ? 1 : 0;
    EXPECT_GT(n, 4) << service;
  }
  EXPECT_EQ(ops.at("/v1/residents/{id}").at("PATCH"), "ledger");
  EXPECT_EQ(ops.at("/v1/residents/{id}").at("GET"), "ledger and registry");
}

}  // namespace
}  // namespace cityid::testing_util
