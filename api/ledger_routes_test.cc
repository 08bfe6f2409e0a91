// HTTP-level tests of every ledger route (SPEC §3, §10) against a real
// Ledger in a temporary directory, over loopback with HttpClient.
#include "api/ledger_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "api/http_server.h"
#include "base/bytes.h"
#include "base/http_client.h"
#include "ledger/ledger_test_util.h"
#include "schemas/event_codec.h"

namespace cityid {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using testing_util::TempDir;
using testing_util::WriteKeyFile;

constexpr const char* kEnrollBody =
    R"({"pii": {"given_name": "Ana", "family_name": "Diaz", "date_of_birth": "1990-04-01"},
        "attributes": {"district": "north", "age_band": "30-39", "language": "es"},
        "documents": ["passport"], "office": "downtown"})";

json::object Body(const HttpResponse& res) {
  boost::system::error_code ec;
  json::value v = json::parse(res.body, ec);
  EXPECT_FALSE(ec) << res.body;
  return v.is_object() ? v.as_object() : json::object();
}

// A problem answer's "detail", or "" without one.
std::string Detail(const HttpResponse& res) {
  const json::object body = Body(res);
  const json::value* detail = body.if_contains("detail");
  return detail && detail->is_string() ? std::string(detail->as_string())
                                       : std::string();
}

class LedgerRoutesTest : public ::testing::Test {
 protected:
  LedgerRoutesTest() : clock_(testing_util::kTestNow) {
    std::vector<TokenRecord> records;
    for (Role role : AllRoles()) {
      MintedToken t = MintToken(std::string(RoleName(role)) + "-1", {role});
      tokens_[role] = t.token;
      records.push_back(t.record);
    }
    store_ = std::move(TokenStore::FromRecords(records)).value();
    Start(ProgrammePolicy{});
  }
  ~LedgerRoutesTest() override { Stop(); }

  // Opens a fresh ledger under `policy` and serves its routes.
  void Start(const ProgrammePolicy& policy) {
    LedgerOptions o;
    o.data_dir = dir_.path() + "/data" + std::to_string(starts_++);
    o.kek_file = WriteKeyFile(dir_.path(), "kek");
    o.blind_index_key_file = WriteKeyFile(dir_.path(), "blind");
    o.clock = &clock_;
    o.status_list_size = 4096;
    o.policy = policy;
    auto ledger = Ledger::Open(o);
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    ledger_ = std::move(ledger).value();
    router_ = std::make_unique<Router>(&metrics_);
    RegisterLedgerRoutes(*router_, *ledger_, store_, metrics_);
    HttpServerOptions so;
    so.body_limit = 8192;
    server_ = std::make_unique<HttpServer>(so, router_->AsHandler());
    EXPECT_TRUE(server_->Start().ok());
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  }
  void Stop() {
    if (server_) server_->Stop();
    if (ledger_) ledger_->Close();
  }

  HttpResponse Call(std::string_view method, std::string_view target,
                    std::string_view body, std::optional<Role> role,
                    HttpHeaders headers = {}) {
    if (role) headers["Authorization"] = "Bearer " + tokens_[*role];
    if (!body.empty()) headers["Content-Type"] = "application/json";
    auto res =
        client_->Request(method, target, body, headers, 10 * kMicrosPerSecond);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? *res : HttpResponse{};
  }

  // Asserts a problem+json answer of `status` and type slug.
  void ExpectProblem(const HttpResponse& res, int status,
                     std::string_view slug) {
    EXPECT_EQ(res.status, status) << res.body;
    EXPECT_EQ(res.Header("Content-Type"), "application/problem+json");
    json::object body = Body(res);
    EXPECT_EQ(body["type"].as_string(),
              "https://cityid.example/problems/" + std::string(slug))
        << res.body;
    EXPECT_EQ(body["status"].as_int64(), status);
  }

  std::string Enroll(std::string_view body = kEnrollBody) {
    HttpResponse res = Call("POST", "/v1/residents", body, Role::kClerk);
    EXPECT_EQ(res.status, 201) << res.body;
    return std::string(Body(res)["resident_id"].as_string());
  }

