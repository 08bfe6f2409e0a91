#include "api/http_server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/problem.h"

namespace cityid {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::string HttpRequest::Header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

namespace {

std::chrono::microseconds Us(Micros m) { return std::chrono::microseconds(m); }

// Whether Responders may still post onto the io_context.
struct Lifeline {
  std::mutex mu;
  bool alive = true;
};

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Posts OnServerStop() onto the session's strand.
  virtual void PostStop() = 0;
};

}  // namespace

struct HttpServer::Core {
  Core(HttpServerOptions o, RequestHandler h)
      : options(std::move(o)),
        handler(std::move(h)),
        ioc(std::max(1, options.threads)) {}

  void Register(uint64_t id, std::weak_ptr<SessionBase> s) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.emplace(id, std::move(s));
  }
  void Unregister(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(id);
    if (sessions.empty()) cv.notify_all();
  }

  void Accept();
  void OnAccept(tcp::socket socket);
  void RejectOverCap(tcp::socket& socket);

  const HttpServerOptions options;
  const RequestHandler handler;
  std::shared_ptr<Lifeline> lifeline = std::make_shared<Lifeline>();
  std::unique_ptr<ssl::context> tls;  // null: plaintext
  std::shared_ptr<std::atomic<bool>> stopping =
      std::make_shared<std::atomic<bool>>(false);
  std::atomic<uint16_t> port{0};

  mutable std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<uint64_t, std::weak_ptr<SessionBase>>
      sessions;                  // guarded by mu
  uint64_t next_session_id = 0;  // guarded by mu
  bool started = false;          // guarded by mu
  bool stopped = false;          // guarded by mu
  std::vector<std::thread> threads;

  // Declared last so they are destroyed first: destroying the io_context
  // destroys pending handlers and with them the sessions, which unregister
  // from the members above.
  asio::io_context ioc;
  // Keeps the threads running while a handler holds the only pending work
  // (after Stop() closed the acceptor); released when Stop() ends.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>>
      work;
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  asio::steady_timer accept_retry{acceptor.get_executor()};
};

namespace {

constexpr size_t kDrainChunk = 64 * 1024;
constexpr size_t kMaxDrainBytes = 64 << 20;

bool IsParseError(const beast::error_code& ec) {
  return ec.category() ==
         http::make_error_code(http::error::bad_method).category();
}

// One connection. Stream is beast::tcp_stream or beast::ssl_stream of one.
// Every member is touched only on the connection's strand.
template <typename Stream>
class Session : public SessionBase,
                public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <typename... StreamArgs>
  Session(HttpServer::Core* core, uint64_t id, std::string remote,
          StreamArgs&&... args)
      : core_(core), id_(id), stream_(std::forward<StreamArgs>(args)...) {
    request_.remote_address = std::move(remote);
    request_.server_stopping = core_->stopping;
  }
  ~Session() override { core_->Unregister(id_); }

  void Start() {
    asio::dispatch(stream_.get_executor(),
                   [self = this->shared_from_this()] { self->Begin(); });
  }

  void PostStop() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      // Idle or mid-read: close now. Busy: the answer goes out with
      // Connection: close (Write() checks `stopping`).
      if (!self->busy_) beast::get_lowest_layer(self->stream_).close();
    });
  }

  // Called by a Responder on the strand.
  void Write(HttpResponse r) {
    http::response<http::string_body>& res = response_;
    res = {};
    res.version(11);
    res.result(static_cast<unsigned>(r.status));
    for (const auto& [name, value] : r.headers) res.set(name, value);
    res.body() = std::move(r.body);
    const bool handler_closes = beast::iequals(r.Header("Connection"), "close");
    keep_alive_ = keep_alive_ && !handler_closes && !core_->stopping->load();
    res.keep_alive(keep_alive_);
    res.prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(
        Us(core_->options.write_timeout));
    http::async_write(
        stream_, res,
        [self = this->shared_from_this()](beast::error_code ec, size_t) {
          self->OnWritten(ec);
        });
  }

 private:
  void Begin();
  void ReadRequest();
  void OnFirstBytes(beast::error_code ec, size_t n);
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  void ReadBody();
  void OnBody(beast::error_code ec);
  void Dispatch();
  void OnWritten(beast::error_code ec);
  void FailRequest(beast::error_code ec);
  void Reject(HttpResponse r) {
    busy_ = true;
    keep_alive_ = false;
    linger_ = true;
    Write(std::move(r));
  }
  void Close();
  void Drain(size_t drained);

  HttpServer::Core* const core_;
  const uint64_t id_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  http::response<http::empty_body> continue_;
  HttpRequest request_;
  bool first_ = true;        // no request answered yet on this connection
  bool busy_ = false;        // a request is being handled or answered
  bool keep_alive_ = false;  // of the current request
  bool linger_ = false;      // drain the peer's unread bytes before closing
  std::unique_ptr<char[]> drain_buffer_;
};

