// Erasure end to end through the real `cityid ledger` (issue 4, SPEC §6):
// capture a resident's ciphertext, wrapped data key and blind index from
// the vault, erase the resident over HTTP, and then find none of them, nor
// the plaintext, in any file under the data directory, the keys directory
// or the logs. A second, kept resident is the control that the search
// would have found them. Also: the KEK lives outside the data directory,
// and every log line is JSON without PII.
#include <gtest/gtest.h>

#include <filesystem>

#include "ledger/vault_admin.h"
#include "tests/privacy_helpers.h"

namespace cityid::testing {
namespace {

namespace fs = std::filesystem;

std::string HexOf(const std::string& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

VaultEntryBytes Inspect(const std::string& dir, const std::string& rid) {
  auto bytes = InspectVaultEntry(dir, rid);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : VaultEntryBytes{};
}

TEST(PrivacyErasureTest, ErasedVaultBytesAndPlaintextLeaveEveryFile) {
  TempDir dir;
  const std::string data = dir.Sub("ledger");
  InitDataDir(data);
  // The KEK is outside the data directory (sibling <data>.keys).
  EXPECT_TRUE(fs::exists(data + ".keys/kek.key"));
  for (const auto& e : fs::recursive_directory_iterator(data))
    EXPECT_NE(e.path().filename().string(), "kek.key") << e.path().string();

  const uint16_t port = FreePort();
  const std::vector<std::string> debug = {"--set", "log.level=debug"};
  auto ledger = StartLedger(data, port, debug);
  ASSERT_TRUE(WaitForHttp(port, "/readyz", std::chrono::seconds(30)))
      << ReadFile(data + "/ledger.log");
  const std::string clerk = Token(data, "clerk");
  const std::string supervisor = Token(data, "supervisor");
  HttpClient client("127.0.0.1", port);
  const std::string given = "Xochiquetzalli", family = "Vrbqnmzyk",
                    dob = "1903-07-29";
  const std::string rid = EnrollOk(client, clerk, given, family, dob);
  const std::string kept = EnrollOk(client, clerk, "Keptinamez", "Stayzwqr");
  ASSERT_FALSE(rid.empty());
  IssueOk(client, clerk, rid);
  Reply read = Call(client, "GET", "/v1/residents/" + rid, clerk, "",
                    {{"X-Purpose", "identity_check"}});
  ASSERT_EQ(read.status, 200) << read.raw;
  EXPECT_EQ(read.body.at("pii").at("family_name").as_string(), family);
  ASSERT_TRUE(Stop(*ledger));

  const VaultEntryBytes before = Inspect(data, rid);
  const VaultEntryBytes control = Inspect(data, kept);
  ASSERT_TRUE(before.wrapped_key && before.ciphertext && before.blind_index);
  ASSERT_TRUE(control.ciphertext && control.wrapped_key);
  // Positive control: the search finds the bytes while they exist.
  EXPECT_FALSE(FilesContaining(data, *before.ciphertext).empty());
  EXPECT_FALSE(FilesContaining(data, *before.wrapped_key).empty());
  EXPECT_FALSE(FilesContaining(data, *before.blind_index).empty());

  ledger = StartLedger(data, port, debug);
  ASSERT_TRUE(WaitForHttp(port, "/readyz", std::chrono::seconds(30)));
  Reply erased = Call(client, "POST", "/v1/residents/" + rid + "/erase",
                      supervisor, R"({"reason":"request"})");
  ASSERT_EQ(erased.status, 200) << erased.raw;
  Reply gone = Call(client, "GET", "/v1/residents/" + rid, clerk, "",
                    {{"X-Purpose", "identity_check"}});
  EXPECT_EQ(gone.status, 410) << gone.raw;
  ASSERT_TRUE(Stop(*ledger));

  const VaultEntryBytes after = Inspect(data, rid);
  EXPECT_FALSE(after.wrapped_key || after.ciphertext || after.blind_index);
  const std::vector<std::pair<std::string, std::string>> needles = {
      {"ciphertext", *before.ciphertext},
      {"wrapped data key", *before.wrapped_key},
      {"blind index", *before.blind_index},
      {"blind index (hex)", HexOf(*before.blind_index)},
      {"given name", given},
      {"family name", family},
      {"date of birth", dob}};
  for (const auto& [what, needle] : needles) {
    EXPECT_EQ(FilesContaining(dir.path(), needle), std::vector<std::string>{})
        << what << " of the erased resident is still on disk";
  }
  EXPECT_FALSE(FilesContaining(data, *control.ciphertext).empty())
      << "the kept resident's ciphertext should still be found";

  // Logs: JSON lines, with ids and seqs, never PII.
  const std::vector<std::string> messages =
      JsonLogMessages(data + "/ledger.log");
  EXPECT_FALSE(messages.empty());
  bool erasure_logged = false;
  for (const std::string& m : messages) {
    erasure_logged = erasure_logged ||
                     (m.find(rid) != std::string::npos &&
                      m.find("destroyed and compacted") != std::string::npos &&
                      m.find("seq") != std::string::npos);
  }
  EXPECT_TRUE(erasure_logged) << "the erasure is logged by id and seq";
}

}  // namespace
}  // namespace cityid::testing
