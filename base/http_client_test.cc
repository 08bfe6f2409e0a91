#include "base/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

namespace cityid {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// A tiny blocking HTTP server: one thread accepts, one thread per
// connection serves. Targets:
//   /echo   200, body "METHOD TARGET BODY", header X-Seen = request's X-Test
//   /slow   answers after 2 s
//   /close  200 with Connection: close
//   /drop   closes the connection without answering
// With close_silently, the server closes every connection after one response
// without saying so (as a server does with an idle keep-alive connection).
// (Blocking rather than coroutines: clang 14 cannot assemble Asio coroutines
// under -fsanitize=address, and this test runs in the sanitizer stage.)
class TestServer {
 public:
  explicit TestServer(bool close_silently = false)
      : close_silently_(close_silently) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    accept_thread_ = std::thread([this] { Accept(); });
  }
  ~TestServer() {
    stopping_ = true;
    boost::system::error_code ignored;
    {
      // Closing the acceptor does not wake a blocked accept on Linux; a
      // connection does.
      tcp::socket wake(ioc_);
      wake.connect({asio::ip::make_address("127.0.0.1"), port()}, ignored);
      accept_thread_.join();
    }
    acceptor_.close(ignored);
    std::list<Connection> connections;
    {
      std::lock_guard<std::mutex> lock(mu_);
      connections.swap(connections_);
    }
    for (Connection& c : connections) {
      c.socket->shutdown(tcp::socket::shutdown_both, ignored);
      c.thread.join();
    }
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int connections() const { return accepted_.load(); }

 private:
  struct Connection {
    std::shared_ptr<tcp::socket> socket;
    std::thread thread;
  };

  void Accept() {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec || stopping_) return;
      ++accepted_;
      std::lock_guard<std::mutex> lock(mu_);
      connections_.push_back(
          {socket, std::thread([this, socket] { Serve(*socket); })});
    }
  }

  void Serve(tcp::socket& socket) {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (;;) {
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) break;  // the client went away, or the server stops
      const std::string target(req.target());
      if (target == "/drop") break;
      if (target == "/slow")
        std::this_thread::sleep_for(std::chrono::seconds(2));
      http::response<http::string_body> res{http::status::ok, 11};
      res.set("X-Seen", req["X-Test"]);
      res.body() =
          std::string(req.method_string()) + " " + target + " " + req.body();
      res.keep_alive(target != "/close");
      res.prepare_payload();
      http::write(socket, res, ec);
      if (ec || target == "/close" || close_silently_) break;
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  const bool close_silently_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  std::list<Connection> connections_;  // guarded by mu_
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