template <typename Stream>
void Session<Stream>::Begin() {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    ReadRequest();
  } else {
    beast::get_lowest_layer(stream_).expires_after(
        Us(core_->options.header_timeout));
    stream_.async_handshake(
        ssl::stream_base::server,
        [self = this->shared_from_this()](beast::error_code ec) {
          if (ec) return self->Close();
          self->ReadRequest();
        });
  }
}

// Waits for the first byte of a request (idle timeout, or the header timeout
// on a fresh connection), then reads the header under the header timeout, so
// a kept-alive connection may idle but never dribble its headers.
template <typename Stream>
void Session<Stream>::ReadRequest() {
  if (core_->stopping->load()) return Close();
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(core_->options.header_limit));
  parser_->body_limit(core_->options.body_limit);
  if (buffer_.size() > 0) return ReadHeader();
  const Micros wait =
      first_ ? core_->options.header_timeout : core_->options.idle_timeout;
  beast::get_lowest_layer(stream_).expires_after(Us(wait));
  stream_.async_read_some(
      buffer_.prepare(4096),
      [self = this->shared_from_this()](beast::error_code ec, size_t n) {
        self->OnFirstBytes(ec, n);
      });
}

template <typename Stream>
void Session<Stream>::OnFirstBytes(beast::error_code ec, size_t n) {
  if (ec) return Close();
  buffer_.commit(n);
  ReadHeader();
}

template <typename Stream>
void Session<Stream>::ReadHeader() {
  beast::get_lowest_layer(stream_).expires_after(
      Us(core_->options.header_timeout));
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code ec, size_t) {
        self->OnHeader(ec);
      });
}

template <typename Stream>
void Session<Stream>::OnHeader(beast::error_code ec) {
  if (ec) return FailRequest(ec);
  if (parser_->is_done()) return Dispatch();
  if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
    continue_ = {http::status::continue_, 11};
    beast::get_lowest_layer(stream_).expires_after(
        Us(core_->options.write_timeout));
    http::async_write(
        stream_, continue_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->Close();
          self->ReadBody();
        });
    return;
  }
  ReadBody();
}

template <typename Stream>
void Session<Stream>::ReadBody() {
  beast::get_lowest_layer(stream_).expires_after(
      Us(core_->options.body_timeout));
  http::async_read(stream_, buffer_, *parser_,
                   [self = this->shared_from_this()](
                       beast::error_code ec, size_t) { self->OnBody(ec); });
}

template <typename Stream>
void Session<Stream>::OnBody(beast::error_code ec) {
  if (ec) return FailRequest(ec);
  Dispatch();
}

// Answers what can be answered (limits, parse errors) and closes; I/O errors,
// timeouts and a peer that went away just close.
template <typename Stream>
void Session<Stream>::FailRequest(beast::error_code ec) {
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return Reject(ProblemResponse(
        431, "header-too-large", "Request header fields too large",
        "the request header section exceeds the server's limit"));
  }
  if (ec == http::error::body_limit) {
    return Reject(ProblemResponse(
        TooLarge("the request body exceeds the server's limit")));
  }
  if (IsParseError(ec) && ec != http::error::end_of_stream &&
      ec != http::error::partial_message && ec != http::error::short_read) {
    spdlog::debug("http: malformed request from {}: {}",
                  request_.remote_address, ec.message());
    return Reject(ProblemResponse(
        Malformed("the request could not be parsed: " + ec.message())));
  }
  Close();
}

