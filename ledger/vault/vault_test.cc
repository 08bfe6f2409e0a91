#include "ledger/vault/vault.h"

#include <gtest/gtest.h>

#include "base/bytes.h"
#include "ledger/vault/vault_test_util.h"

namespace cityid {
namespace {

PiiRecord Pii(std::string given, std::string family,
              std::string dob = "1990-04-01") {
  return {{"given_name", std::move(given)},
          {"family_name", std::move(family)},
          {"date_of_birth", std::move(dob)}};
}

TEST(NormalizeNameTest, FoldsCaseWhitespaceAndLatinDiacritics) {
  EXPECT_EQ(NormalizeName("José  Pérez"), "jose perez");
  EXPECT_EQ(NormalizeName("  JOSÉ\tPÉREZ \n"), "jose perez");
  EXPECT_EQ(NormalizeName("Muñoz Çelik Müller"), "munoz celik muller");
  EXPECT_EQ(NormalizeName("Łukasz Świątek"), "lukasz swiatek");
  EXPECT_EQ(NormalizeName("Straße Øster Æsir Œuvre"),
            "strasse oster aesir oeuvre");
  EXPECT_EQ(NormalizeName("Dvořák Ğül"), "dvorak gul");
  // Decomposed input (e + combining acute) folds like the composed form.
  EXPECT_EQ(NormalizeName("Jose\xCC\x81"), "jose");
  // Non-Latin scripts pass through, lowercased only where ASCII.
  EXPECT_EQ(NormalizeName("Иван"), "Иван");
}

TEST(NormalizeNameTest, KeepsDifferentNamesDifferent) {
  EXPECT_NE(NormalizeName("Ana"), NormalizeName("Anna"));
  EXPECT_NE(NormalizeName("Li Wei"), NormalizeName("Liwei"));
}

class VaultTest : public ::testing::Test {
 protected:
  VaultTest() : vault_(RandomBytes(32), RandomBytes(32)) {}
  Vault vault_;
};

TEST_F(VaultTest, SealsAndUnsealsPii) {
  PiiRecord pii = Pii("Ana", "Diaz");
  pii["phone"] = "555 0100";
  auto sealed = vault_.Seal("r_1", pii);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->digest, Sha256String(sealed->ciphertext));
  EXPECT_EQ(sealed->ciphertext.find("Ana"), std::string::npos);
  EXPECT_EQ(sealed->ciphertext.find("555 0100"), std::string::npos);
  auto back = vault_.Unseal("r_1", sealed->wrapped_key, sealed->ciphertext);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, pii);
}

TEST_F(VaultTest, EachSealUsesAFreshDataKeyAndNonce) {
  auto a = vault_.Seal("r_1", Pii("Ana", "Diaz"));
  auto b = vault_.Seal("r_1", Pii("Ana", "Diaz"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->wrapped_key, b->wrapped_key);
  EXPECT_NE(a->ciphertext, b->ciphertext);
}

TEST_F(VaultTest, RefusesToUnsealForAnotherResidentOrWithAnotherKek) {
  auto sealed = vault_.Seal("r_1", Pii("Ana", "Diaz"));
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(vault_.Unseal("r_2", sealed->wrapped_key, sealed->ciphertext)
                .status()
                .code(),
            Code::kCorruption);
  Vault other(RandomBytes(32), RandomBytes(32));
  EXPECT_EQ(other.Unseal("r_1", sealed->wrapped_key, sealed->ciphertext)
                .status()
                .code(),
            Code::kCorruption);
  std::string altered = sealed->ciphertext;
  altered[20] ^= 1;
  EXPECT_EQ(vault_.Unseal("r_1", sealed->wrapped_key, altered).status().code(),
            Code::kCorruption);
}

TEST_F(VaultTest, BlindIndexMatchesNormalizedNamesAndDateOfBirth) {
  std::string a = vault_.BlindIndex(Pii("José  Pérez", "García"));
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, vault_.BlindIndex(Pii("jose perez", "GARCIA")));
  EXPECT_NE(a, vault_.BlindIndex(Pii("jose perez", "garcia", "1990-04-02")));
  EXPECT_NE(a, vault_.BlindIndex(Pii("garcia", "jose perez")));
  Vault other(RandomBytes(32), RandomBytes(32));
  EXPECT_NE(a, other.BlindIndex(Pii("José  Pérez", "García")));  // keyed
  EXPECT_TRUE(vault_.BlindIndex({{"phone", "1"}}).empty());
}

TEST(VaultOpenTest, RequiresThirtyTwoByteKeyFiles) {
  testing_util::TempDir dir;
  std::string kek = testing_util::WriteKeyFile(dir.path(), "kek");
  EXPECT_TRUE(Vault::Open(kek, "").ok());
  std::string short_key = dir.path() + "/short";
  std::ofstream(short_key) << "too short";
  EXPECT_EQ(Vault::Open(short_key, "").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Vault::Open(kek, short_key).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Vault::Open(dir.path() + "/missing", "").status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace cityid
