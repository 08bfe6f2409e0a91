// Writes residents with known, unusual names through the real ledger and the
// registry, reads and updates them, then searches every file under the data
// directories and every log for the names and dates of birth (SPEC §6: PII
// never enters an event, a log line or a projection; the vault holds it
// encrypted).
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/harness/services.h"

namespace cityid::testing {
namespace {

namespace json = boost::json;

TEST(PrivacyGrepTest, NoPlaintextPiiInAnyFileOrLog) {
  TempDir dir;
  const std::string ledger_dir = dir.Sub("ledger");
  const std::string registry_dir = dir.Sub("registry");
  InitDataDir(ledger_dir);
  const uint16_t ledger_port = FreePort(), registry_port = FreePort();
  auto ledger =
      StartLedger(ledger_dir, ledger_port, {"--set", "log.level=debug"});
  ASSERT_TRUE(WaitForHttp(ledger_port, "/readyz", std::chrono::seconds(30)));
  auto registry =
      StartRegistry(registry_dir, registry_port, ledger_dir, ledger_port);
  ASSERT_TRUE(WaitForHttp(registry_port, "/healthz", std::chrono::seconds(30)));

  const std::string clerk = Token(ledger_dir, "clerk");
  const std::string supervisor = Token(ledger_dir, "supervisor");
  HttpClient client("127.0.0.1", ledger_port);
  std::vector<std::string> secrets;
  for (int i = 0; i < 20; ++i) {
    const std::string given = "Qzxvbnelda" + std::to_string(i);
    const std::string family = "Wrthpolsky" + std::to_string(i);
    const std::string dob = "1971-03-" + std::to_string(10 + i);
    secrets.insert(secrets.end(), {given, family, dob});
    Reply e = Call(client, "POST", "/v1/residents", clerk,
                   EnrollBody(given, family, dob));
    ASSERT_EQ(e.status, 201) << e.raw;
    const std::string rid(e.body.at("resident_id").as_string());
    Reply c = Call(client, "POST", "/v1/cards", clerk,
                   json::serialize(json::object{{"resident_id", rid},
                                                {"card_type", "youth"}}));
    ASSERT_EQ(c.status, 201) << c.raw;
    Reply read = Call(client, "GET", "/v1/residents/" + rid, clerk, "",
                      {{"X-Purpose", "card_pickup"}});
    ASSERT_EQ(read.status, 200) << read.raw;
    EXPECT_EQ(read.body.at("pii").at("given_name").as_string(), given)
        << "vault round trip";
    // A refused duplicate must not leak the name into logs either.
    Reply dup = Call(client, "POST", "/v1/residents", clerk,
                     EnrollBody(given, family, dob));
    EXPECT_EQ(dup.status, 409) << dup.raw;
    if (i % 5 == 0) {
      Reply erased = Call(client, "POST", "/v1/residents/" + rid + "/erase",
                          supervisor, R"({"reason":"request"})");
      EXPECT_EQ(erased.status, 200) << erased.raw;
    }
  }
  // Let the registry catch up, then stop both so every buffer reaches disk.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  registry->Signal(SIGTERM);
  ledger->Signal(SIGTERM);
  registry->Wait(std::chrono::seconds(30));
  ledger->Wait(std::chrono::seconds(30));

  for (const std::string& secret : secrets) {
    EXPECT_EQ(FilesContaining(dir.path(), secret), std::vector<std::string>{})
        << "plaintext '" << secret << "' found on disk or in a log";
  }
  // The check is only meaningful if the files exist and hold data.
  EXPECT_FALSE(FilesContaining(ledger_dir, "card_pickup").empty() &&
               FilesContaining(ledger_dir + "/ledger.log", "ledger").empty());
}

}  // namespace
}  // namespace cityid::testing
