// Keys and tokens through the real binary (issue 4):
//   - the KEK is never inside the data directory: the default is <data>.keys,
//     CITYID_KEK_FILE places it anywhere, a KEK inside the data directory is
//     refused;
//   - `cityid keys rotate-kek` re-wraps every data key: all residents stay
//     readable, the old KEK opens nothing and the ledger refuses it;
//   - `cityid tokens add|list|revoke` on auth.json (hashes only).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "api/auth.h"
#include "ledger/vault/vault.h"
#include "ledger/vault_admin.h"
#include "tests/privacy_helpers.h"

namespace cityid::testing {
namespace {

namespace fs = std::filesystem;

TEST(PrivacyKeysTest, KekIsKeptOutsideTheDataDirectory) {
  TempDir dir;
  const std::string data = dir.Sub("var");
  EXPECT_NE(RunCityid({"keys", "init", "--data", data, "--set",
                       "kek.file=" + data + "/kek.key"},
                      dir.Sub("inside.log")),
            0)
      << "a KEK inside the data directory must be refused";
  EXPECT_FALSE(fs::exists(data + "/kek.key"));
  EXPECT_NE(ReadFile(dir.Sub("inside.log")).find("must not be inside"),
            std::string::npos);

  const std::string credential = dir.Sub("credentials/cityid-kek");
  ASSERT_EQ(RunCityid({"keys", "init", "--data", data}, dir.Sub("env.log"),
                      {{"CITYID_KEK_FILE", credential}}),
            0)
      << ReadFile(dir.Sub("env.log"));
  EXPECT_EQ(fs::file_size(credential), 32u);
  EXPECT_EQ(fs::status(credential).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_FALSE(fs::exists(data + ".keys/kek.key"));
  EXPECT_TRUE(fs::exists(data + ".keys/blind_index.key"));
}

TEST(PrivacyKeysTest, RotateKekKeepsResidentsReadableAndRetiresTheOldKek) {
  TempDir dir;
  const std::string data = dir.Sub("ledger");
  InitDataDir(data);
  const std::string kek = data + ".keys/kek.key";
  const uint16_t port = FreePort();
  auto ledger = StartLedger(data, port);
  ASSERT_TRUE(WaitForHttp(port, "/readyz", std::chrono::seconds(30)));
  const std::string clerk = Token(data, "clerk");
  HttpClient client("127.0.0.1", port);
  std::vector<std::string> rids;
  for (int i = 0; i < 4; ++i)
    rids.push_back(
        EnrollOk(client, clerk, "Rotana" + std::to_string(i), "Kek"));
  ASSERT_TRUE(Stop(*ledger));
  const std::string old_kek = ReadFile(kek);
  const std::string old_copy = dir.Sub("old.kek");
  { std::ofstream(old_copy, std::ios::binary) << old_kek; }

  ASSERT_EQ(
      RunCityid({"keys", "rotate-kek", "--data", data}, dir.Sub("rotate.log")),
      0)
      << ReadFile(dir.Sub("rotate.log"));
  EXPECT_NE(ReadFile(dir.Sub("rotate.log")).find("4 data key(s) re-wrapped"),
            std::string::npos)
      << ReadFile(dir.Sub("rotate.log"));
  EXPECT_NE(ReadFile(kek), old_kek);
  EXPECT_EQ(fs::file_size(kek), 32u);
  EXPECT_FALSE(fs::exists(kek + ".next"));

  // The old KEK opens no data key any more.
  auto old_vault = Vault::Open(old_copy, data + ".keys/blind_index.key");
  ASSERT_TRUE(old_vault.ok());
  for (const std::string& rid : rids) {
    auto bytes = InspectVaultEntry(data, rid);
    ASSERT_TRUE(bytes.ok() && bytes->wrapped_key);
    EXPECT_FALSE((*old_vault)->CheckWrappedKey(rid, *bytes->wrapped_key).ok());
  }

  // Every resident reads back under the new KEK.
  ledger = StartLedger(data, port);
  ASSERT_TRUE(WaitForHttp(port, "/readyz", std::chrono::seconds(30)))
      << ReadFile(data + "/ledger.log");
  for (size_t i = 0; i < rids.size(); ++i) {
    Reply r = Call(client, "GET", "/v1/residents/" + rids[i], clerk, "",
                   {{"X-Purpose", "audit"}});
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body.at("pii").at("given_name").as_string(),
              "Rotana" + std::to_string(i));
  }
  ASSERT_TRUE(Stop(*ledger));

  // A ledger given the old KEK refuses to start.
  const std::string refused_log = dir.Sub("refused.log");
  EXPECT_NE(
      RunCityid({"ledger", "--data", data, "--port", std::to_string(FreePort()),
                 "--set", "kek.file=" + old_copy},
                refused_log),
      0);
  EXPECT_NE(ReadFile(refused_log).find("not this vault's"), std::string::npos)
      << ReadFile(refused_log);
  EXPECT_EQ(FilesContaining(dir.path(), "Rotana"), std::vector<std::string>{});
}

std::string LastTokenLine(const std::string& log) {
  std::istringstream in(ReadFile(log));
  std::string line, token;
  while (std::getline(in, line))
    if (line.rfind("cid_", 0) == 0) token = line;
  return token;
}

TEST(PrivacyKeysTest, TokensAddListRevoke) {
  TempDir dir;
  const std::string data = dir.Sub("ledger");
  InitDataDir(data);
  ASSERT_EQ(RunCityid({"tokens", "add", "--data", data, "--role", "clerk",
                       "--id", "front-desk-7"},
                      dir.Sub("add.log")),
            0)
      << ReadFile(dir.Sub("add.log"));
  const std::string token = LastTokenLine(dir.Sub("add.log"));
  ASSERT_FALSE(token.empty()) << ReadFile(dir.Sub("add.log"));
  EXPECT_TRUE(FilesContaining(dir.path(), token) ==
              std::vector<std::string>{dir.Sub("add.log")})
      << "the plaintext token is stored nowhere";
  EXPECT_FALSE(FilesContaining(data, HashToken(token)).empty());

  ASSERT_EQ(RunCityid({"tokens", "list", "--data", data}, dir.Sub("list.log")),
            0);
  const std::string list = ReadFile(dir.Sub("list.log"));
  EXPECT_NE(list.find("front-desk-7\tclerk"), std::string::npos) << list;
  EXPECT_NE(list.find("supervisor-1\tsupervisor"), std::string::npos) << list;

  const uint16_t port = FreePort();
  auto ledger = StartLedger(data, port);
  ASSERT_TRUE(WaitForHttp(port, "/readyz", std::chrono::seconds(30)));
  HttpClient client("127.0.0.1", port);
  EnrollOk(client, token, "Tokena", "Added");
  auto events = AllEvents(client, Token(data, "auditor"));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().at("actor").as_string(), "front-desk-7");
  ASSERT_TRUE(Stop(*ledger));

  ASSERT_EQ(RunCityid({"tokens", "revoke", "--data", data, "front-desk-7"},
                      dir.Sub("revoke.log")),
            0)
      << ReadFile(dir.Sub("revoke.log"));
  EXPECT_NE(RunCityid({"tokens", "revoke", "--data", data, "front-desk-7"},
                      dir.Sub("revoke2.log")),
            0);
  ASSERT_EQ(RunCityid({"tokens", "revoke", "--data", data, "analyst-1"},
                      dir.Sub("revoke3.log")),
            0);
  EXPECT_FALSE(ReadFile(data + "/tokens.json").find("analyst") !=
               std::string::npos)
      << "a revoked bootstrap token leaves tokens.json";
  ledger = StartLedger(data, port);
  ASSERT_TRUE(WaitForHttp(port, "/readyz", std::chrono::seconds(30)));
  Reply refused = Call(client, "POST", "/v1/residents", token,
                       EnrollBody("Tokenb", "Revoked"));
  EXPECT_EQ(refused.status, 401) << refused.raw;
  ASSERT_TRUE(Stop(*ledger));
  EXPECT_EQ(FilesContaining(dir.path(), "Tokena"), std::vector<std::string>{});
}

}  // namespace
}  // namespace cityid::testing
