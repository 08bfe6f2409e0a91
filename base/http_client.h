// HttpClient: a small synchronous HTTP/1.1 client over Boost.Beast, for the
// projections' ledger feed, tests and the load generator.
//
// Ownership and threading: an HttpClient owns one io_context and at most one
// keep-alive TCP connection to host:port. Request() is serialized by an
// internal mutex, so a client may be shared between threads, but requests run
// one at a time; use one client per thread for parallel load.
//
// Reconnects: the connection is opened on first use and reopened after the
// server closes it. When a request on a *reused* connection fails before any
// response byte arrived (the server closed the idle connection), it is sent
// once more on a fresh connection. A request that failed on a fresh
// connection is never retried.
#ifndef CITYID_BASE_HTTP_CLIENT_H_
#define CITYID_BASE_HTTP_CLIENT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace cityid {

// ASCII case-insensitive ordering, for header names.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// Header name -> value, looked up case-insensitively. Repeated response
// headers are joined with ", " (RFC 9110 §5.3).
using HttpHeaders = std::map<std::string, std::string, CaseInsensitiveLess>;

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  // The header's value, or "" when absent.
  std::string Header(std::string_view name) const;
};

struct HttpClientOptions {
  Micros connect_timeout = 5 * kMicrosPerSecond;
  // Largest response body accepted; larger ones fail with kUnavailable.
  uint64_t max_response_body = 64ull * 1024 * 1024;
};

class HttpClient {
 public:
  static constexpr Micros kDefaultTimeout = 30 * kMicrosPerSecond;

  HttpClient(std::string host, uint16_t port, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads its response. `target` is the path with its
  // query ("/v1/events?after=3"). Host, User-Agent and Content-Length are set
  // automatically; `headers` may add or override others (Content-Type,
  // Authorization, ...). `timeout` bounds the whole exchange, connect included.
  //
  // Returns the response for any HTTP status (4xx/5xx are responses, not
  // errors). Returns kUnavailable when the server cannot be reached, the
  // connection fails, the response is malformed or too large, or the timeout
  // expires; the connection is then closed and reopened by the next call.
  Result<HttpResponse> Request(std::string_view method, std::string_view target,
                               std::string_view body = {},
                               const HttpHeaders& headers = {},
                               Micros timeout = kDefaultTimeout);

  Result<HttpResponse> Get(std::string_view target,
                           const HttpHeaders& headers = {},
                           Micros timeout = kDefaultTimeout) {
    return Request("GET", target, {}, headers, timeout);
  }
  Result<HttpResponse> Post(std::string_view target, std::string_view body,
                            const HttpHeaders& headers = {},
                            Micros timeout = kDefaultTimeout) {
    return Request("POST", target, body, headers, timeout);
  }

  // Closes the connection, if any. The next Request() reconnects.
  void Close();

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

 private:
  struct Impl;
  const std::string host_;
  const uint16_t port_;
  const HttpClientOptions options_;
  std::mutex mu_;
  std::unique_ptr<Impl> impl_;  // guarded by mu_
};

}  // namespace cityid

#endif  // CITYID_BASE_HTTP_CLIENT_H_
