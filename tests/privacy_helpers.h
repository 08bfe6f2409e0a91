// Helpers shared by the privacy integration tests (tests/privacy_*_test.cc):
// running short cityid/curl/openssl commands, stopping a service cleanly,
// and checking that a log is JSON lines. Test-only.
#ifndef CITYID_TESTS_PRIVACY_HELPERS_H_
#define CITYID_TESTS_PRIVACY_HELPERS_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/harness/services.h"

namespace cityid::testing {

// Runs argv to completion (stdout and stderr appended to `log`); returns the
// exit code, or -1 when it did not exit within a minute.
inline int RunToExit(std::vector<std::string> argv, const std::string& log,
                     std::map<std::string, std::string> env = {}) {
  Process p(std::move(argv), log, std::move(env));
  const int status = p.Wait(std::chrono::seconds(60));
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// `cityid <args...>`.
inline int RunCityid(std::vector<std::string> args, const std::string& log,
                     std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), CityidBinary());
  return RunToExit(std::move(args), log, std::move(env));
}

// SIGTERM and wait; true when it exited 0.
inline bool Stop(Process& p) {
  p.Signal(SIGTERM);
  const int status = p.Wait(std::chrono::seconds(30));
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Every line of `log` is a JSON object with ts, level and msg; returns the
// messages. Adds a gtest failure for each line that is not.
inline std::vector<std::string> JsonLogMessages(const std::string& log) {
  std::vector<std::string> messages;
  std::istringstream in(ReadFile(log));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object() || !v.as_object().contains("ts") ||
        !v.as_object().contains("level") || !v.as_object().contains("msg")) {
      ADD_FAILURE() << "not a JSON log line in " << log << ": " << line;
      continue;
    }
    messages.emplace_back(v.as_object().at("msg").as_string());
  }
  return messages;
}

// The resident id of a 201 enrollment, or "" (with a gtest failure).
inline std::string EnrollOk(HttpClient& client, const std::string& token,
                            const std::string& given, const std::string& family,
                            const std::string& dob = "1990-04-01") {
  Reply r = Call(client, "POST", "/v1/residents", token,
                 EnrollBody(given, family, dob));
  EXPECT_EQ(r.status, 201) << r.raw;
  if (r.status != 201) return "";
  return std::string(r.body.at("resident_id").as_string());
}

// The card id of a 201 issuance, or "".
inline std::string IssueOk(HttpClient& client, const std::string& token,
                           const std::string& resident_id,
                           const std::string& type = "standard") {
  Reply r = Call(client, "POST", "/v1/cards", token,
                 boost::json::serialize(boost::json::object{
                     {"resident_id", resident_id}, {"card_type", type}}));
  EXPECT_EQ(r.status, 201) << r.raw;
  if (r.status != 201) return "";
  return std::string(r.body.at("card_id").as_string());
}

}  // namespace cityid::testing

#endif  // CITYID_TESTS_PRIVACY_HELPERS_H_
