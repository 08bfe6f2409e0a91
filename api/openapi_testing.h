// Test support: keeps schemas/openapi.yaml and the services' route tables in
// step (SPEC §3). External tools are generated from that file, so a route a
// service answers must be described there, and an operation described for a
// service must be answered by it.
//
//   Router router(&metrics);
//   RegisterRegistryRoutes(router, ...);
//   testing_util::ExpectRoutesMatchOpenApi(router, "registry");
#ifndef CITYID_API_OPENAPI_TESTING_H_
#define CITYID_API_OPENAPI_TESTING_H_

#include <map>
#include <string>
#include <string_view>

#include "api/router.h"

namespace cityid::testing_util {

// Path -> method ("GET", ...) -> the operation's `x-cityid-service` (its
// own, else its path's), from the `paths:` section of an OpenAPI YAML file.
// Read line by line: the file keeps the usual 2-space layout.
using OpenApiOperations =
    std::map<std::string, std::map<std::string, std::string>>;
OpenApiOperations ReadOpenApiOperations(const std::string& file);

// Whether an `x-cityid-service` value names `service`: "ledger and registry"
// names both, "every service" names all.
bool NamesService(std::string_view annotation, std::string_view service);

// Adds a gtest failure for every route of `router` that schemas/openapi.yaml
// does not describe for `service`, and for every operation it describes for
// `service` that `router` does not have.
void ExpectRoutesMatchOpenApi(const Router& router, std::string_view service);

}  // namespace cityid::testing_util

#endif  // CITYID_API_OPENAPI_TESTING_H_
