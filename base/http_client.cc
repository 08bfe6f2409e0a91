#include "base/http_client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>

namespace cityid {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

bool CaseInsensitiveLess::operator()(std::string_view a,
                                     std::string_view b) const {
  return std::lexicographical_compare(
      a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) <
               std::tolower(static_cast<unsigned char>(y));
      });
}

std::string HttpResponse::Header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

namespace {

using Deadline = std::chrono::steady_clock::time_point;

Status IoError(std::string_view what, const beast::error_code& ec) {
  return Unavailable(std::string(what) + ": " + ec.message());
}

HttpResponse ToResponse(const http::response<http::string_body>& res) {
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name(field.name_string());
    auto [it, inserted] = out.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second.append(", ").append(field.value());
  }
  out.body = res.body();
  return out;
}

}  // namespace

// One connection and the io_context its operations run on. Operations are
// asynchronous only so that tcp_stream's deadline can cancel them; each call
// runs the io_context until the operation completes.
struct HttpClient::Impl {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool connected = false;
  bool reused = false;  // a full exchange already completed on this connection

  // Starts an async op with a completion handler storing its error, runs it.
  template <typename Initiate>
  beast::error_code Run(Initiate&& initiate) {
    beast::error_code result = asio::error::would_block;
    initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  void Close() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    buffer.clear();
    connected = false;
    reused = false;
  }

  Status Connect(const std::string& host, uint16_t port, Deadline deadline) {
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type endpoints;
    beast::error_code ec = Run([&](auto handler) {
      resolver.async_resolve(
          host, std::to_string(port),
          [&endpoints, handler](beast::error_code e, auto results) mutable {
            endpoints = results;
            handler(e);
          });
    });
    if (ec) return IoError("resolve " + host, ec);
    stream.expires_at(deadline);
    ec = Run([&](auto handler) { stream.async_connect(endpoints, handler); });
    if (ec) {
      Close();
      return IoError("connect " + host + ":" + std::to_string(port), ec);
    }
    // Small request/response exchanges on a kept-alive connection must not wait
    // for Nagle's algorithm.
    stream.socket().set_option(tcp::no_delay(true), ec);
    connected = true;
    reused = false;
    return Status::Ok();
  }
};

HttpClient::HttpClient(std::string host, uint16_t port,
                       HttpClientOptions options)
    : host_(std::move(host)),
      port_(port),
      options_(options),
      impl_(std::make_unique<Impl>()) {}

HttpClient::~HttpClient() = default;

void HttpClient::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (impl_->connected) impl_->Close();
}

Result<HttpResponse> HttpClient::Request(std::string_view method,
                                         std::string_view target,
                                         std::string_view body,
                                         const HttpHeaders& headers,
                                         Micros timeout) {
  std::lock_guard<std::mutex> lock(mu_);
  Impl& impl = *impl_;
  const auto now = std::chrono::steady_clock::now();
  const Deadline deadline = now + std::chrono::microseconds(timeout);
  const Deadline connect_deadline = std::min(
      deadline, now + std::chrono::microseconds(options_.connect_timeout));

  http::request<http::string_body> req;
  http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    req.method_string(method);
  } else {
    req.method(verb);
  }
  req.target(target);
  req.version(11);
  req.set(http::field::host, host_ + ":" + std::to_string(port_));
  req.set(http::field::user_agent, "cityid");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::string(body);
  req.prepare_payload();

  for (int attempt = 0;; ++attempt) {
    if (!impl.connected) {
      Status s = impl.Connect(host_, port_, connect_deadline);
      if (!s.ok()) return s;
    }
    const bool reused = impl.reused;
    impl.stream.expires_at(deadline);
    beast::error_code ec = impl.Run(
        [&](auto handler) { http::async_write(impl.stream, req, handler); });
    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_response_body);
    parser.header_limit(64 * 1024);
    if (verb == http::verb::head) parser.skip(true);
    if (!ec) {
      ec = impl.Run([&](auto handler) {
        http::async_read(impl.stream, impl.buffer, parser, handler);
      });
    }
    if (ec) {
      const bool nothing_received =
          !parser.got_some() && impl.buffer.size() == 0;
      impl.Close();
      if (reused && nothing_received && attempt == 0 &&
          ec != beast::error::timeout)
        continue;
      return IoError("http " + std::string(method) + " " + host_, ec);
    }
    auto res = parser.release();
    if (res.keep_alive()) {
      impl.reused = true;
    } else {
      impl.Close();
    }
    return ToResponse(res);
  }
}

}  // namespace cityid
