// Hostile clients against a real `cityid ledger` process (issue 9): slow
// headers (slowloris), a slow body, a flood up to the connection cap,
// oversized headers and bodies, and pipelined garbage. In every test a normal
// clerk keeps enrolling residents on its own kept-alive connection while the
// attack goes on, and the test asserts each of its requests was served.
//
// What the server documents (api/http_server.h): a header section must be
// complete within http.header_timeout_ms, a body within 30 s of its headers;
// excess connections over http.max_connections get a canned 503 and are
// closed at once; header sections over 16 KiB get 431 and bodies over
// http.body_limit get 413; a malformed request gets 400 and only that
// connection is closed.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/test_util.h"
#include "tests/harness/services.h"

namespace cityid::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// A clerk enrolling residents back to back on one kept-alive connection.
class NormalClient {
 public:
  NormalClient(uint16_t port, std::string token)
      : client_("127.0.0.1", port), token_(std::move(token)) {}

  void Start() {
    thread_ = std::thread([this] {
      for (int i = 0; !stop_.load(); ++i) {
        const auto begin = Clock::now();
        Reply r = Call(client_, "POST", "/v1/residents", token_,
                       EnrollBody("Normal", "Client" + std::to_string(i)));
        const auto took = Clock::now() - begin;
        if (r.status == 201) {
          ++served_;
        } else {
          ++failed_;
          last_failure_ = r.status;
        }
        if (took > slowest_) slowest_ = took;
        std::this_thread::sleep_for(milliseconds(20));
      }
    });
  }
  // Stops and returns after the last request answered.
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int served() const { return served_.load(); }
  int failed() const { return failed_.load(); }
  int last_failure() const { return last_failure_.load(); }
  milliseconds slowest() const {
    return std::chrono::duration_cast<milliseconds>(slowest_);
  }

  // Stops, then asserts it was served throughout: at least `min_served`
  // answers, none failed, none slower than 2 s.
  void ExpectServedThroughout(int min_served) {
    Stop();
    EXPECT_GE(served(), min_served);
    EXPECT_EQ(failed(), 0) << "last failure status " << last_failure();
    EXPECT_LT(slowest(), milliseconds(2000));
    std::printf("normal client: %d served, %d failed, slowest %lld ms\n",
                served(), failed(), static_cast<long long>(slowest().count()));
  }

 private:
  HttpClient client_;
  std::string token_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0}, failed_{0}, last_failure_{0};
  Clock::duration slowest_{};
};

class HostileClientsTest : public ::testing::Test {
 protected:
  void StartLedgerWith(std::vector<std::string> settings) {
    data_ = dir_.Sub("ledger");
    InitDataDir(data_);
    clerk_ = Token(data_, "clerk");
    port_ = FreePort();
    std::vector<std::string> extra;
    for (auto& s : settings) {
      extra.push_back("--set");
      extra.push_back(std::move(s));
    }
    ledger_ = StartLedger(data_, port_, extra);
    ASSERT_TRUE(WaitForHttp(port_, "/readyz", seconds(30)))
        << ReadFile(data_ + "/ledger.log");
    normal_ = std::make_unique<NormalClient>(port_, clerk_);
    normal_->Start();
  }
  void TearDown() override {
    if (normal_) normal_->Stop();
  }

  TempDir dir_;
  std::string data_, clerk_;
  uint16_t port_ = 0;
  std::unique_ptr<Process> ledger_;
  std::unique_ptr<NormalClient> normal_;
};

TEST_F(HostileClientsTest, SlowlorisHeadersTimeOutWhileNormalClientIsServed) {
  StartLedgerWith({"http.header_timeout_ms=1000"});
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 20; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port_));
    ASSERT_TRUE(slow.back()->connected());
    slow.back()->Send("GET /v1/position HTTP/1.1\r\nHost: x\r\n");
  }
  // Dribble one header line every 300 ms: never complete.
  const auto begin = Clock::now();
  int closed = 0;
  while (Clock::now() - begin < seconds(4) && closed < 20) {
    closed = 0;
    for (auto& c : slow) {
      if (!c->Send("X-Slow: 1\r\n")) c->ReadUntilClose(milliseconds(1));
      closed += c->closed() ? 1 : 0;
    }
    std::this_thread::sleep_for(milliseconds(300));
  }
  for (auto& c : slow) c->ReadUntilClose(milliseconds(2000));
  closed = 0;
  for (auto& c : slow) closed += c->closed() ? 1 : 0;
  EXPECT_EQ(closed, 20) << "slow header connections still open";
  EXPECT_LT(Clock::now() - begin, seconds(7));
  normal_->ExpectServedThroughout(20);
}

