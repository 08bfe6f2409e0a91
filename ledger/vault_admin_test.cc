// KEK rotation and the KEK fingerprint check (ledger/vault_admin.h,
// ledger/ledger_impl.h).
#include "ledger/vault_admin.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "ledger/ledger_fixture.h"

namespace cityid {
namespace {

using testing_util::Ctx;

bool AnyFileContains(const std::string& dir, const std::string& needle) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) return true;
  }
  return false;
}

class VaultAdminTest : public testing_util::LedgerTest {
 protected:
  std::unique_ptr<Vault> OpenVault(const std::string& kek_file) {
    auto v = Vault::Open(kek_file, options_.blind_index_key_file);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? std::move(v).value() : nullptr;
  }

  void Stop() {
    ledger_->Close();
    ledger_.reset();
  }

  std::string ReadName(const std::string& rid) {
    auto r = ledger_->Execute(ReadResidentCommand{rid, "test"}, Ctx());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->resident->pii.at("given_name") : "";
  }
};

TEST_F(VaultAdminTest, RotationRewrapsEveryKeyAndTheOldKekOpensNothing) {
  std::vector<std::string> rids;
  for (int i = 0; i < 5; ++i)
    rids.push_back(Enroll("Name" + std::to_string(i), "Family"));
  Stop();
  std::vector<std::string> old_wrapped;
  for (const auto& rid : rids) {
    auto bytes = InspectVaultEntry(options_.data_dir, rid);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    ASSERT_TRUE(bytes->wrapped_key && bytes->ciphertext && bytes->blind_index);
    old_wrapped.push_back(*bytes->wrapped_key);
  }
  auto old_vault = OpenVault(options_.kek_file);
  const std::string new_kek = testing_util::WriteKeyFile(dir_.path(), "kek2");
  auto new_vault = OpenVault(new_kek);

  auto report = RewrapVault(options_.data_dir, *old_vault, *new_vault);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rewrapped, rids.size());
  EXPECT_FALSE(report->already_done);
  for (size_t i = 0; i < rids.size(); ++i) {
    auto bytes = InspectVaultEntry(options_.data_dir, rids[i]);
    ASSERT_TRUE(bytes.ok());
    EXPECT_FALSE(old_vault->CheckWrappedKey(rids[i], *bytes->wrapped_key).ok())
        << "the old KEK still opens a data key";
    EXPECT_TRUE(new_vault->CheckWrappedKey(rids[i], *bytes->wrapped_key).ok());
    EXPECT_FALSE(AnyFileContains(options_.data_dir, old_wrapped[i]))
        << "an old wrapped key is still on disk";
  }
  auto again = RewrapVault(options_.data_dir, *old_vault, *new_vault);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_done) << "an interrupted rotation is finished";

  // The ledger refuses the old KEK and reads everything under the new one.
  auto refused = LedgerImpl::Open(options_);
  EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
  options_.kek_file = new_kek;
  Reopen();
  for (size_t i = 0; i < rids.size(); ++i)
    EXPECT_EQ(ReadName(rids[i]), "Name" + std::to_string(i));
}

TEST_F(VaultAdminTest, RotationRefusesAVaultOfAnotherKek) {
  Enroll();
  Stop();
  auto stranger =
      OpenVault(testing_util::WriteKeyFile(dir_.path(), "stranger"));
  auto target = OpenVault(testing_util::WriteKeyFile(dir_.path(), "target"));
  auto report = RewrapVault(options_.data_dir, *stranger, *target);
  EXPECT_EQ(report.status().code(), Code::kInvalidArgument);
}

TEST_F(VaultAdminTest, LedgerRefusesAnotherKek) {
  Enroll();
  Stop();
  options_.kek_file = testing_util::WriteKeyFile(dir_.path(), "other");
  auto refused = LedgerImpl::Open(options_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("not this vault's"),
            std::string::npos)
      << refused.status().message();
}

TEST_F(VaultAdminTest, InspectFailsWhileTheLedgerRuns) {
  const std::string rid = Enroll();
  auto bytes = InspectVaultEntry(options_.data_dir, rid);
  EXPECT_EQ(bytes.status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace cityid
