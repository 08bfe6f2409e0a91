#include "api/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "api/problem.h"
#include "api/test_util.h"
#include "base/http_client.h"

namespace cityid {
namespace {

using std::chrono::milliseconds;
using testing::RawConnection;

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers["Content-Type"] = "text/plain";
  r.body = std::move(body);
  return r;
}

// Serves a small set of test paths:
//   /echo           200 "METHOD PATH?QUERY BODY" at once
//   /later?ms=N     200 "later", answered from another thread after N ms
//   /drop           the handler drops its Responder unanswered
//   /twice          answers 201 then 202
class HttpServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    server_.reset();
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& t : threads_) t.join();
  }

  void Start(HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(
        options, [this](const HttpRequest& req, Responder respond) {
          Handle(req, respond);
        });
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }

  void Handle(const HttpRequest& req, Responder respond) {
    if (req.path == "/echo") {
      return respond(Text(200, req.method + " " + req.target + " " + req.body));
    }
    if (req.path == "/later") {
      const int ms = std::stoi(req.query.substr(req.query.find('=') + 1));
      std::lock_guard<std::mutex> lock(mu_);
      threads_.emplace_back([respond, ms] {
        std::this_thread::sleep_for(milliseconds(ms));
        respond(Text(200, "later"));
      });
      return;
    }
    if (req.path == "/twice") {
      respond(Text(201, "first"));
      return respond(Text(202, "second"));
    }
    if (req.path == "/drop") return;
    respond(ProblemResponse(NotFound("no such test path")));
  }

  // A normal client still gets answers.
  void ExpectNormalClientServed() {
    HttpClient client("127.0.0.1", server_->port());
    auto res = client.Get("/echo?x=1", {}, 2'000'000);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "GET /echo?x=1 ");
  }

  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

TEST_F(HttpServerTest, ServesManyRequestsOnOneKeptAliveConnection) {
  Start();
  HttpClient client("127.0.0.1", server_->port());
  for (int i = 0; i < 3; ++i) {
    auto res = client.Post("/echo", "b" + std::to_string(i));
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_EQ(res->body, "POST /echo b" + std::to_string(i));
  }
  EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(HttpServerTest, AnswersFromAnotherThreadLater) {
  Start();
  HttpClient a("127.0.0.1", server_->port()), b("127.0.0.1", server_->port());
  std::thread slow([&] {
    auto res = a.Get("/later?ms=300");
    ASSERT_TRUE(res.ok());
    EXPECT_EQ(res->body, "later");
  });
  // A pending asynchronous answer on one connection blocks no other.
  std::this_thread::sleep_for(milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  auto fast = b.Get("/echo");
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(200));
  ASSERT_TRUE(fast.ok());
  EXPECT_EQ(fast->status, 200);
  slow.join();
}

TEST_F(HttpServerTest, AnswersFirstResponseOnlyAndUnansweredWith500) {
  Start();
  HttpClient client("127.0.0.1", server_->port());
  auto twice = client.Get("/twice");
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->status, 201);
  auto dropped = client.Get("/drop");
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->status, 500);
  EXPECT_EQ(dropped->Header("Content-Type"), "application/problem+json");
  auto next = client.Get("/echo");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->status, 200);
}

TEST_F(HttpServerTest, RejectsOversizedBodyWith413) {
  HttpServerOptions o;
  o.body_limit = 1024;
  Start(o);
  HttpClient client("127.0.0.1", server_->port());
  auto ok = client.Post("/echo", std::string(1024, 'a'));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  auto res = client.Post("/echo", std::string(1025, 'a'));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(res->Header("Content-Type"), "application/problem+json");
  EXPECT_NE(res->body.find("https://cityid.example/problems/too-large"),
            std::string::npos);
  ExpectNormalClientServed();
}

TEST_F(HttpServerTest, ClientSendingAHugeBodyStillReads413) {
  HttpServerOptions o;
  o.body_limit = 1024;
  Start(o);
  HttpClient client("127.0.0.1", server_->port());
  // Far more than the socket buffers hold: the server must drain what the
  // client still sends after the 413, or the client sees a reset instead.
  auto res = client.Post("/echo", std::string(8 << 20, 'a'));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 413);
  ExpectNormalClientServed();
}

TEST_F(HttpServerTest, RejectsOversizedChunkedBodyWith413) {
  HttpServerOptions o;
  o.body_limit = 1024;
  Start(o);
  RawConnection conn(server_->port());
  std::string chunk(800, 'x');
  conn.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  conn.Send("320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
  const std::string got = conn.ReadUntilClose(milliseconds(2000));
  EXPECT_EQ(got.rfind("HTTP/1.1 413", 0), 0u) << got;
  EXPECT_TRUE(conn.closed());
}

TEST_F(HttpServerTest, RejectsOversizedHeaderWith431) {
  HttpServerOptions o;
  o.header_limit = 2048;
  Start(o);
  HttpClient client("127.0.0.1", server_->port());
  auto res = client.Get("/echo", {{"X-Big", std::string(4096, 'h')}});
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 431);
  EXPECT_NE(res->body.find("header-too-large"), std::string::npos);
  ExpectNormalClientServed();
}