TEST_F(HostileClientsTest, SlowBodyTimesOutWhileNormalClientIsServed) {
  StartLedgerWith({});
  RawConnection slow(port_);
  ASSERT_TRUE(slow.connected());
  slow.Send("POST /v1/residents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
            clerk_ +
            "\r\nContent-Type: application/json\r\n"
            "Content-Length: 100000\r\n\r\n{");
  // One byte a second: the body can never finish inside the 30 s budget.
  const auto begin = Clock::now();
  while (Clock::now() - begin < seconds(40)) {
    if (!slow.Send(" ")) break;
    slow.ReadUntilClose(milliseconds(1000));
    if (slow.closed()) break;
  }
  EXPECT_TRUE(slow.closed());
  const auto took = Clock::now() - begin;
  EXPECT_GE(took, seconds(28));
  EXPECT_LT(took, seconds(36));
  normal_->ExpectServedThroughout(100);
}

TEST_F(HostileClientsTest, ConnectionCapAnswers503PromptlyAndServesAgain) {
  StartLedgerWith({"http.max_connections=8", "http.header_timeout_ms=20000"});
  std::this_thread::sleep_for(milliseconds(200));  // normal is connected
  // Fill every remaining slot with silent connections, then some more.
  std::vector<std::unique_ptr<RawConnection>> flood;
  int refused = 0;
  for (int i = 0; i < 16; ++i) {
    flood.push_back(std::make_unique<RawConnection>(port_));
    const std::string got = flood.back()->ReadUntilClose(milliseconds(150));
    if (flood.back()->closed()) {
      ++refused;
      EXPECT_EQ(got.rfind("HTTP/1.1 503", 0), 0u) << got;
    }
  }
  // 8 slots: the normal client holds one, so 7 flood connections get in.
  EXPECT_GE(refused, 8) << "the cap let too many connections in";
  EXPECT_LE(refused, 10);
  // A new client is refused promptly with 503, not left hanging (it may see
  // the 503 or, having sent its request, a reset right after it).
  {
    HttpClient fresh("127.0.0.1", port_);
    const auto begin = Clock::now();
    auto res = fresh.Get("/v1/position", {}, 5 * kMicrosPerSecond);
    if (res.ok()) {
      EXPECT_EQ(res->status, 503);
    }
    EXPECT_LT(Clock::now() - begin, milliseconds(1000));
  }
  // ...and served once a slot frees up.
  for (auto& c : flood) c.reset();
  std::this_thread::sleep_for(milliseconds(300));
  HttpClient fresh("127.0.0.1", port_);
  auto res = fresh.Get("/v1/position", {}, 5 * kMicrosPerSecond);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  normal_->ExpectServedThroughout(5);
}

TEST_F(HostileClientsTest, OversizedHeadersAndBodiesAreRefused) {
  StartLedgerWith({"http.body_limit=65536"});
  // At least 10 rounds and 2 s, so the normal client runs alongside.
  const auto begin = Clock::now();
  for (int i = 0; i < 10 || Clock::now() - begin < seconds(2); ++i) {
    RawConnection big_header(port_);
    big_header.Send("GET /v1/position HTTP/1.1\r\nHost: x\r\nX-Big: " +
                    std::string(64 << 10, 'a') + "\r\n\r\n");
    const std::string got = big_header.ReadUntilClose(milliseconds(3000));
    EXPECT_EQ(got.rfind("HTTP/1.1 431", 0), 0u) << got.substr(0, 200);

    RawConnection big_body(port_);
    const std::string body(1 << 20, 'x');
    big_body.Send(
        "POST /v1/residents HTTP/1.1\r\nHost: x\r\nAuthorization: "
        "Bearer " +
        clerk_ + "\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n");
    big_body.Send(body);  // may fail part way once the server answered
    const std::string got2 = big_body.ReadUntilClose(milliseconds(3000));
    EXPECT_EQ(got2.rfind("HTTP/1.1 413", 0), 0u) << got2.substr(0, 200);
  }
  normal_->ExpectServedThroughout(5);
}

TEST_F(HostileClientsTest, PipelinedGarbageClosesOnlyThatConnection) {
  StartLedgerWith({});
  // A second, idle kept-alive client must survive the garbage too.
  HttpClient bystander("127.0.0.1", port_);
  auto first = bystander.Get("/v1/position");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->status, 200);
  const auto begin = Clock::now();
  for (int i = 0; i < 20 || Clock::now() - begin < seconds(2); ++i) {
    RawConnection conn(port_);
    conn.Send(
        "GET /v1/position HTTP/1.1\r\nHost: x\r\n\r\n"
        "\x01\x02\xff NOT HTTP AT ALL\r\n\r\nGET /v1/position HTTP/1.1\r\n"
        "\r\n");
    const std::string got = conn.ReadUntilClose(milliseconds(3000));
    EXPECT_TRUE(conn.closed());
    EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
    EXPECT_NE(got.find("HTTP/1.1 400"), std::string::npos) << got;
    // The request after the garbage is never answered.
    EXPECT_EQ(got.find("HTTP/1.1 200", 1), std::string::npos) << got;
  }
  auto res = bystander.Get("/v1/position");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  normal_->ExpectServedThroughout(5);
}

}  // namespace
}  // namespace cityid::testing
