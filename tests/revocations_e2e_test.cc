// End to end: cards issued, revoked and suspended through the real ledger,
// folded by the real `cityid project revocations`, and checked by the real
// `cityid verify` binary over HTTP and from files (SPEC §5 exit codes).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/harness/services.h"

namespace cityid::testing {
namespace {

namespace json = boost::json;
constexpr char kBin[] = "application/vnd.cityid.status+bin";

struct IssuedCard {
  std::string id;
  std::string list_path;  // "/v1/status-lists/1"
  uint64_t index = 0;
};

std::unique_ptr<Process> StartRevocations(const std::string& dir, uint16_t port,
                                          const std::string& ledger_dir,
                                          uint16_t ledger_port,
                                          std::vector<std::string> extra = {}) {
  std::filesystem::create_directories(dir);
  std::vector<std::string> argv = {
      CityidBinary(),
      "project",
      "revocations",
      "--data",
      dir,
      "--port",
      std::to_string(port),
      "--ledger-url",
      "http://127.0.0.1:" + std::to_string(ledger_port),
      "--set",
      "feed.token=" + Token(ledger_dir, "projection")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return std::make_unique<Process>(argv, dir + "/revocations.log");
}

uint64_t Position(uint16_t port) {
  HttpClient client("127.0.0.1", port);
  Reply r = Call(client, "GET", "/v1/position", "");
  return r.status == 200 ? r.body.at("seq").to_number<uint64_t>() : 0;
}

bool WaitForPosition(uint16_t port, uint64_t seq) {
  for (int i = 0; i < 600; ++i) {
    if (Position(port) >= seq) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string Url(uint16_t port, const std::string& path = "") {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string HttpBody(uint16_t port, const std::string& target,
                     const HttpHeaders& headers = {}) {
  HttpClient client("127.0.0.1", port);
  Result<HttpResponse> r = client.Get(target, headers, 10 * kMicrosPerSecond);
  EXPECT_TRUE(r.ok() && r->status == 200) << target;
  return r.ok() ? r->body : "";
}

// Runs `cityid verify args...`; returns the exit code and its output.
std::pair<int, std::string> Verify(const std::string& dir,
                                   std::vector<std::string> args) {
  static int run = 0;
  const std::string log = dir + "/verify" + std::to_string(run++) + ".out";
  args.insert(args.begin(), {CityidBinary(), "verify"});
  Process p(args, log);
  const int status = p.Wait(std::chrono::seconds(60));
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return {code, ReadFile(log)};
}

class RevocationsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger_dir_ = dir_.Sub("ledger");
    InitDataDir(ledger_dir_);
    ledger_port_ = FreePort();
    ledger_ = StartLedger(ledger_dir_, ledger_port_);
    ASSERT_TRUE(WaitForHttp(ledger_port_, "/readyz", std::chrono::seconds(30)))
        << ReadFile(ledger_dir_ + "/ledger.log");
    clerk_ = Token(ledger_dir_, "clerk");
    supervisor_ = Token(ledger_dir_, "supervisor");
  }

  IssuedCard IssueCard(const std::string& family) {
    HttpClient client("127.0.0.1", ledger_port_);
    Reply e = Call(client, "POST", "/v1/residents", clerk_,
                   EnrollBody("Verify", family));
    EXPECT_EQ(e.status, 201) << e.raw;
    Reply c = Call(
        client, "POST", "/v1/cards", clerk_,
        json::serialize(json::object{{"resident_id", e.body.at("resident_id")},
                                     {"card_type", "standard"}}));
    EXPECT_EQ(c.status, 201) << c.raw;
    return IssuedCard{std::string(c.body.at("card_id").as_string()),
                      std::string(c.body.at("status_list").as_string()),
                      c.body.at("status_index").to_number<uint64_t>()};
  }

  void CardAction(const IssuedCard& card, const std::string& verb) {
    HttpClient client("127.0.0.1", ledger_port_);
    Reply r = Call(client, "POST", "/v1/cards/" + card.id + "/" + verb,
                   supervisor_, R"({"reason":"review"})");
    EXPECT_EQ(r.status, 200) << r.raw;
  }

  uint64_t LedgerHead() { return Position(ledger_port_); }

  std::vector<std::string> ByIndex(uint16_t port, const IssuedCard& card) {
    return {"--list",  Url(port, card.list_path),
            "--key",   Url(port, "/v1/keys"),
            "--index", std::to_string(card.index)};
  }

  TempDir dir_;
  std::string ledger_dir_;
  uint16_t ledger_port_ = 0;
  std::unique_ptr<Process> ledger_;
  std::string clerk_, supervisor_;
};

TEST_F(RevocationsE2eTest, VerifyExitsWithTheCardsStatus) {
  const IssuedCard valid = IssueCard("Valid");
  const IssuedCard revoked = IssueCard("Revoked");
  const IssuedCard suspended = IssueCard("Suspended");
  CardAction(revoked, "revoke");
  CardAction(suspended, "suspend");
  const uint16_t port = FreePort();
  const std::string rdir = dir_.Sub("revocations");
  auto service = StartRevocations(rdir, port, ledger_dir_, ledger_port_);
  ASSERT_TRUE(WaitForPosition(port, LedgerHead()))
      << ReadFile(rdir + "/revocations.log");

  auto [code, out] = Verify(dir_.path(), ByIndex(port, valid));
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("valid"), std::string::npos) << out;
  std::tie(code, out) = Verify(dir_.path(), ByIndex(port, revoked));
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("revoked"), std::string::npos) << out;
  std::tie(code, out) = Verify(dir_.path(), ByIndex(port, suspended));
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("suspended"), std::string::npos) << out;
  std::vector<std::string> compact = ByIndex(port, revoked);
  compact.push_back("--compact");
  EXPECT_EQ(Verify(dir_.path(), compact).first, 1);