  json::object Issue(const std::string& resident_id) {
    HttpResponse res = Call(
        "POST", "/v1/cards",
        R"({"resident_id": ")" + resident_id + R"(", "card_type": "standard"})",
        Role::kClerk);
    EXPECT_EQ(res.status, 201) << res.body;
    return Body(res);
  }

  std::string CardId(const std::string& resident_id) {
    return std::string(Issue(resident_id)["card_id"].as_string());
  }

  FakeClock clock_;
  TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
  std::map<Role, std::string> tokens_;
  TokenStore store_;
  Metrics metrics_;
  std::unique_ptr<Router> router_;
  int starts_ = 0;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

// --- enroll ---

TEST_F(LedgerRoutesTest, EnrollAnswers201WithIdVersionAndSeq) {
  HttpResponse res = Call("POST", "/v1/residents", kEnrollBody, Role::kClerk);
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(res.Header("Content-Type"), "application/json");
  json::object body = Body(res);
  EXPECT_FALSE(body["resident_id"].as_string().empty());
  EXPECT_EQ(body["version"].as_int64(), 1);
  EXPECT_EQ(body["seq"].as_int64(), 1);
  EXPECT_EQ(res.Header("ETag"), "\"1\"");
  EXPECT_EQ(ledger_->LastSeq(), 1u);
  // A supervisor may do what a clerk may.
  HttpResponse boss = Call("POST", "/v1/residents",
                           R"({"pii": {"given_name": "Bo", "family_name": "Li",
                               "date_of_birth": "1980-01-02"},
                               "attributes": {"district": "south", "age_band": "40-49",
                               "language": "zh"}})",
                           Role::kSupervisor);
  EXPECT_EQ(boss.status, 201) << boss.body;
}

TEST_F(LedgerRoutesTest, EnrollWithoutTokenIs401AndWithoutRoleIs403) {
  HttpResponse none = Call("POST", "/v1/residents", kEnrollBody, std::nullopt);
  ExpectProblem(none, 401, "unauthenticated");
  EXPECT_EQ(none.Header("WWW-Authenticate"), "Bearer realm=\"cityid\"");
  HttpResponse bogus = Call("POST", "/v1/residents", kEnrollBody, std::nullopt,
                            {{"Authorization", "Bearer cid_not-a-real-token"}});
  ExpectProblem(bogus, 401, "unauthenticated");
  for (Role role : {Role::kAnalyst, Role::kAuditor, Role::kProjection}) {
    ExpectProblem(Call("POST", "/v1/residents", kEnrollBody, role), 403,
                  "permission-denied");
  }
  EXPECT_EQ(ledger_->LastSeq(), 0u);
}

TEST_F(LedgerRoutesTest, EnrollRejectsMalformedAndInvalidBodies) {
  ExpectProblem(Call("POST", "/v1/residents", "{not json", Role::kClerk), 400,
                "malformed-request");
  ExpectProblem(Call("POST", "/v1/residents", "", Role::kClerk), 400,
                "malformed-request");
  const std::vector<std::string> invalid = {
      "[]",
      R"({"attributes": {"district": "n", "age_band": "30-39", "language": "es"}})",
      R"({"pii": {"given_name": 7}, "attributes": {"district": "n", "age_band": "a",
          "language": "es"}})",
      R"({"pii": {}, "attributes": {"district": "n", "age_band": "a", "language": "es"},
          "shoe_size": 44})",
      R"({"pii": {"given_name": "A"}, "attributes": {"district": "n"}})",
      R"({"pii": {"given_name": "A"}, "attributes": {"district": "n", "age_band": "a",
          "language": "es"}, "documents": "passport"})",
  };
  for (const std::string& body : invalid) {
    ExpectProblem(Call("POST", "/v1/residents", body, Role::kClerk), 422,
                  "validation-failed");
  }
  // A PII field the programme does not collect: refused, never stored.
  HttpResponse phone =
      Call("POST", "/v1/residents",
           R"({"pii": {"given_name": "Ana", "family_name": "Diaz",
                                "date_of_birth": "1990-04-01", "phone": "555-0101"},
                                "attributes": {"district": "north", "age_band": "30-39",
                                "language": "es"}})",
           Role::kClerk);
  ExpectProblem(phone, 422, "validation-failed");
  EXPECT_EQ(phone.body.find("555-0101"), std::string::npos);
  EXPECT_EQ(ledger_->LastSeq(), 0u);
}

