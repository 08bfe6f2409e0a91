// Every route of `cityid ledger` with every role, no token, an unknown
// token and a non-bearer header, over real HTTP (issue 4, SPEC §3): each
// call gets exactly the allowed answer — 401 without a valid token, 403 for
// a role without the right, and the route's success status for a role with
// it. Every call has a valid body and a fresh, valid target, so the only
// thing that differs between cells is the caller.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "tests/privacy_helpers.h"

namespace cityid::testing {
namespace {

namespace json = boost::json;

// Success status of a public route whose answer depends on the ledger's
// state: whatever an anonymous caller gets, never 401/403.
constexpr int kAnyPublic = -1;

// A callable route: builds its target (fresh fixtures where the call
// changes state) and its body.
struct Route {
  std::string name;
  std::string method;
  std::set<std::string> roles;  // empty: public
  int success;
  std::function<std::pair<std::string, std::string>()> make;  // target, body
  HttpHeaders headers = {};
};

class PrivacyRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.Sub("ledger");
    InitDataDir(data_);
    port_ = FreePort();
    ledger_ = StartLedger(data_, port_);
    ASSERT_TRUE(WaitForHttp(port_, "/readyz", std::chrono::seconds(30)));
    client_ = std::make_unique<HttpClient>("127.0.0.1", port_);
    supervisor_ = Token(data_, "supervisor");
  }
  void TearDown() override {
    if (ledger_) {
      EXPECT_TRUE(Stop(*ledger_));
    }
    // Every name written above stays out of the files and the log.
    for (const char* name : {"Rolena", "Tablez", "Newena", "Enrollz"}) {
      EXPECT_EQ(FilesContaining(dir_.path(), name), std::vector<std::string>{})
          << name;
    }
  }

  // Fixtures, made with the supervisor's token (not part of the table).
  std::string Resident() {
    const std::string n = std::to_string(++n_);
    return EnrollOk(*client_, supervisor_, "Rolena" + n, "Tablez" + n);
  }
  std::string Card() { return IssueOk(*client_, supervisor_, Resident()); }
  std::string SuspendedCard() {
    const std::string card = Card();
    Reply r = Call(*client_, "POST", "/v1/cards/" + card + "/suspend",
                   supervisor_, R"({"reason":"review"})");
    EXPECT_EQ(r.status, 200) << r.raw;
    return card;
  }

