#include "api/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/metrics.h"
#include "api/problem.h"
#include "base/http_client.h"

namespace cityid {
namespace {

HttpRequest Req(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = target;
  const size_t q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  return r;
}

// Dispatches synchronously-answering handlers and returns the answer.
HttpResponse Call(const Router& router, const HttpRequest& req) {
  HttpResponse out;
  router.Dispatch(req, [&out](HttpResponse r) { out = std::move(r); });
  return out;
}

Handler Named(std::string name) {
  return
      [name](const HttpRequest&, const RouteParams& params, Responder respond) {
        std::string body = name;
        for (const auto& [k, v] : params) body += " " + k + "=" + v;
        respond(JsonResponse(200, body));
      };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : router_(&metrics_) {
    router_.Add("GET", "/v1/cards/{id}", Named("get-card"));
    router_.Add("POST", "/v1/cards", Named("issue"));
    router_.Add("POST", "/v1/cards/{id}/renew", Named("renew"));
    router_.Add("GET", "/v1/cards/search", Named("search"));
    router_.Add("PATCH", "/v1/residents/{id}", Named("patch"));
    router_.Add("GET", "/v1/residents/{id}", Named("get-resident"));
  }
  Metrics metrics_;
  Router router_;
};

TEST_F(RouterTest, MatchesParametersAndDecodesThem) {
  EXPECT_EQ(Call(router_, Req("GET", "/v1/cards/123")).body, "get-card id=123");
  EXPECT_EQ(Call(router_, Req("POST", "/v1/cards/12%203/renew")).body,
            "renew id=12 3");
  EXPECT_EQ(Call(router_, Req("POST", "/v1/cards?x=1")).body, "issue");
}

TEST_F(RouterTest, PrefersLiteralSegmentsOverParameters) {
  EXPECT_EQ(Call(router_, Req("GET", "/v1/cards/search")).body, "search");
}

TEST_F(RouterTest, UnknownPathIs404Problem) {
  for (const char* path :
       {"/v1/nothing", "/v1/cards/", "/v1/cards/1/explode", "/", ""}) {
    HttpResponse res = Call(router_, Req("GET", path));
    EXPECT_EQ(res.status, 404) << path;
    EXPECT_EQ(res.Header("Content-Type"), "application/problem+json");
    auto body = boost::json::parse(res.body).as_object();
    EXPECT_EQ(body["type"].as_string(),
              "https://cityid.example/problems/not-found");
    EXPECT_EQ(body["status"].as_int64(), 404);
  }
}

TEST_F(RouterTest, KnownPathWithOtherMethodIs405WithAllow) {
  HttpResponse res = Call(router_, Req("DELETE", "/v1/residents/r_1"));
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.Header("Allow"), "GET, PATCH");
  EXPECT_NE(res.body.find("method-not-allowed"), std::string::npos);
}

TEST_F(RouterTest, ListsEveryRoute) {
  auto routes = router_.Routes();
  ASSERT_EQ(routes.size(), 6u);
  EXPECT_EQ(routes[0].method, "GET");
  EXPECT_EQ(routes[0].pattern, "/v1/cards/{id}");
}

TEST_F(RouterTest, RecordsMetricsByRoutePatternNotPath) {
  Call(router_, Req("GET", "/v1/cards/111"));
  Call(router_, Req("GET", "/v1/cards/222"));
  Call(router_, Req("GET", "/nope"));
  const std::string text = metrics_.Render();
  EXPECT_NE(
      text.find(
          "cityid_http_requests_total{route=\"/v1/cards/{id}\",method=\"GET\","
          "status=\"200\"} 2"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("route=\"unmatched\",method=\"GET\",status=\"404\"} 1"),
            std::string::npos);
  EXPECT_EQ(text.find("111"), std::string::npos);
}

TEST_F(RouterTest, HandlerThatThrowsIs500) {
  Router router;
  router.Add("GET", "/boom",
             [](const HttpRequest&, const RouteParams&, Responder) {
               throw std::runtime_error("bug");
             });
  EXPECT_EQ(Call(router, Req("GET", "/boom")).status, 500);
}

TEST_F(RouterTest, ServesOverHttp) {
  HttpServer server({}, router_.AsHandler());
  ASSERT_TRUE(server.Start().ok());
  HttpClient client("127.0.0.1", server.port());
  auto ok = client.Get("/v1/cards/42");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->body, "get-card id=42");
  auto missing = client.Get("/v2/x");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  auto wrong = client.Request("PUT", "/v1/cards");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->Header("Allow"), "POST");
}

TEST(QueryTest, ParsesAndDecodes) {
  auto q = ParseQuery("after=10&limit=5&name=a%20b+c&flag");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ((*q)["after"], "10");
  EXPECT_EQ((*q)["limit"], "5");
  EXPECT_EQ((*q)["name"], "a b c");
  EXPECT_EQ((*q)["flag"], "");
  EXPECT_TRUE(ParseQuery("").ok());
}

TEST(QueryTest, RejectsBadEscapesAndRepeatedKeys) {
  EXPECT_EQ(ParseQuery("a=%zz").status().code(), Code::kMalformed);
  EXPECT_EQ(ParseQuery("a=%4").status().code(), Code::kMalformed);
  EXPECT_EQ(ParseQuery("a=1&a=2").status().code(), Code::kMalformed);
}

}  // namespace
}  // namespace cityid