  // --card: the registry gives the list and index.
  const uint16_t registry_port = FreePort();
  auto registry = StartRegistry(dir_.Sub("registry"), registry_port,
                                ledger_dir_, ledger_port_);
  ASSERT_TRUE(WaitForPosition(registry_port, LedgerHead()));
  std::tie(code, out) =
      Verify(dir_.path(), {"--card", suspended.id, "--registry",
                           Url(registry_port), "--token", clerk_, "--list",
                           Url(port), "--key", Url(port, "/v1/keys")});
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("card " + suspended.id), std::string::npos) << out;
}

TEST_F(RevocationsE2eTest, DeltaFilesBringAHeldCompactListUpToDate) {
  const IssuedCard card = IssueCard("Delta");
  const uint16_t port = FreePort();
  const std::string rdir = dir_.Sub("revocations");
  auto service = StartRevocations(rdir, port, ledger_dir_, ledger_port_);
  ASSERT_TRUE(WaitForPosition(port, LedgerHead()));
  const std::string held = dir_.Sub("held.bin");
  WriteFile(held, HttpBody(port, card.list_path, {{"Accept", kBin}}));
  const std::string keys = dir_.Sub("keys.json");
  WriteFile(keys, HttpBody(port, "/v1/keys"));

  CardAction(card, "suspend");
  ASSERT_TRUE(WaitForPosition(port, LedgerHead()));
  const std::string delta = dir_.Sub("delta.bin");
  WriteFile(delta, HttpBody(port, card.list_path + "?since=1"));
  const std::vector<std::string> base = {
      "--list", held, "--key", keys, "--index", std::to_string(card.index)};
  EXPECT_EQ(Verify(dir_.path(), base).first, 0);
  std::vector<std::string> with_delta = base;
  with_delta.insert(with_delta.end(), {"--since-file", delta});
  auto [code, out] = Verify(dir_.path(), with_delta);
  EXPECT_EQ(code, 2) << out;
}

TEST_F(RevocationsE2eTest, TamperedTruncatedAndExpiredListsAreUnverifiable) {
  const IssuedCard card = IssueCard("Tamper");
  const uint16_t port = FreePort();
  const std::string rdir = dir_.Sub("revocations");
  // Lists that live one second, to see one expire.
  auto service = StartRevocations(rdir, port, ledger_dir_, ledger_port_,
                                  {"--set", "status_list.lifetime_seconds=1"});
  ASSERT_TRUE(WaitForPosition(port, LedgerHead()));
  const std::string keys = dir_.Sub("keys.json");
  WriteFile(keys, HttpBody(port, "/v1/keys"));
  const std::string jwt = HttpBody(port, card.list_path);
  const std::string compact =
      HttpBody(port, card.list_path, {{"Accept", kBin}});
  auto check = [&](const std::string& name, const std::string& bytes) {
    const std::string file = dir_.Sub(name);
    WriteFile(file, bytes);
    return Verify(dir_.path(), {"--list", file, "--key", keys, "--index",
                                std::to_string(card.index)});
  };

  // A changed payload byte breaks the signature.
  std::string tampered = jwt;
  const size_t payload_at = tampered.find('.') + 5;
  tampered[payload_at] = tampered[payload_at] == 'A' ? 'B' : 'A';
  auto [code, out] = check("tampered.jwt", tampered);
  EXPECT_EQ(code, 3) << out;
  EXPECT_NE(out.find("bad signature"), std::string::npos) << out;

  std::tie(code, out) =
      check("truncated.bin", compact.substr(0, compact.size() - 10));
  EXPECT_EQ(code, 3) << out;
  EXPECT_NE(out.find("truncated"), std::string::npos) << out;

  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  std::tie(code, out) = check("expired.jwt", jwt);
  EXPECT_EQ(code, 3) << out;
  EXPECT_NE(out.find("expired"), std::string::npos) << out;
}

TEST_F(RevocationsE2eTest, UnreachableServiceAndHttpsUrlsAreUnverifiable) {
  const IssuedCard card = IssueCard("Nowhere");
  const uint16_t dead = FreePort();
  auto [code, out] = Verify(dir_.path(), ByIndex(dead, card));
  EXPECT_EQ(code, 3) << out;
  EXPECT_NE(out.find("cannot reach"), std::string::npos) << out;
  std::tie(code, out) = Verify(
      dir_.path(), {"--list", "https://example.org/v1/status-lists/1", "--key",
                    "https://example.org/v1/keys", "--index", "1"});
  EXPECT_EQ(code, 3) << out;
  EXPECT_NE(out.find("http://"), std::string::npos) << out;
}

}  // namespace
}  // namespace cityid::testing
