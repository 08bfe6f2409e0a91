#include "tests/dashboard/webdriver.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "base/bytes.h"

namespace cityid::testing {
namespace json = boost::json;
namespace {

// The key W3C WebDriver uses for an element reference.
constexpr char kElementKey[] = "element-6066-11e4-a52e-4f735466cecf";

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::string DefaultChromium() {
  // Debian's /usr/bin/chromium is a shell wrapper; the real binary is here.
  if (::access("/usr/lib/chromium/chromium", X_OK) == 0) {
    return "/usr/lib/chromium/chromium";
  }
  return "/usr/bin/chromium";
}

json::object Capabilities(const WebDriverOptions& o,
                          const std::string& binary) {
  json::array args = {"--headless=new",
                      "--no-sandbox",
                      "--disable-gpu",
                      "--disable-dev-shm-usage",
                      "--disable-quic",
                      "--no-first-run",
                      "--no-default-browser-check",
                      "--disable-background-networking",
                      "--disable-component-update",
                      "--disable-sync",
                      "--disable-extensions",
                      "--hide-scrollbars",
                      "--user-data-dir=" + o.profile_dir,
                      "--window-size=" + std::to_string(o.width) + "," +
                          std::to_string(o.height)};
  return json::object{
      {"capabilities",
       json::object{
           {"alwaysMatch",
            json::object{{"browserName", "chrome"},
                         {"goog:chromeOptions",
                          json::object{{"binary", binary},
                                       {"args", std::move(args)}}}}}}}};
}

}  // namespace

Result<std::unique_ptr<WebDriver>> WebDriver::Start(WebDriverOptions o) {
  const std::string driver = EnvOr("CITYID_CHROMEDRIVER", o.chromedriver);
  const std::string chromium = EnvOr(
      "CITYID_CHROMIUM", o.chromium.empty() ? DefaultChromium() : o.chromium);
  if (::access(driver.c_str(), X_OK) != 0 ||
      ::access(chromium.c_str(), X_OK) != 0) {
    return Unavailable("chromedriver or chromium missing (" + driver + ", " +
                       chromium + "); tools/setup.sh installs them");
  }
  std::unique_ptr<WebDriver> wd(new WebDriver());
  const uint16_t port = FreePort();
  wd->driver_ = std::make_unique<Process>(
      std::vector<std::string>{driver, "--port=" + std::to_string(port)},
      o.log_path);
  if (!WaitForHttp(port, "/status", std::chrono::seconds(30))) {
    return Unavailable("chromedriver did not start; see " + o.log_path);
  }
  wd->client_ = std::make_unique<HttpClient>("127.0.0.1", port);
  CITYID_ASSIGN_OR_RETURN(
      json::value session,
      wd->Command("POST", "/session", Capabilities(o, chromium)));
  const json::value* id = session.is_object()
                              ? session.as_object().if_contains("sessionId")
                              : nullptr;
  if (id == nullptr || !id->is_string()) {
    return Unavailable("chromedriver opened no session");
  }
  wd->session_ = id->as_string();
  return wd;
}

WebDriver::~WebDriver() {
  if (!session_.empty()) {
    Command("DELETE", "/session/" + session_).status().PermitUnchecked();
  }
  if (driver_) {
    driver_->Signal(SIGTERM);
    driver_->Wait(std::chrono::seconds(10));
  }
}

Result<json::value> WebDriver::Command(const std::string& method,
                                       const std::string& path,
                                       const json::value& body) {
  HttpHeaders headers{{"Content-Type", "application/json; charset=utf-8"}};
  const std::string text = body.is_null() ? "" : json::serialize(body);
  CITYID_ASSIGN_OR_RETURN(
      HttpResponse r,
      client_->Request(method, path, text, headers, 60 * kMicrosPerSecond));
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("value")) {
    return Unavailable("webdriver " + path + ": HTTP " +
                       std::to_string(r.status) + " " + r.body.substr(0, 300));
  }
  json::value value = v.as_object().at("value");
  if (r.status != 200) {
    return Unavailable("webdriver " + path + ": " +
                       json::serialize(value).substr(0, 500));
  }
  return value;
}

Status WebDriver::Navigate(const std::string& url) {
  return Command("POST", "/session/" + session_ + "/url",
                 json::object{{"url", url}})
      .status();
}

Result<json::value> WebDriver::Execute(const std::string& script,
                                       const json::array& args) {
  return Command("POST", "/session/" + session_ + "/execute/sync",
                 json::object{{"script", script}, {"args", args}});
}

Status WebDriver::WaitFor(const std::string& script,
                          std::chrono::milliseconds timeout,
                          const json::array& args) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Status last = Unavailable("condition never checked");
  while (std::chrono::steady_clock::now() < deadline) {
    Result<json::value> v = Execute(script, args);
    if (v.ok() && v->is_bool() && v->as_bool()) return Status::Ok();
    last = v.ok() ? Unavailable("condition false: " + script) : v.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return last;
}

Result<std::string> WebDriver::Find(const std::string& css) {
  CITYID_ASSIGN_OR_RETURN(
      json::value v,
      Command("POST", "/session/" + session_ + "/element",
              json::object{{"using", "css selector"}, {"value", css}}));
  const json::value* id =
      v.is_object() ? v.as_object().if_contains(kElementKey) : nullptr;
  if (id == nullptr || !id->is_string()) return NotFound("no element " + css);
  return std::string(id->as_string());
}

Status WebDriver::Type(const std::string& element, const std::string& text) {
  return Command("POST",
                 "/session/" + session_ + "/element/" + element + "/value",
                 json::object{{"text", text}})
      .status();
}

Status WebDriver::Click(const std::string& element) {
  return Command("POST",
                 "/session/" + session_ + "/element/" + element + "/click",
                 json::object{})
      .status();
}

Result<std::string> WebDriver::Screenshot() {
  CITYID_ASSIGN_OR_RETURN(
      json::value v, Command("GET", "/session/" + session_ + "/screenshot"));
  if (!v.is_string()) return Unavailable("screenshot is not base64 text");
  return Base64Decode(v.as_string());
}

}  // namespace cityid::testing