template <typename Stream>
void Session<Stream>::Dispatch() {
  beast::get_lowest_layer(stream_).expires_never();
  busy_ = true;
  auto& msg = parser_->get();
  keep_alive_ = msg.keep_alive();
  request_.method = std::string(msg.method_string());
  request_.target = std::string(msg.target());
  const size_t q = request_.target.find('?');
  request_.path = request_.target.substr(0, q);
  request_.query =
      q == std::string::npos ? std::string() : request_.target.substr(q + 1);
  request_.headers.clear();
  for (const auto& field : msg) {
    auto [it, inserted] = request_.headers.emplace(
        std::string(field.name_string()), std::string(field.value()));
    if (!inserted) it->second.append(", ").append(field.value());
  }
  request_.body = std::move(msg.body());
  parser_.reset();

  // Exactly-once answer: the state posts the first answer onto the strand,
  // ignores later ones, and answers 500 if every copy is dropped unanswered.
  struct State {
    std::shared_ptr<Session> session;
    std::shared_ptr<Lifeline> lifeline;
    std::atomic<bool> called{false};
    void Send(HttpResponse r) {
      if (called.exchange(true)) return;
      std::lock_guard<std::mutex> lock(lifeline->mu);
      if (!lifeline->alive) return;
      asio::post(session->stream_.get_executor(),
                 [s = session, r = std::move(r)]() mutable {
                   s->Write(std::move(r));
                 });
    }
    ~State() {
      if (!called.load())
        Send(ProblemResponse(Internal("request was not answered")));
    }
  };
  auto state = std::make_shared<State>();
  state->session = this->shared_from_this();
  state->lifeline = core_->lifeline;
  Responder respond = [state](HttpResponse r) { state->Send(std::move(r)); };
  try {
    core_->handler(request_, respond);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} threw: {}", request_.path, e.what());
    respond(ProblemResponse(Internal("handler threw")));
  }
}

template <typename Stream>
void Session<Stream>::OnWritten(beast::error_code ec) {
  busy_ = false;
  if (ec || !keep_alive_) return Close();
  first_ = false;
  ReadRequest();
}

template <typename Stream>
void Session<Stream>::Close() {
  auto& layer = beast::get_lowest_layer(stream_);
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    beast::error_code ignored;
    layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (linger_ && layer.socket().is_open() && !core_->stopping->load()) {
      // After an error answer the client may still be sending (a body over
      // the limit): closing with unread bytes would reset the connection
      // and destroy the answer before the client reads it (lingering close,
      // as nginx does). Bounded in time and bytes.
      linger_ = false;
      drain_buffer_ = std::make_unique<char[]>(kDrainChunk);
      layer.expires_after(std::chrono::seconds(2));
      return Drain(0);
    }
    layer.close();
  } else {
    if (!layer.socket().is_open()) return;
    layer.expires_after(std::chrono::seconds(1));
    stream_.async_shutdown(
        [self = this->shared_from_this()](beast::error_code) {
          beast::get_lowest_layer(self->stream_).close();
        });
  }
}

template <typename Stream>
void Session<Stream>::Drain(size_t drained) {
  auto& layer = beast::get_lowest_layer(stream_);
  if (drained > kMaxDrainBytes) return layer.close();
  layer.async_read_some(
      asio::buffer(drain_buffer_.get(), kDrainChunk),
      [self = this->shared_from_this(), drained](beast::error_code ec,
                                                 size_t n) {
        if (ec) return beast::get_lowest_layer(self->stream_).close();
        self->Drain(drained + n);
      });
}

}  // namespace

void HttpServer::Core::Accept() {
  acceptor.async_accept(
      asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
        if (!ec) {
          OnAccept(std::move(socket));
          return Accept();
        }
        // Out of file descriptors and the like: retrying at once would spin.
        spdlog::warn("http: accept failed: {}", ec.message());
        accept_retry.expires_after(std::chrono::milliseconds(50));
        accept_retry.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec) Accept();
        });
      });
}