TEST_F(LedgerRoutesTest, ClosedDomainIs422NamingTheAllowedValues) {
  Stop();
  ProgrammePolicy policy;
  policy.districts.values = {"D01", "D02"};
  policy.card_types.values = {"standard"};
  Start(policy);
  HttpResponse res = Call("POST", "/v1/residents", kEnrollBody, Role::kClerk);
  ExpectProblem(res, 422, "validation-failed");
  EXPECT_THAT(Detail(res),
              HasSubstr("attributes.district must be one of: D01, D02"));
  EXPECT_EQ(ledger_->LastSeq(), 0u);
  std::string body(kEnrollBody);
  body.replace(body.find("north"), 5, "D02");
  const std::string id = Enroll(body);
  HttpResponse youth =
      Call("POST", "/v1/cards",
           R"({"resident_id": ")" + id + R"(", "card_type": "youth"})",
           Role::kClerk);
  ExpectProblem(youth, 422, "validation-failed");
  EXPECT_THAT(Detail(youth), HasSubstr("card_type must be one of: standard"));
  EXPECT_EQ(ledger_->LastSeq(), 1u);
}

TEST_F(LedgerRoutesTest, OpenDomainRefusesUnholdableDistrictWith422) {
  std::string body(kEnrollBody);
  body.replace(body.find("north"), 5, "north/east");
  HttpResponse res = Call("POST", "/v1/residents", body, Role::kClerk);
  ExpectProblem(res, 422, "validation-failed");
  EXPECT_EQ(ledger_->LastSeq(), 0u);
}

TEST_F(LedgerRoutesTest, DuplicateEnrollmentIs409NamingTheResident) {
  const std::string id = Enroll();
  HttpResponse dup = Call("POST", "/v1/residents", kEnrollBody, Role::kClerk);
  ExpectProblem(dup, 409, "conflict");
  EXPECT_NE(dup.body.find(id), std::string::npos) << dup.body;
  EXPECT_EQ(dup.body.find("Diaz"), std::string::npos);
}

TEST_F(LedgerRoutesTest, OversizedBodyIs413) {
  const std::string big =
      R"({"pii": {"given_name": ")" + std::string(9000, 'a') + R"("}})";
  ExpectProblem(Call("POST", "/v1/residents", big, Role::kClerk), 413,
                "too-large");
  EXPECT_EQ(ledger_->LastSeq(), 0u);
}

