// HttpServer: an asynchronous HTTP/1.1 server (Boost.Beast) for every cityid
// service, with the limits a public-facing service needs (SPEC §3, issue 9):
// keep-alive, a body limit (413), a header limit (431), a header-read timeout
// and an idle timeout (slow clients are dropped), a cap on open connections
// (excess connections get a canned 503 and are closed at once), optional TLS,
// and a graceful Stop().
//
// Threading: Start() runs an io_context on `threads` threads. Each connection
// runs on its own strand and handles one request at a time (pipelined
// requests are read and answered in order). The handler is called on the
// connection's strand and must not block: it answers by calling the Responder
// exactly once, from any thread, at any later time (a ledger command answers
// from the ledger's writer thread after fsync; the long-poll feed answers when
// events arrive). The server posts the write back onto the strand. A
// Responder dropped without being called answers 500; a second call is
// ignored.
//
// Lifetime: the HttpRequest passed to the handler stays valid until the
// Responder is called. The handler must outlive the server. Destroy the
// server (or call Stop()) before whatever the handler depends on; a Responder
// called after the server was destroyed does nothing.
#ifndef CITYID_API_HTTP_SERVER_H_
#define CITYID_API_HTTP_SERVER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/http_client.h"  // HttpHeaders, HttpResponse
#include "base/status.h"

namespace cityid {

// A parsed request. `target` is the raw request-target; `path` is its part
// before '?' (not percent-decoded), `query` the part after (without '?').
struct HttpRequest {
  std::string method;  // as sent, e.g. "GET"
  std::string target;
  std::string path;
  std::string query;
  HttpHeaders headers;
  std::string body;
  std::string remote_address;  // peer IP, for logs
  // Set by the server; true once Stop() began. Long-running handlers (long
  // polls) check it to answer early instead of holding up the shutdown.
  std::shared_ptr<const std::atomic<bool>> server_stopping;

  // The header's value, or "" when absent.
  std::string Header(std::string_view name) const;
  bool ServerStopping() const {
    return server_stopping && server_stopping->load();
  }
};

// Answers one request; call exactly once, from any thread.
using Responder = std::function<void(HttpResponse)>;
// Handles every request the server reads (typically Router::AsHandler()).
using RequestHandler = std::function<void(const HttpRequest&, Responder)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: an ephemeral port; see HttpServer::port()
  int threads = 2;
  size_t body_limit = 1 << 20;     // larger bodies: 413
  size_t header_limit = 16 << 10;  // larger header sections: 431
  // A new connection must deliver a complete header section within this time
  // of its first byte (or of its accept); otherwise it is closed.
  Micros header_timeout = 10 * kMicrosPerSecond;
  // A body must arrive completely within this time after its headers.
  Micros body_timeout = 30 * kMicrosPerSecond;
  // A kept-alive connection with no request for this long is closed.
  Micros idle_timeout = 60 * kMicrosPerSecond;
  // Writing a response must finish within this time.
  Micros write_timeout = 30 * kMicrosPerSecond;
  size_t max_connections = 1024;
  // TLS when both are set (PEM files); a plaintext request to a TLS server
  // fails its handshake and is closed.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Stop() waits this long for in-flight requests to be answered.
  Micros shutdown_grace = 10 * kMicrosPerSecond;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, RequestHandler handler);
  // Stops (as Stop()) if still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. Returns kUnavailable when the
  // address cannot be bound, kInvalidArgument when the TLS files cannot be
  // loaded or the address is invalid. Call once.
  Status Start();

  // The bound port (the real one when options.port was 0); 0 before Start().
  uint16_t port() const;

  // Graceful stop: stops accepting, closes idle connections, lets requests in
  // flight be answered (each with Connection: close) for up to
  // shutdown_grace, then closes every connection and joins the threads.
  // Idempotent; blocks; must not be called from a handler.
  void Stop();

  // Connections open right now (for tests and metrics).
  size_t open_connections() const;

  struct Core;  // internal; public only so the .cc's session types can name it

 private:
  std::unique_ptr<Core> core_;
};

}  // namespace cityid

#endif  // CITYID_API_HTTP_SERVER_H_
