// Kafka-mode services with no broker to talk to (bootstrap: a loopback port
// bound but not listening): librdkafka's complaints reach the output as JSON
// log lines through the log bridge (stream/kafka/kafka_log.h), never as
// librdkafka's own raw
// "%3|<time>|FAC|name| ..." lines, and are collapsed rather than repeated
// on every reconnect attempt.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <sstream>
#include <thread>

#include "tests/harness/harness.h"
#include "tests/harness/services.h"

namespace cityid::testing {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

struct Lines {
  std::vector<json::object> json;
  std::vector<std::string> other;  // non-empty lines that are not JSON objects
};

Lines ParseLines(const std::string& text) {
  Lines out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (!ec && v.is_object()) {
      out.json.push_back(v.as_object());
    } else {
      out.other.push_back(line);
    }
  }
  return out;
}

// The librdkafka lines of `lines` at `level` (via the bridge: "kafka <client>
// <FACILITY>: ...").
std::vector<std::string> KafkaMessages(const Lines& lines,
                                       const std::string& level) {
  std::vector<std::string> out;
  for (const json::object& o : lines.json) {
    const auto* msg = o.if_contains("msg");
    const auto* lvl = o.if_contains("level");
    if (msg == nullptr || lvl == nullptr || !msg->is_string()) continue;
    const std::string text(msg->as_string());
    if (text.starts_with("kafka ") && *lvl == level.c_str())
      out.push_back(text);
  }
  return out;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v) s += l + "\n";
  return s;
}

// Runs the process for a few seconds, then stops it; returns its output.
std::string RunAWhile(std::unique_ptr<Process> p, const std::string& log) {
  std::this_thread::sleep_for(seconds(6));
  EXPECT_TRUE(p->Running()) << ReadFile(log);
  p->Signal(SIGTERM);
  p->Wait(seconds(30));
  return ReadFile(log);
}

void ExpectOnlyJsonAndBrokerComplaints(const std::string& output,
                                       const std::string& client) {
  Lines lines = ParseLines(output);
  EXPECT_TRUE(lines.other.empty()) << "lines that are not JSON:\n"
                                   << Joined(lines.other);
  EXPECT_EQ(output.find("%3|"), std::string::npos) << output;
  const std::vector<std::string> errors = KafkaMessages(lines, "error");
  const bool refused =
      std::any_of(errors.begin(), errors.end(), [&](const std::string& m) {
        return m.starts_with("kafka " + client) &&
               (m.find("Connection refused") != std::string::npos ||
                m.find("brokers are down") != std::string::npos);
      });
  EXPECT_TRUE(refused) << output;
  // Reconnects every few hundred ms for six seconds, per client: collapsed.
  EXPECT_LT(errors.size(), 40u) << Joined(errors);
}

class KafkaLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A port bound but never listened on: connections to it are refused, and
    // no other process can take it while the test runs.
    closed_ = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(closed_, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(closed_, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
              0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::getsockname(closed_, reinterpret_cast<sockaddr*>(&addr), &len),
              0);
    bootstrap_ = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
    ledger_dir_ = tmp_.Sub("ledger");
    InitDataDir(ledger_dir_);
  }
  void TearDown() override {
    if (closed_ >= 0) ::close(closed_);
  }
  std::vector<std::string> KafkaArgs() const {
    return {"--kafka", bootstrap_, "--set", "kafka.request_timeout_ms=1000"};
  }

  TempDir tmp_;
  int closed_ = -1;
  std::string bootstrap_;
  std::string ledger_dir_;
};

TEST_F(KafkaLogTest, LedgerLogsLibrdkafkaAsJsonLines) {
  auto ledger = StartLedger(ledger_dir_, FreePort(), KafkaArgs());
  const std::string out =
      RunAWhile(std::move(ledger), ledger_dir_ + "/ledger.log");
  ExpectOnlyJsonAndBrokerComplaints(out, "cityid");
}

TEST_F(KafkaLogTest, ProjectionLogsLibrdkafkaAsJsonLines) {
  const std::string dir = tmp_.Sub("registry");
  auto registry =
      StartRegistry(dir, FreePort(), ledger_dir_, FreePort(), KafkaArgs());
  const std::string out = RunAWhile(std::move(registry), dir + "/registry.log");
  ExpectOnlyJsonAndBrokerComplaints(out, "cityid");
}

}  // namespace
}  // namespace cityid::testing
