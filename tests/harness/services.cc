#include "tests/harness/services.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <thread>

namespace cityid::testing {

namespace json = boost::json;

void InitDataDir(const std::string& dir) {
  Process init({CityidBinary(), "keys", "init", "--data", dir},
               dir + ".init.log");
  const int status = init.Wait(std::chrono::seconds(30));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << ReadFile(dir + ".init.log");
}

std::string Token(const std::string& dir, const std::string& role) {
  json::value v = json::parse(ReadFile(dir + "/tokens.json"));
  return std::string(v.as_object().at(role).as_string());
}

std::unique_ptr<Process> StartLedger(const std::string& dir, uint16_t port,
                                     std::vector<std::string> extra) {
  std::filesystem::create_directories(dir);
  std::vector<std::string> argv = {
      CityidBinary(), "ledger", "--data", dir, "--port", std::to_string(port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return std::make_unique<Process>(argv, dir + "/ledger.log");
}

void StartReadyLedger(const std::string& dir, std::vector<std::string> extra,
                      uint16_t* port, std::unique_ptr<Process>* ledger) {
  InitDataDir(dir);
  *port = FreePort();
  *ledger = StartLedger(dir, *port, std::move(extra));
  ASSERT_TRUE(WaitForHttp(*port, "/readyz", std::chrono::seconds(60)))
      << ReadFile(dir + "/ledger.log");
}

namespace {

// `cityid project <name>` with its own data dir, reading the ledger's feed
// with the projection token of `ledger_dir`.
std::unique_ptr<Process> StartProjection(const std::string& name,
                                         const std::string& dir, uint16_t port,
                                         const std::string& ledger_dir,
                                         uint16_t ledger_port,
                                         std::vector<std::string> extra) {
  std::filesystem::create_directories(dir);
  std::vector<std::string> argv = {
      CityidBinary(),
      "project",
      name,
      "--data",
      dir,
      "--port",
      std::to_string(port),
      "--ledger-url",
      "http://127.0.0.1:" + std::to_string(ledger_port),
      "--set",
      "auth.file=" + ledger_dir + "/auth.json",
      "--set",
      "feed.token=" + Token(ledger_dir, "projection")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return std::make_unique<Process>(argv, dir + "/" + name + ".log");
}

}  // namespace

std::unique_ptr<Process> StartRegistry(const std::string& dir, uint16_t port,
                                       const std::string& ledger_dir,
                                       uint16_t ledger_port,
                                       std::vector<std::string> extra) {
  return StartProjection("registry", dir, port, ledger_dir, ledger_port,
                         std::move(extra));
}

std::unique_ptr<Process> StartStats(const std::string& dir, uint16_t port,
                                    const std::string& ledger_dir,
                                    uint16_t ledger_port,
                                    std::vector<std::string> extra) {
  return StartProjection("stats", dir, port, ledger_dir, ledger_port,
                         std::move(extra));
}

void WaitCaughtUp(uint16_t ledger_port, uint16_t port,
                  std::chrono::milliseconds timeout) {
  HttpClient ledger("127.0.0.1", ledger_port), projection("127.0.0.1", port);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    Reply head = Call(ledger, "GET", "/v1/position", "");
    Reply at = Call(projection, "GET", "/v1/position", "");
    ASSERT_EQ(head.status, 200);
    if (at.status == 200 && at.body.at("seq") == head.body.at("seq")) return;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "the projection on port " << port << " never caught up";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void EnrollPerDistrict(HttpClient& ledger, const std::string& clerk,
                       const std::map<std::string, int>& per_district,
                       int first) {
  int i = first;
  for (const auto& [district, count] : per_district) {
    for (int n = 0; n < count; ++n, ++i) {
      json::object body{
          {"pii", json::object{{"given_name", "Test"},
                               {"family_name", "Resident-" + std::to_string(i)},
                               {"date_of_birth",
                                "1980-02-0" + std::to_string(1 + i % 9)}}},
          {"attributes", json::object{{"district", district},
                                      {"age_band", i % 2 ? "25-34" : "35-44"},
                                      {"language", i % 3 ? "es" : "en"}}},
          {"documents", json::array{"passport"}},
          {"office", "central"}};
      Reply enrolled =
          Call(ledger, "POST", "/v1/residents", clerk, json::serialize(body));
      ASSERT_EQ(enrolled.status, 201) << enrolled.raw;
      const std::string id(enrolled.body.at("resident_id").as_string());
      Reply card = Call(ledger, "POST", "/v1/cards", clerk,
                        json::serialize(json::object{
                            {"resident_id", id}, {"card_type", "standard"}}));
      ASSERT_EQ(card.status, 201) << card.raw;
    }
  }
}

Reply Call(HttpClient& client, const std::string& method,
           const std::string& target, const std::string& token,
           const std::string& body, const HttpHeaders& extra) {
  HttpHeaders headers = extra;
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  if (!body.empty()) headers.emplace("Content-Type", "application/json");
  Reply reply;
  auto r = client.Request(method, target, body, headers, 30 * kMicrosPerSecond);
  if (!r.ok()) return reply;
  reply.status = r->status;
  reply.raw = r->body;
  reply.headers = r->headers;
  boost::system::error_code ec;
  reply.body = json::parse(r->body, ec);
  return reply;
}

std::string EnrollBody(const std::string& given, const std::string& family,
                       const std::string& dob) {
  json::object body{{"pii", json::object{{"given_name", given},
                                         {"family_name", family},
                                         {"date_of_birth", dob}}},
                    {"attributes", json::object{{"district", "north"},
                                                {"age_band", "25-34"},
                                                {"language", "es"}}},
                    {"documents", json::array{"passport"}},
                    {"office", "central"}};
  return json::serialize(body);
}

std::vector<json::object> AllEvents(HttpClient& client,
                                    const std::string& token) {
  std::vector<json::object> events;
  uint64_t after = 0;
  for (;;) {
    Reply r = Call(client, "GET",
                   "/v1/events?after=" + std::to_string(after) + "&limit=1000",
                   token);
    EXPECT_EQ(r.status, 200) << r.raw;
    if (r.status != 200) break;
    const json::array& page = r.body.at("events").as_array();
    if (page.empty()) break;
    for (const auto& e : page) events.push_back(e.as_object());
    after = events.back().at("seq").to_number<uint64_t>();
  }
  return events;
}

}  // namespace cityid::testing