TEST_F(HttpServerTest, DropsClientThatDribblesItsHeaders) {
  HttpServerOptions o;
  o.header_timeout = 300'000;
  Start(o);
  RawConnection slow(server_->port());
  const auto start = std::chrono::steady_clock::now();
  slow.Send("GET /echo HTTP/1.1\r\n");
  for (int i = 0; i < 10 && !slow.closed(); ++i) {
    slow.Send("X-Slow: " + std::to_string(i) + "\r\n");
    ExpectNormalClientServed();
    slow.ReadUntilClose(milliseconds(100));
  }
  EXPECT_TRUE(slow.closed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(900));
}

TEST_F(HttpServerTest, DropsSlowBody) {
  HttpServerOptions o;
  o.body_timeout = 300'000;
  Start(o);
  RawConnection slow(server_->port());
  slow.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: "
      "100\r\n\r\nonly-a-little");
  ExpectNormalClientServed();
  const std::string got = slow.ReadUntilClose(milliseconds(2000));
  EXPECT_TRUE(slow.closed());
  EXPECT_EQ(got.find("200"), std::string::npos) << got;
}

TEST_F(HttpServerTest, ClosesIdleKeptAliveConnection) {
  HttpServerOptions o;
  o.idle_timeout = 300'000;
  Start(o);
  RawConnection conn(server_->port());
  conn.Send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string first =
      conn.ReadUntilContains("GET /echo ", milliseconds(1000));
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
  const auto start = std::chrono::steady_clock::now();
  conn.ReadUntilClose(milliseconds(2000));
  EXPECT_TRUE(conn.closed());
  EXPECT_GT(std::chrono::steady_clock::now() - start, milliseconds(200));
}

TEST_F(HttpServerTest, CapsConnectionsWhileAServedClientKeepsWorking) {
  HttpServerOptions o;
  o.max_connections = 3;
  Start(o);
  HttpClient normal("127.0.0.1", server_->port());
  ASSERT_TRUE(normal.Get("/echo").ok());
  std::vector<std::unique_ptr<RawConnection>> hostile;
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    hostile.push_back(std::make_unique<RawConnection>(server_->port()));
    const std::string got = hostile.back()->ReadUntilClose(milliseconds(150));
    if (hostile.back()->closed()) {
      ++refused;
      EXPECT_EQ(got.rfind("HTTP/1.1 503", 0), 0u) << got;
    }
  }
  EXPECT_EQ(refused, 4);  // two slots were free beside the normal client
  EXPECT_EQ(server_->open_connections(), 3u);
  auto res = normal.Get("/echo?still=1");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
}

TEST_F(HttpServerTest, PipelinedGarbageClosesOnlyThatConnection) {
  Start();
  HttpClient normal("127.0.0.1", server_->port());
  ASSERT_TRUE(normal.Get("/echo").ok());
  RawConnection conn(server_->port());
  conn.Send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n\x01\x02 NOT HTTP\r\n\r\n");
  const std::string got = conn.ReadUntilClose(milliseconds(2000));
  EXPECT_TRUE(conn.closed());
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_NE(got.find("HTTP/1.1 400"), std::string::npos) << got;
  EXPECT_NE(got.find("malformed-request"), std::string::npos) << got;
  auto res = normal.Get("/echo");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
}

TEST_F(HttpServerTest, SendsContinueBeforeReadingAnExpectedBody) {
  Start();
  RawConnection conn(server_->port());
  conn.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: "
      "100-continue\r\n\r\n");
  const std::string cont =
      conn.ReadUntilContains("\r\n\r\n", milliseconds(1000));
  EXPECT_EQ(cont.rfind("HTTP/1.1 100", 0), 0u) << cont;
  conn.Send("body");
  const std::string got =
      conn.ReadUntilContains("POST /echo body", milliseconds(1000));
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
}

TEST_F(HttpServerTest, StopFinishesInFlightRequestAndRefusesNewOnes) {
  Start();
  const uint16_t port = server_->port();
  HttpClient client("127.0.0.1", port);
  std::thread in_flight([&] {
    auto res = client.Get("/later?ms=300");
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->Header("Connection"), "close");
  });
  std::this_thread::sleep_for(milliseconds(100));
  RawConnection idle(port);
  std::this_thread::sleep_for(milliseconds(50));
  server_->Stop();
  in_flight.join();
  idle.ReadUntilClose(milliseconds(500));
  EXPECT_TRUE(idle.closed());
  HttpClient late("127.0.0.1", port);
  EXPECT_FALSE(late.Get("/echo", {}, 500'000).ok());
}

TEST(HttpServerStartTest, FailsWhenPortIsTaken) {
  HttpServer first({},
                   [](const HttpRequest&, Responder r) { r(Text(200, "")); });
  ASSERT_TRUE(first.Start().ok());
  HttpServerOptions o;
  o.port = first.port();
  HttpServer second(o,
                    [](const HttpRequest&, Responder r) { r(Text(200, "")); });
  Status s = second.Start();
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
}

}  // namespace
}  // namespace cityid