  std::vector<Route> Routes() {
    const std::set<std::string> clerk = {"clerk", "supervisor"};
    const std::set<std::string> supervisor = {"supervisor"};
    const std::set<std::string> feed = {"auditor", "projection"};
    auto fixed = [](std::string target) {
      return [target] { return std::make_pair(target, std::string()); };
    };
    auto reason = [](std::string r) { return R"({"reason":")" + r + "\"}"; };
    return {
        {"enroll", "POST", clerk, 201,
         [this] {
           ++n_;
           return std::make_pair(
               std::string("/v1/residents"),
               EnrollBody("Newena" + std::to_string(n_), "Enrollz"));
         }},
        {"read resident",
         "GET",
         clerk,
         200,
         [this] {
           return std::make_pair("/v1/residents/" + Resident(), std::string());
         },
         {{"X-Purpose", "role_test"}}},
        {"update resident", "PATCH", clerk, 200,
         [this] {
           return std::make_pair(
               "/v1/residents/" + Resident(),
               std::string(R"({"attributes":{"district":"south",)"
                           R"("age_band":"35-44","language":"en"}})"));
         }},
        {"erase", "POST", supervisor, 200,
         [this, reason] {
           return std::make_pair("/v1/residents/" + Resident() + "/erase",
                                 reason("request"));
         }},
        {"issue", "POST", clerk, 201,
         [this] {
           return std::make_pair(
               std::string("/v1/cards"),
               json::serialize(json::object{{"resident_id", Resident()},
                                            {"card_type", "senior"}}));
         }},
        {"renew", "POST", clerk, 200,
         [this] {
           return std::make_pair("/v1/cards/" + Card() + "/renew",
                                 std::string("{}"));
         }},
        {"suspend", "POST", supervisor, 200,
         [this, reason] {
           return std::make_pair("/v1/cards/" + Card() + "/suspend",
                                 reason("review"));
         }},
        {"reinstate", "POST", clerk, 200,
         [this, reason] {
           return std::make_pair("/v1/cards/" + SuspendedCard() + "/reinstate",
                                 reason("cleared"));
         }},
        {"revoke", "POST", supervisor, 200,
         [this, reason] {
           return std::make_pair("/v1/cards/" + Card() + "/revoke",
                                 reason("fraud"));
         }},
        {"replace", "POST", clerk, 201,
         [this, reason] {
           return std::make_pair("/v1/cards/" + Card() + "/replace",
                                 reason("lost"));
         }},
        {"events", "GET", feed, 200, fixed("/v1/events?after=0&limit=5")},
        // Backups (SPEC §14): admin only; each call takes a real backup into
        // a directory beside the data directory.
        {"backup",
         "POST",
         {"admin"},
         200,
         [this] {
           return std::make_pair(
               std::string("/v1/admin/backups"),
               json::serialize(json::object{{"to", dir_.Sub("backups")}}));
         }},
        {"position", "GET", {}, 200, fixed("/v1/position")},
        {"healthz", "GET", {}, 200, fixed("/healthz")},
        {"readyz", "GET", {}, 200, fixed("/readyz")},
        {"metrics", "GET", {}, 200, fixed("/metrics")},
        // Integrity routes (SPEC §7): public; their status depends on the
        // ledger's state, never on the caller (kAnyPublic).
        {"checkpoint", "GET", {}, kAnyPublic, fixed("/v1/checkpoint")},
        {"keys", "GET", {}, kAnyPublic, fixed("/v1/keys")},
        {"inclusion proof",
         "GET",
         {},
         kAnyPublic,
         fixed("/v1/proofs/inclusion?seq=1&size=1")},
        {"consistency proof",
         "GET",
         {},
         kAnyPublic,
         fixed("/v1/proofs/consistency?from=1&to=1")},
    };
  }

  TempDir dir_;
  std::string data_;
  uint16_t port_ = 0;
  std::unique_ptr<Process> ledger_;
  std::unique_ptr<HttpClient> client_;
  std::string supervisor_;
  int n_ = 0;
};

TEST_F(PrivacyRolesTest, EveryRouteWithEveryRoleGetsExactlyTheAllowedAnswer) {
  const std::vector<std::string> roles = {"clerk",   "supervisor", "auditor",
                                          "analyst", "projection", "admin"};
  struct Caller {
    std::string name;
    std::string authorization;  // full header value; empty: none
    std::string role;           // empty: not authenticated
  };
  std::vector<Caller> callers = {
      {"no token", "", ""},
      {"unknown token", "Bearer cid_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ""},
      {"basic auth", "Basic " + std::string("Y2xlcms6cGFzcw=="), ""},
  };
  for (const std::string& role : roles)
    callers.push_back({role, "Bearer " + Token(data_, role), role});

  int cells = 0;
  for (const Route& route : Routes()) {
    int anonymous = 0;  // kAnyPublic: the first caller's (no token) answer
    for (const Caller& caller : callers) {
      int expected = route.success == kAnyPublic ? anonymous : route.success;
      if (!route.roles.empty()) {
        if (caller.role.empty()) {
          expected = 401;
        } else if (!route.roles.count(caller.role)) {
          expected = 403;
        }
      }
      auto [target, body] = route.make();
      HttpHeaders headers = route.headers;
      if (!caller.authorization.empty())
        headers["Authorization"] = caller.authorization;
      if (!body.empty()) headers["Content-Type"] = "application/json";
      auto r = client_->Request(route.method, target, body, headers,
                                30 * kMicrosPerSecond);
      ASSERT_TRUE(r.ok()) << route.name << ": " << r.status().ToString();
      if (route.success == kAnyPublic && anonymous == 0) {
        anonymous = expected = r->status;
        EXPECT_NE(r->status, 401) << route.name;
        EXPECT_NE(r->status, 403) << route.name;
      }
      EXPECT_EQ(r->status, expected)
          << route.name << " (" << route.method << " " << target << ") as "
          << caller.name << ": " << r->body;
      if (expected == 401 || expected == 403) {
        EXPECT_NE(r->headers["Content-Type"].find("application/problem+json"),
                  std::string::npos)
            << route.name << " as " << caller.name;
      }
      ++cells;
    }
  }
  EXPECT_EQ(cells, 20 * 9);
}

}  // namespace
}  // namespace cityid::testing
