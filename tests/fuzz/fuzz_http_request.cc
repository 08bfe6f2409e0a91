// libFuzzer target: the HTTP request path without sockets. Raw bytes go
// through a Beast request parser with the server's limits (as in
// api/http_server.cc: pipelined requests are parsed one after another until
// an error), and every complete request is dispatched through the Router
// holding the real ledger routes over a real Ledger in a temporary directory.
// A fixed clerk/supervisor token is accepted, so seeded requests get past
// authentication into command decoding and the ledger.
#include <unistd.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>

#include "api/auth.h"
#include "api/ledger_routes.h"
#include "api/metrics.h"
#include "api/router.h"
#include "ledger/ledger.h"

namespace {

namespace http = boost::beast::http;

// The token every seed uses (SPEC format: "cid_" + 32 base64url chars).
constexpr const char* kToken = "cid_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz";

struct World {
  std::unique_ptr<cityid::Ledger> ledger;
  cityid::TokenStore tokens;
  cityid::Metrics metrics;
  cityid::Router router{&metrics};
};

std::string WriteKey(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << std::string(32, name[0]);
  return path;
}

World& GetWorld() {
  static World* world = [] {
    auto* w = new World;
    const std::string dir = std::filesystem::temp_directory_path() /
                            ("cityid_fuzz_http_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    cityid::LedgerOptions o;
    o.data_dir = dir + "/data";
    o.kek_file = WriteKey(dir, "kek");
    o.blind_index_key_file = WriteKey(dir, "blind");
    o.status_list_size = 4096;
    auto ledger = cityid::Ledger::Open(o);
    if (!ledger.ok()) std::abort();
    w->ledger = std::move(ledger).value();
    auto store = cityid::TokenStore::FromRecords(
        {{"fuzz-1",
          cityid::HashToken(kToken),
          {cityid::Role::kClerk, cityid::Role::kSupervisor,
           cityid::Role::kAuditor}}});
    if (!store.ok()) std::abort();
    w->tokens = std::move(store).value();
    cityid::LedgerRoutesOptions ro;
    ro.feed_max_wait = 0;  // never hold a long poll in the fuzzer
    cityid::RegisterLedgerRoutes(w->router, *w->ledger, w->tokens, w->metrics,
                                 ro);
    return w;
  }();
  return *world;
}

cityid::HttpRequest ToRequest(http::request<http::string_body>& msg) {
  cityid::HttpRequest request;
  request.method = std::string(msg.method_string());
  request.target = std::string(msg.target());
  const size_t q = request.target.find('?');
  request.path = request.target.substr(0, q);
  request.query =
      q == std::string::npos ? std::string() : request.target.substr(q + 1);
  for (const auto& field : msg) {
    auto [it, inserted] = request.headers.emplace(
        std::string(field.name_string()), std::string(field.value()));
    if (!inserted) it->second.append(", ").append(field.value());
  }
  request.body = std::move(msg.body());
  request.remote_address = "127.0.0.1";
  return request;
}

void Dispatch(const cityid::HttpRequest& request) {
  auto promise = std::make_shared<std::promise<cityid::HttpResponse>>();
  auto answered = promise->get_future();
  GetWorld().router.Dispatch(request, [promise](cityid::HttpResponse res) {
    promise->set_value(std::move(res));
  });
  // Commands answer from the writer thread after fsync; reads at once.
  if (answered.wait_for(std::chrono::seconds(20)) !=
      std::future_status::ready) {
    std::abort();  // a handler that never answers is a finding
  }
  const cityid::HttpResponse res = answered.get();
  if (res.status < 100 || res.status > 599) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;  // memcpy from a null `data` is UB
  GetWorld();
  boost::beast::flat_buffer buffer;
  auto in = buffer.prepare(size);
  std::memcpy(in.data(), data, size);
  buffer.commit(size);
  for (int i = 0; i < 8 && buffer.size() > 0; ++i) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 << 10);
    parser.body_limit(64 << 10);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!parser.is_done() && buffer.size() > 0) {
      const size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == http::error::need_more) {
        ec = {};
        if (used == 0) break;
        continue;
      }
      if (ec) return 0;  // the server answers 400/413/431 and closes
    }
    if (!parser.is_done()) return 0;  // incomplete: the server would wait
    auto msg = parser.release();
    Dispatch(ToRequest(msg));
  }
  return 0;
}