TEST_F(LedgerRoutesTest, IdempotencyKeyReplaysSameAnswerAndRefusesOtherBody) {
  HttpHeaders key{{"Idempotency-Key", "enroll-42"}};
  HttpResponse first =
      Call("POST", "/v1/residents", kEnrollBody, Role::kClerk, key);
  ASSERT_EQ(first.status, 201);
  HttpResponse again =
      Call("POST", "/v1/residents", kEnrollBody, Role::kClerk, key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(ledger_->LastSeq(), 1u);
  std::string other = kEnrollBody;
  other.replace(other.find("north"), 5, "south");
  ExpectProblem(Call("POST", "/v1/residents", other, Role::kClerk, key), 422,
                "idempotency-mismatch");
  ExpectProblem(Call("POST", "/v1/residents", kEnrollBody, Role::kClerk,
                     {{"Idempotency-Key", std::string(300, 'k')}}),
                422, "validation-failed");
  EXPECT_EQ(ledger_->LastSeq(), 1u);
}

// --- read, update, erase ---

TEST_F(LedgerRoutesTest, ReadResidentNeedsPurposeAndRecordsAccess) {
  const std::string id = Enroll();
  ExpectProblem(Call("GET", "/v1/residents/" + id, "", Role::kClerk), 422,
                "validation-failed");
  ExpectProblem(Call("GET", "/v1/residents/" + id, "", Role::kAuditor,
                     {{"X-Purpose", "card_pickup"}}),
                403, "permission-denied");
  HttpResponse res = Call("GET", "/v1/residents/" + id, "", Role::kClerk,
                          {{"X-Purpose", "card_pickup"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.Header("Cache-Control"), "no-store");
  EXPECT_EQ(res.Header("ETag"), "\"1\"");
  json::object body = Body(res);
  EXPECT_EQ(body["resident_id"].as_string(), id);
  EXPECT_EQ(body["pii"].as_object()["given_name"].as_string(), "Ana");
  EXPECT_EQ(body["attributes"].as_object()["district"].as_string(), "north");
  EXPECT_EQ(body["documents"].as_array().size(), 1u);
  EXPECT_TRUE(body["card_ids"].as_array().empty());
  EXPECT_EQ(body["version"].as_int64(), 1);
  EXPECT_EQ(ledger_->LastSeq(), 2u);  // pii.accessed
  ExpectProblem(Call("GET", "/v1/residents/r_nobody", "", Role::kClerk,
                     {{"X-Purpose", "card_pickup"}}),
                404, "not-found");
}

TEST_F(LedgerRoutesTest, UpdateHonoursIfMatch) {
  const std::string id = Enroll();
  const std::string patch =
      R"({"attributes": {"district": "east", "age_band": "30-39", "language": "en"}})";
  ExpectProblem(Call("PATCH", "/v1/residents/" + id, patch, Role::kClerk,
                     {{"If-Match", "\"7\""}}),
                412, "precondition-failed");
  ExpectProblem(Call("PATCH", "/v1/residents/" + id, patch, Role::kClerk,
                     {{"If-Match", "v1"}}),
                400, "malformed-request");
  HttpResponse ok = Call("PATCH", "/v1/residents/" + id, patch, Role::kClerk,
                         {{"If-Match", "\"1\""}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Body(ok)["version"].as_int64(), 2);
  EXPECT_EQ(ok.Header("ETag"), "\"2\"");
  HttpResponse unquoted = Call("PATCH", "/v1/residents/" + id, patch,
                               Role::kClerk, {{"If-Match", "2"}});
  EXPECT_EQ(unquoted.status, 200) << unquoted.body;
  ExpectProblem(Call("PATCH", "/v1/residents/" + id, "{}", Role::kClerk), 422,
                "validation-failed");
  ExpectProblem(Call("PATCH", "/v1/residents/r_nobody", patch, Role::kClerk),
                404, "not-found");
}

TEST_F(LedgerRoutesTest, EraseNeedsSupervisorAndThenResidentIsGone) {
  const std::string id = Enroll();
  const std::string card = CardId(id);
  ExpectProblem(Call("POST", "/v1/residents/" + id + "/erase",
                     R"({"reason": "request"})", Role::kClerk),
                403, "permission-denied");
  ExpectProblem(Call("POST", "/v1/residents/" + id + "/erase",
                     R"({"reason": "bored"})", Role::kSupervisor),
                422, "validation-failed");
  HttpResponse res = Call("POST", "/v1/residents/" + id + "/erase",
                          R"({"reason": "request"})", Role::kSupervisor);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Body(res)["seq"].as_int64(),
            static_cast<int64_t>(ledger_->LastSeq()));
  ExpectProblem(Call("GET", "/v1/residents/" + id, "", Role::kClerk,
                     {{"X-Purpose", "check"}}),
                410, "gone");
  ExpectProblem(
      Call(
          "PATCH", "/v1/residents/" + id,
          R"({"attributes": {"district": "e", "age_band": "a", "language": "en"}})",
          Role::kClerk),
      410, "gone");
  EXPECT_EQ(ledger_->GetCard(card)->status, CardStatus::kRevoked);
}

// --- cards ---

TEST_F(LedgerRoutesTest, IssueAnswers201WithTheCard) {
  const std::string id = Enroll();
  json::object card = Issue(id);
  const std::string card_id(card["card_id"].as_string());
  EXPECT_EQ(card_id.size(), 13u);
  EXPECT_EQ(card["status_list"].as_string().subview().substr(0, 17),
            "/v1/status-lists/");
  EXPECT_TRUE(card["status_index"].is_number());
  EXPECT_EQ(card["issued_at"].as_string(),
            FormatRfc3339(testing_util::kTestNow));
  EXPECT_FALSE(card["expires_at"].as_string().empty());
  EXPECT_EQ(card["seq"].as_int64(), 2);
  EXPECT_EQ(card["version"].as_int64(), 2);  // the seq of the card's last event
  EXPECT_EQ(card["status"].as_string(), "active");
  const std::string body =
      R"({"resident_id": ")" + id + R"(", "card_type": "standard"})";
  ExpectProblem(Call("POST", "/v1/cards", body, Role::kClerk), 409, "conflict");
  ExpectProblem(Call("POST", "/v1/cards",
                     R"({"resident_id": "r_nobody", "card_type": "youth"})",
                     Role::kClerk),
                404, "not-found");
  ExpectProblem(Call("POST", "/v1/cards",
                     R"({"resident_id": ")" + id + R"(", "card_type": "gold"})",
                     Role::kClerk),
                422, "validation-failed");
  ExpectProblem(
      Call("POST", "/v1/cards", R"({"resident_id": 5, "card_type": "youth"})",
           Role::kClerk),
      422, "validation-failed");
  ExpectProblem(Call("POST", "/v1/cards", body, Role::kAnalyst), 403,
                "permission-denied");
}

TEST_F(LedgerRoutesTest, SuspendAndRevokeNeedSupervisor) {
  const std::string card = CardId(Enroll());
  const std::string reason = R"({"reason": "fraud"})";
  ExpectProblem(
      Call("POST", "/v1/cards/" + card + "/suspend", reason, Role::kClerk), 403,
      "permission-denied");
  ExpectProblem(
      Call("POST", "/v1/cards/" + card + "/revoke", reason, Role::kClerk), 403,
      "permission-denied");
  HttpResponse suspended =
      Call("POST", "/v1/cards/" + card + "/suspend", reason, Role::kSupervisor);
  ASSERT_EQ(suspended.status, 200) << suspended.body;
  json::object body = Body(suspended);
  EXPECT_EQ(body["card_id"].as_string(), card);
  EXPECT_EQ(body["status"].as_string(), "suspended");
  EXPECT_EQ(body["version"].as_int64(), body["seq"].as_int64());
  EXPECT_EQ(suspended.Header("ETag"),
            "\"" + std::to_string(body["seq"].as_int64()) + "\"");
  EXPECT_TRUE(body.contains("expires_at"));
  ExpectProblem(
      Call("POST", "/v1/cards/" + card + "/suspend", reason, Role::kSupervisor),
      409, "conflict");
  HttpResponse reinstated = Call("POST", "/v1/cards/" + card + "/reinstate",
                                 R"({"reason": "cleared"})", Role::kClerk);
  ASSERT_EQ(reinstated.status, 200) << reinstated.body;
  EXPECT_EQ(Body(reinstated)["status"].as_string(), "active");
  HttpResponse revoked =
      Call("POST", "/v1/cards/" + card + "/revoke", reason, Role::kSupervisor);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(Body(revoked)["status"].as_string(), "revoked");
  ExpectProblem(Call("POST", "/v1/cards/" + card + "/renew", "", Role::kClerk),
                409, "conflict");
}

TEST_F(LedgerRoutesTest, CardActionsValidateBodiesIdsAndVersions) {
  json::object issued = Issue(Enroll());
  const std::string card(issued["card_id"].as_string());
  const std::string version =
      "\"" + std::to_string(issued["version"].as_int64()) + "\"";
  ExpectProblem(
      Call("POST", "/v1/cards/" + card + "/suspend", "{}", Role::kSupervisor),
      422, "validation-failed");
  ExpectProblem(Call("POST", "/v1/cards/" + card + "/suspend",
                     R"({"reason": 3})", Role::kSupervisor),
                422, "validation-failed");
  ExpectProblem(Call("POST", "/v1/cards/" + card + "/renew", R"({"years": 3})",
                     Role::kClerk),
                422, "validation-failed");
  ExpectProblem(Call("POST", "/v1/cards/0000000000000/renew", "", Role::kClerk),
                404, "not-found");
  ExpectProblem(Call("POST", "/v1/cards/" + card + "/renew", "", Role::kClerk,
                     {{"If-Match", "\"99\""}}),
                412, "precondition-failed");
  HttpResponse renewed = Call("POST", "/v1/cards/" + card + "/renew", "",
                              Role::kClerk, {{"If-Match", version}});
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  EXPECT_EQ(Body(renewed)["status"].as_string(), "active");
  EXPECT_EQ(renewed.Header("ETag"),
            "\"" + std::to_string(ledger_->LastSeq()) + "\"");
}

TEST_F(LedgerRoutesTest, ReplaceAnswers201WithTheNewCardAndRevokesTheOld) {
  const std::string old_card = CardId(Enroll());
  ExpectProblem(Call("POST", "/v1/cards/" + old_card + "/replace",
                     R"({"reason": "eaten"})", Role::kClerk),
                422, "validation-failed");
  HttpResponse res = Call("POST", "/v1/cards/" + old_card + "/replace",
                          R"({"reason": "lost"})", Role::kClerk);
  ASSERT_EQ(res.status, 201) << res.body;
  json::object body = Body(res);
  EXPECT_NE(body["card_id"].as_string(), old_card);
  EXPECT_EQ(body["replaced_card_id"].as_string(), old_card);
  EXPECT_EQ(body["status"].as_string(), "active");
  EXPECT_EQ(ledger_->GetCard(old_card)->status, CardStatus::kRevoked);
  ExpectProblem(Call("POST", "/v1/cards/" + old_card + "/replace",
                     R"({"reason": "lost"})", Role::kClerk),
                409, "conflict");
}

// --- feed, position, health ---

TEST_F(LedgerRoutesTest, FeedServesEventsWithTheirExactBytes) {
  const std::string id = Enroll();
  Issue(id);
  ExpectProblem(Call("GET", "/v1/events", "", Role::kClerk), 403,
                "permission-denied");
  ExpectProblem(Call("GET", "/v1/events", "", std::nullopt), 401,
                "unauthenticated");
  HttpResponse res =
      Call("GET", "/v1/events?after=0&limit=10", "", Role::kProjection);
  ASSERT_EQ(res.status, 200) << res.body;
  json::object body = Body(res);
  EXPECT_EQ(body["last_seq"].as_int64(), 2);
  json::array events = body["events"].as_array();
  ASSERT_EQ(events.size(), 2u);
  auto stored = ledger_->ReadEvents(0, 10);
  ASSERT_TRUE(stored.ok());
  for (size_t i = 0; i < events.size(); ++i) {
    json::object e = events[i].as_object();
    EXPECT_EQ(e["seq"].as_int64(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(Base64Decode(e["bytes"].as_string()).value(), (*stored)[i].bytes);
    EXPECT_TRUE(e.contains("payload"));
    EXPECT_TRUE(e.contains("event_id"));
  }
  EXPECT_EQ(events[0].as_object()["type"].as_string(), "resident.enrolled");
  EXPECT_EQ(events[1].as_object()["type"].as_string(), "card.issued");
  EXPECT_EQ(res.body.find("Diaz"), std::string::npos);
  HttpResponse page =
      Call("GET", "/v1/events?after=1&limit=1", "", Role::kAuditor);
  ASSERT_EQ(page.status, 200);
  ASSERT_EQ(Body(page)["events"].as_array().size(), 1u);
  EXPECT_EQ(Body(page)["events"].as_array()[0].as_object()["seq"].as_int64(),
            2);
  ExpectProblem(Call("GET", "/v1/events?after=x", "", Role::kAuditor), 422,
                "validation-failed");
  ExpectProblem(Call("GET", "/v1/events?limit=0", "", Role::kAuditor), 422,
                "validation-failed");
  ExpectProblem(Call("GET", "/v1/events?after=%zz", "", Role::kAuditor), 400,
                "malformed-request");
}

TEST_F(LedgerRoutesTest, FeedLongPollWakesOnAppendAndTimesOut) {
  const auto start = std::chrono::steady_clock::now();
  HttpResponse empty =
      Call("GET", "/v1/events?after=0&wait_ms=300", "", Role::kProjection);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(280));
  ASSERT_EQ(empty.status, 200);
  EXPECT_TRUE(Body(empty)["events"].as_array().empty());
  EXPECT_EQ(Body(empty)["last_seq"].as_int64(), 0);

  HttpResponse woken;
  std::thread poller([&] {
    HttpClient c("127.0.0.1", server_->port());
    auto r = c.Get("/v1/events?after=0&wait_ms=10000",
                   {{"Authorization", "Bearer " + tokens_[Role::kProjection]}});
    ASSERT_TRUE(r.ok());
    woken = *r;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto enrolled_at = std::chrono::steady_clock::now();
  Enroll();
  poller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - enrolled_at,
            std::chrono::seconds(2));
  ASSERT_EQ(woken.status, 200) << woken.body;
  EXPECT_EQ(Body(woken)["events"].as_array().size(), 1u);
}

TEST_F(LedgerRoutesTest, StoppingServerAnswersPendingLongPollPromptly) {
  std::thread poller([&] {
    HttpClient c("127.0.0.1", server_->port());
    auto r = c.Get("/v1/events?after=0&wait_ms=30000",
                   {{"Authorization", "Bearer " + tokens_[Role::kAuditor]}});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  poller.join();
}

TEST_F(LedgerRoutesTest, PositionHealthReadinessAndMetrics) {
  Enroll();
  HttpResponse pos = Call("GET", "/v1/position", "", std::nullopt);
  ASSERT_EQ(pos.status, 200);
  EXPECT_EQ(Body(pos)["seq"].as_int64(), 1);
  EXPECT_EQ(Call("GET", "/healthz", "", std::nullopt).status, 200);
  EXPECT_EQ(Call("GET", "/readyz", "", std::nullopt).status, 200);
  HttpResponse metrics = Call("GET", "/metrics", "", std::nullopt);
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(
      metrics.body.find(
          "cityid_http_requests_total{route=\"/v1/residents\",method=\"POST\","
          "status=\"201\"} 1"),
      std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("cityid_ledger_last_seq 1"), std::string::npos);
  EXPECT_NE(
      metrics.body.find(
          "cityid_ledger_commands_total{command=\"enroll\",outcome=\"ok\"} 1"),
      std::string::npos);
  ledger_->Close();
  HttpResponse not_ready = Call("GET", "/readyz", "", std::nullopt);
  ExpectProblem(not_ready, 503, "unavailable");
  EXPECT_FALSE(Body(not_ready)["detail"].as_string().empty());
  ExpectProblem(Call("POST", "/v1/residents", kEnrollBody, Role::kClerk), 503,
                "unavailable");
}

TEST_F(LedgerRoutesTest, RegistersEveryRouteOfTheSpec) {
  std::set<std::string> routes;
  for (const RouteInfo& r : router_->Routes())
    routes.insert(r.method + " " + r.pattern);
  for (const char* want :
       {"POST /v1/residents", "GET /v1/residents/{id}",
        "PATCH /v1/residents/{id}", "POST /v1/residents/{id}/erase",
        "POST /v1/cards", "POST /v1/cards/{id}/renew",
        "POST /v1/cards/{id}/replace", "POST /v1/cards/{id}/suspend",
        "POST /v1/cards/{id}/reinstate", "POST /v1/cards/{id}/revoke",
        "GET /v1/events", "GET /v1/position", "GET /healthz", "GET /readyz",
        "GET /metrics"}) {
    EXPECT_EQ(routes.count(want), 1u) << want;
  }
  ExpectProblem(Call("DELETE", "/v1/residents/r_1", "", Role::kClerk), 405,
                "method-not-allowed");
}

}  // namespace
}  // namespace cityid
