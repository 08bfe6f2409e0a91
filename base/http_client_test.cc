#include "base/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

namespace cityid {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// A tiny coroutine HTTP server on one thread. Targets:
//   /echo   200, body "METHOD TARGET BODY", header X-Seen = request's X-Test
//   /slow   answers after 2 s
//   /close  200 with Connection: close
//   /drop   closes the connection without answering
// With close_silently, the server closes every connection after one response
// without saying so (as a server does with an idle keep-alive connection).
class TestServer {
 public:
  explicit TestServer(bool close_silently = false)
      : close_silently_(close_silently) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    asio::co_spawn(ioc_, Accept(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TestServer() {
    ioc_.stop();
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int connections() const { return connections_.load(); }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      tcp::socket socket = co_await acceptor_.async_accept(asio::use_awaitable);
      ++connections_;
      asio::co_spawn(ioc_, Serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    try {
      for (;;) {
        http::request<http::string_body> req;
        co_await http::async_read(socket, buffer, req, asio::use_awaitable);
        const std::string target(req.target());
        if (target == "/drop") co_return;
        if (target == "/slow") {
          asio::steady_timer timer(ioc_, std::chrono::seconds(2));
          co_await timer.async_wait(asio::use_awaitable);
        }
        http::response<http::string_body> res{http::status::ok, 11};
        res.set("X-Seen", req["X-Test"]);
        res.body() =
            std::string(req.method_string()) + " " + target + " " + req.body();
        res.keep_alive(target != "/close");
        res.prepare_payload();
        co_await http::async_write(socket, res, asio::use_awaitable);
        if (target == "/close" || close_silently_) co_return;
      }
    } catch (const std::exception&) {
      // The client went away; the coroutine ends and closes the socket.
    }
  }

  const bool close_silently_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

TEST(HttpClientTest, ReturnsStatusHeadersAndBody) {
  TestServer server;
  HttpClient client("127.0.0.1", server.port());
  auto res = client.Request("POST", "/echo", "hello", {{"x-test", "42"}});
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "POST /echo hello");
  EXPECT_EQ(res->Header("x-seen"), "42");
  EXPECT_EQ(res->Header("X-SEEN"), "42");
  EXPECT_EQ(res->Header("Content-Length"), "16");
  EXPECT_EQ(res->Header("X-Absent"), "");
}

TEST(HttpClientTest, ReusesOneKeepAliveConnection) {
  TestServer server;
  HttpClient client("127.0.0.1", server.port());
  for (int i = 0; i < 5; ++i) {
    auto res = client.Get("/echo");
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_EQ(res->body, "GET /echo ");
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClientTest, ReconnectsAfterServerClosesIdleConnection) {
  TestServer server(/*close_silently=*/true);
  HttpClient client("127.0.0.1", server.port());
  for (int i = 0; i < 3; ++i) {
    auto res = client.Post("/echo", "x");
    ASSERT_TRUE(res.ok()) << i << ": " << res.status().ToString();
    EXPECT_EQ(res->body, "POST /echo x");
    // Let the server's close reach us, as an idle timeout would.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpClientTest, OpensNewConnectionAfterConnectionClose) {
  TestServer server;
  HttpClient client("127.0.0.1", server.port());
  auto first = client.Get("/close");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->Header("Connection"), "close");
  auto second = client.Get("/echo");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClientTest, TimeoutIsUnavailableAndNextRequestWorks) {
  TestServer server;
  HttpClient client("127.0.0.1", server.port());
  const auto start = std::chrono::steady_clock::now();
  auto slow = client.Get("/slow", {}, 200'000);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().code(), Code::kUnavailable);
  auto next = client.Get("/echo");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->status, 200);
}

TEST(HttpClientTest, ConnectionDroppedWithoutAnswerIsUnavailable) {
  TestServer server;
  HttpClient client("127.0.0.1", server.port());
  auto res = client.Get("/drop");
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), Code::kUnavailable);
}

TEST(HttpClientTest, UnreachableServerIsUnavailable) {
  uint16_t port;
  {
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    port = acceptor.local_endpoint().port();
  }  // closed: nothing listens on `port` now
  HttpClient client("127.0.0.1", port);
  auto res = client.Get("/echo");
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), Code::kUnavailable);
}

TEST(HttpClientTest, HeaderMapIsCaseInsensitive) {
  HttpHeaders headers{{"Content-Type", "application/json"}};
  EXPECT_EQ(headers.count("content-type"), 1u);
  headers["CONTENT-TYPE"] = "text/plain";
  EXPECT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers.begin()->second, "text/plain");
}

}  // namespace
}  // namespace cityid