void HttpServer::Core::OnAccept(tcp::socket socket) {
  if (stopping->load()) return;
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (sessions.size() >= options.max_connections)
      return RejectOverCap(socket);
    id = next_session_id++;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  std::string remote = socket.remote_endpoint(ignored).address().to_string();
  if (tls) {
    using S = Session<beast::ssl_stream<beast::tcp_stream>>;
    auto s = std::make_shared<S>(this, id, std::move(remote), std::move(socket),
                                 *tls);
    Register(id, s);
    s->Start();
  } else {
    using S = Session<beast::tcp_stream>;
    auto s =
        std::make_shared<S>(this, id, std::move(remote), std::move(socket));
    Register(id, s);
    s->Start();
  }
}

// Over the cap: a best-effort canned 503 (never blocking the acceptor) and an
// immediate close. Called with mu held.
void HttpServer::Core::RejectOverCap(tcp::socket& socket) {
  static const std::string kResponse = [] {
    HttpResponse p = ProblemResponse(Unavailable("too many open connections"));
    std::string out = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: ";
    out += std::string(kProblemContentType) +
           "\r\nRetry-After: 1\r\nConnection: close\r\n";
    out += "Content-Length: " + std::to_string(p.body.size()) + "\r\n\r\n" +
           p.body;
    return out;
  }();
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(kResponse), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : core_(std::make_unique<Core>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
  Stop();
  std::lock_guard<std::mutex> lock(core_->lifeline->mu);
  core_->lifeline->alive = false;
}

namespace {

Status LoadTls(const HttpServerOptions& o, std::unique_ptr<ssl::context>& out) {
  if (o.tls_cert_file.empty() && o.tls_key_file.empty()) return Status::Ok();
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return InvalidArgument("TLS needs both a certificate and a key file");
  }
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1,
                   ec);
  if (!ec) ctx->use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec)
    return InvalidArgument("TLS certificate " + o.tls_cert_file + ": " +
                           ec.message());
  ctx->use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
  if (ec)
    return InvalidArgument("TLS key " + o.tls_key_file + ": " + ec.message());
  out = std::move(ctx);
  return Status::Ok();
}

}  // namespace

Status HttpServer::Start() {
  Core& c = *core_;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.started) return Internal("HttpServer::Start called twice");
    c.started = true;
  }
  CITYID_RETURN_IF_ERROR(LoadTls(c.options, c.tls));
  beast::error_code ec;
  const auto address = asio::ip::make_address(c.options.address, ec);
  if (ec) return InvalidArgument("bad listen address " + c.options.address);
  const tcp::endpoint endpoint(address, c.options.port);
  const std::string where =
      c.options.address + ":" + std::to_string(c.options.port);
  c.acceptor.open(endpoint.protocol(), ec);
  if (!ec) c.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) c.acceptor.bind(endpoint, ec);
  if (!ec) c.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("cannot listen on " + where + ": " + ec.message());
  c.port = c.acceptor.local_endpoint().port();
  c.Accept();
  c.work.emplace(c.ioc.get_executor());
  for (int i = 0; i < std::max(1, c.options.threads); ++i) {
    c.threads.emplace_back([&c] { c.ioc.run(); });
  }
  spdlog::info("http: listening on {}:{}{}", c.options.address, c.port.load(),
               c.tls ? " (TLS)" : "");
  return Status::Ok();
}

uint16_t HttpServer::port() const { return core_->port.load(); }

size_t HttpServer::open_connections() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->sessions.size();
}

void HttpServer::Stop() {
  Core& c = *core_;
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (!c.started || c.stopped) return;
    c.stopped = true;
    c.stopping->store(true);
  }
  asio::post(c.acceptor.get_executor(), [&c] {
    beast::error_code ignored;
    c.acceptor.close(ignored);
    c.accept_retry.cancel();
  });
  {
    std::lock_guard<std::mutex> lock(c.mu);
    for (auto& [id, weak] : c.sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->PostStop();
  live.clear();  // the sessions must be able to end
  {
    std::unique_lock<std::mutex> lock(c.mu);
    c.cv.wait_for(lock, Us(c.options.shutdown_grace),
                  [&c] { return c.sessions.empty(); });
    if (!c.sessions.empty()) {
      spdlog::warn(
          "http: {} connection(s) still busy after the shutdown grace; closing",
          c.sessions.size());
    }
  }
  c.work.reset();
  c.ioc.stop();
  for (auto& t : c.threads) t.join();
  c.threads.clear();
}

}  // namespace cityid
