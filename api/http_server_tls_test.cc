#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <filesystem>

#include "api/http_server.h"
#include "base/bytes.h"
#include "base/http_client.h"

namespace cityid {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Writes a fresh self-signed P-256 certificate and key as PEM files.
void WriteSelfSignedCert(const std::string& cert_path,
                         const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ASSERT_NE(key, nullptr);
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  ASSERT_GT(X509_sign(cert, key, EVP_sha256()), 0);
  FILE* f = std::fopen(cert_path.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
  f = std::fopen(key_path.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
}

class HttpServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-tls-" + HexEncode(RandomBytes(6)));
    std::filesystem::create_directories(dir_);
    HttpServerOptions o;
    o.tls_cert_file = (dir_ / "cert.pem").string();
    o.tls_key_file = (dir_ / "key.pem").string();
    WriteSelfSignedCert(o.tls_cert_file, o.tls_key_file);
    server_ = std::make_unique<HttpServer>(
        o, [](const HttpRequest& req, Responder respond) {
          HttpResponse r;
          r.status = 200;
          r.body = "tls " + req.path;
          respond(std::move(r));
        });
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTlsTest, ServesHttpsRequests) {
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_none);  // self-signed test certificate
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  beast::get_lowest_layer(stream).connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  stream.handshake(ssl::stream_base::client);
  http::request<http::empty_body> req{http::verb::get, "/secure", 11};
  req.set(http::field::host, "localhost");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "tls /secure");
}

TEST_F(HttpServerTlsTest, RefusesPlaintextRequest) {
  HttpClient plain("127.0.0.1", server_->port());
  auto res = plain.Get("/secure", {}, 2'000'000);
  EXPECT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), Code::kUnavailable);
}

TEST(HttpServerTlsConfigTest, MissingKeyFileFailsStart) {
  HttpServerOptions o;
  o.tls_cert_file = "/nonexistent/cert.pem";
  o.tls_key_file = "/nonexistent/key.pem";
  HttpServer server(o, [](const HttpRequest&, Responder) {});
  EXPECT_EQ(server.Start().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cityid
