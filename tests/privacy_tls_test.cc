// TLS on the ledger's listener (issue 4, SPEC §6): with tls.cert and
// tls.key configured, an HTTPS request that verifies the certificate
// succeeds, and a plain HTTP request to the same port gets no HTTP answer.
// The self-signed certificate is made with OpenSSL's API; requests go
// through `curl` (installed by tools/setup.sh) and base/http_client.h.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <thread>

#include "tests/privacy_helpers.h"

namespace cityid::testing {
namespace {

// `curl` against the ledger; returns the HTTP status ("000" when there was
// no HTTP answer) and leaves the body in `body_file`.
std::string Curl(const std::string& dir, std::vector<std::string> args,
                 const std::string& body_file) {
  // -s: no progress and no error text, so the output is the status alone.
  std::vector<std::string> argv = {
      "/usr/bin/curl", "-s", "--max-time",  "10", "-o",
      body_file,       "-w", "%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = dir + "/curl.out";
  std::remove(log.c_str());
  RunToExit(argv, log);
  const std::string out = ReadFile(log);
  return out.size() >= 3 ? out.substr(out.size() - 3) : out;
}

// Writes a P-256 key and a self-signed certificate for 127.0.0.1 and
// localhost, valid for a day, as PEM files.
bool MakeSelfSigned(const std::string& cert_file, const std::string& key_file) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  bool ok = key != nullptr && cert != nullptr;
  if (ok) {
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_ASC,
        reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(
        nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    ok = san != nullptr && X509_add_ext(cert, san, -1) == 1 &&
         X509_sign(cert, key, EVP_sha256()) > 0;
    X509_EXTENSION_free(san);
  }
  FILE* c = ok ? std::fopen(cert_file.c_str(), "w") : nullptr;
  FILE* k = ok ? std::fopen(key_file.c_str(), "w") : nullptr;
  ok = c != nullptr && k != nullptr && PEM_write_X509(c, cert) == 1 &&
       PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (c != nullptr) std::fclose(c);
  if (k != nullptr) std::fclose(k);
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

TEST(PrivacyTlsTest, HttpsSucceedsAndPlainHttpIsRefused) {
  TempDir dir;
  const std::string cert = dir.Sub("cert.pem"), key = dir.Sub("key.pem");
  ASSERT_TRUE(MakeSelfSigned(cert, key));

  const std::string data = dir.Sub("ledger");
  InitDataDir(data);
  const uint16_t port = FreePort();
  auto ledger = StartLedger(
      data, port, {"--set", "tls.cert=" + cert, "--set", "tls.key=" + key});
  const std::string base = "https://127.0.0.1:" + std::to_string(port);
  const std::string body = dir.Sub("body.json");
  std::string code;
  for (int i = 0; i < 150 && code != "200"; ++i) {
    code = Curl(dir.path(), {"--cacert", cert, base + "/readyz"}, body);
    if (code != "200")
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(code, "200") << ReadFile(data + "/ledger.log");

  // An authenticated command over HTTPS, verifying the certificate.
  const std::string clerk = Token(data, "clerk");
  EXPECT_EQ(Curl(dir.path(),
                 {"--cacert", cert, "-X", "POST", "-H",
                  "Authorization: Bearer " + clerk, "-H",
                  "Content-Type: application/json", "--data",
                  EnrollBody("Tlsana", "Secure"), base + "/v1/residents"},
                 body),
            "201")
      << ReadFile(body);
  // Without trusting the certificate, curl refuses: the server really
  // presents the configured one.
  EXPECT_EQ(Curl(dir.path(), {base + "/healthz"}, body), "000");

  // Plain HTTP to the TLS port gets no HTTP answer, from curl or our client.
  EXPECT_EQ(
      Curl(dir.path(),
           {"http://127.0.0.1:" + std::to_string(port) + "/healthz"}, body),
      "000");
  HttpClient plain("127.0.0.1", port);
  auto answer = plain.Request("GET", "/healthz", "", {}, 5 * kMicrosPerSecond);
  EXPECT_FALSE(answer.ok() && answer->status == 200)
      << "plain HTTP was answered";
  ASSERT_TRUE(Stop(*ledger));
  // PII of the HTTPS enrollment is not in any file either.
  EXPECT_EQ(FilesContaining(data, "Tlsana"), std::vector<std::string>{});
}

}  // namespace
}  // namespace cityid::testing
