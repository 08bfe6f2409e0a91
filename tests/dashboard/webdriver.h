// A minimal W3C WebDriver client for browser tests: drives Debian's
// chromedriver (and through it a headless Chromium) over the WebDriver HTTP
// protocol with base/http_client.h, so the tests need no npm, Python or
// Selenium.
//
// WebDriver::Start launches `chromedriver --port=P` as a child process and
// opens one session whose Chromium runs headless, sandbox off (containers),
// with a fresh profile in `profile_dir` and nothing talking to Google
// (no background networking, component updates, sync or QUIC).
//
// Threading: one test thread. The destructor deletes the session (closing
// Chromium) and stops chromedriver.
#ifndef CITYID_TESTS_DASHBOARD_WEBDRIVER_H_
#define CITYID_TESTS_DASHBOARD_WEBDRIVER_H_

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "base/http_client.h"
#include "base/status.h"
#include "tests/harness/harness.h"

namespace cityid::testing {

struct WebDriverOptions {
  std::string chromedriver =
      "/usr/bin/chromedriver";  // env CITYID_CHROMEDRIVER
  std::string chromium;         // env CITYID_CHROMIUM; default: Debian's binary
  std::string profile_dir;      // fresh, empty directory
  std::string log_path;         // chromedriver's output
  int width = 1280;
  int height = 1900;
};

class WebDriver {
 public:
  // kUnavailable when chromedriver does not start or no session opens.
  static Result<std::unique_ptr<WebDriver>> Start(WebDriverOptions options);
  ~WebDriver();
  WebDriver(const WebDriver&) = delete;
  WebDriver& operator=(const WebDriver&) = delete;

  Status Navigate(const std::string& url);
  // Runs `script` as a function body (`return ...;`) with `args`; returns
  // the script's result.
  Result<boost::json::value> Execute(const std::string& script,
                                     const boost::json::array& args = {});
  // Polls `script` until it returns true or `timeout` passes.
  Status WaitFor(const std::string& script, std::chrono::milliseconds timeout,
                 const boost::json::array& args = {});
  // The first element matching a CSS selector: its WebDriver element id.
  Result<std::string> Find(const std::string& css);
  Status Type(const std::string& element, const std::string& text);
  Status Click(const std::string& element);
  // The viewport as PNG bytes.
  Result<std::string> Screenshot();

 private:
  WebDriver() = default;
  // One WebDriver command; returns its "value", or the error it reports.
  Result<boost::json::value> Command(const std::string& method,
                                     const std::string& path,
                                     const boost::json::value& body = nullptr);

  std::unique_ptr<Process> driver_;
  std::unique_ptr<HttpClient> client_;
  std::string session_;
};

}  // namespace cityid::testing

#endif  // CITYID_TESTS_DASHBOARD_WEBDRIVER_H_
