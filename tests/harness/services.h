// Starting the real cityid services for integration tests, and talking to
// them as a clerk, supervisor or auditor would.
#ifndef CITYID_TESTS_HARNESS_SERVICES_H_
#define CITYID_TESTS_HARNESS_SERVICES_H_

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/http_client.h"
#include "tests/harness/harness.h"

namespace cityid::testing {

// `cityid keys init --data dir`: keys plus tokens.json/auth.json.
void InitDataDir(const std::string& dir);
// One role's plaintext token from dir/tokens.json.
std::string Token(const std::string& dir, const std::string& role);

// `cityid ledger --data dir --port port`, logging to dir/ledger.log.
std::unique_ptr<Process> StartLedger(const std::string& dir, uint16_t port,
                                     std::vector<std::string> extra = {});
// InitDataDir(dir), then StartLedger on a free port, waiting until it is
// ready (a gtest failure with its log otherwise); sets *port and *ledger.
void StartReadyLedger(const std::string& dir, std::vector<std::string> extra,
                      uint16_t* port, std::unique_ptr<Process>* ledger);
// `cityid project registry` with its own data dir, reading the ledger's feed
// with the projection token of `ledger_dir`.
std::unique_ptr<Process> StartRegistry(const std::string& dir, uint16_t port,
                                       const std::string& ledger_dir,
                                       uint16_t ledger_port,
                                       std::vector<std::string> extra = {});

// `cityid project stats`, as StartRegistry, logging to dir/stats.log.
std::unique_ptr<Process> StartStats(const std::string& dir, uint16_t port,
                                    const std::string& ledger_dir,
                                    uint16_t ledger_port,
                                    std::vector<std::string> extra = {});
// Waits until the projection on `port` reports the ledger's position; a
// gtest failure when it does not within `timeout`.
void WaitCaughtUp(uint16_t ledger_port, uint16_t port,
                  std::chrono::milliseconds timeout);

// A request with a bearer token; JSON body in and out.
struct Reply {
  int status = 0;  // 0: no answer (connection failed)
  boost::json::value body;
  std::string raw;
  HttpHeaders headers;
};
Reply Call(HttpClient& client, const std::string& method,
           const std::string& target, const std::string& token,
           const std::string& body = "", const HttpHeaders& extra = {});

// A syntactically valid enrollment body; `name` goes into family_name.
std::string EnrollBody(const std::string& given, const std::string& family,
                       const std::string& dob = "1990-04-01");

// Enrolls `count` residents in each district (other attributes vary) and
// issues each a standard card, as `clerk`; `first` numbers the names. Fails
// the test (gtest assertion) on any refusal.
void EnrollPerDistrict(HttpClient& ledger, const std::string& clerk,
                       const std::map<std::string, int>& per_district,
                       int first = 0);

// Every event of the ledger's feed, as decoded JSON objects, in seq order.
std::vector<boost::json::object> AllEvents(HttpClient& client,
                                           const std::string& token);

}  // namespace cityid::testing

#endif  // CITYID_TESTS_HARNESS_SERVICES_H_
