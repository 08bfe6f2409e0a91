#include "projections/status_list/ed25519.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "base/bytes.h"

namespace cityid::statuslist {
namespace {

// RFC 8032 §7.1, TEST 1 (empty message).
constexpr char kRfc8032Seed[] =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr char kRfc8032Public[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr char kRfc8032Signature[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590"
    "a33bacc61e"
    "39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

TEST(Ed25519Test, MatchesRfc8032TestVector) {
  Result<SigningKey> key = SigningKey::FromSeed(*HexDecode(kRfc8032Seed));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(HexEncode(key->public_key()), kRfc8032Public);
  EXPECT_EQ(HexEncode(key->Sign("")), kRfc8032Signature);
  EXPECT_TRUE(
      VerifyEd25519(key->public_key(), "", *HexDecode(kRfc8032Signature)));
}

TEST(Ed25519Test, KidIsRfc8037Thumbprint) {
  // RFC 8037 Appendix A.3: the thumbprint of the RFC 8032 TEST 1 key.
  Result<SigningKey> key = SigningKey::FromSeed(*HexDecode(kRfc8032Seed));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(Ed25519Test, RejectsTamperedMessagesSignaturesAndKeys) {
  Result<SigningKey> key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string sig = key->Sign("list bytes");
  EXPECT_TRUE(VerifyEd25519(key->public_key(), "list bytes", sig));
  EXPECT_FALSE(VerifyEd25519(key->public_key(), "list bytez", sig));
  std::string bad = sig;
  bad[10] ^= 1;
  EXPECT_FALSE(VerifyEd25519(key->public_key(), "list bytes", bad));
  EXPECT_FALSE(VerifyEd25519(key->public_key(), "list bytes", sig.substr(1)));
  EXPECT_FALSE(VerifyEd25519("short", "list bytes", sig));
  Result<SigningKey> other = SigningKey::Generate();
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(VerifyEd25519(other->public_key(), "list bytes", sig));
}

TEST(Ed25519Test, RoundTripsSeedAndPem) {
  Result<SigningKey> key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  Result<SigningKey> from_seed = SigningKey::FromSeed(key->Seed());
  ASSERT_TRUE(from_seed.ok());
  EXPECT_EQ(from_seed->public_key(), key->public_key());
  const std::string pem = key->ToPem();
  EXPECT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  Result<SigningKey> from_pem = SigningKey::FromPem(pem);
  ASSERT_TRUE(from_pem.ok());
  EXPECT_EQ(from_pem->kid(), key->kid());
  Result<std::string> pub_pem = PublicKeyToPem(key->public_key());
  ASSERT_TRUE(pub_pem.ok());
  EXPECT_EQ(*PublicKeyFromPem(*pub_pem), key->public_key());
}

TEST(Ed25519Test, RejectsBadSeedsAndPem) {
  EXPECT_EQ(SigningKey::FromSeed("short").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(
      SigningKey::FromPem(
          "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
          .status()
          .code(),
      Code::kMalformed);
  EXPECT_EQ(PublicKeyFromPem("garbage").status().code(), Code::kMalformed);
}

TEST(Ed25519Test, SavesPemFileReadableOnlyByOwner) {
  Result<SigningKey> key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  char path[] = "/tmp/statuslist_key_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_TRUE(key->SavePemFile(path).ok());
  struct stat st {};
  ASSERT_EQ(stat(path, &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  Result<SigningKey> loaded = SigningKey::LoadPemFile(path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->kid(), key->kid());
  std::remove(path);
  EXPECT_EQ(SigningKey::LoadPemFile(path).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace cityid::statuslist
