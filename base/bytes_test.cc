#include "base/bytes.h"

#include <gtest/gtest.h>

namespace cityid {
namespace {

TEST(BytesTest, HexRoundTrips) {
  EXPECT_EQ(HexEncode("\x01\xab"), "01ab");
  EXPECT_EQ(*HexDecode("01AB"), "\x01\xab");
  EXPECT_FALSE(HexDecode("0").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(BytesTest, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(*Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(*Base64Decode("Zm9vYmE="), "fooba");
  EXPECT_FALSE(Base64Decode("Zm9").ok());
  EXPECT_FALSE(Base64Decode("Zm9v!A==").ok());
}

TEST(BytesTest, Base64UrlHasNoPaddingAndUrlAlphabet) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(*Base64UrlDecode("-_8"), "\xfb\xff");
  EXPECT_FALSE(Base64UrlDecode("+/8").ok());
}

TEST(BytesTest, Crc32cMatchesKnownVector) {
  // RFC 3720 B.4: 32 bytes of zeros.
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);
}

// Crc32c may use the CPU's crc32 instruction (8 bytes per step, then a byte
// tail); every length and alignment must agree with the bitwise definition.
TEST(BytesTest, Crc32cMatchesBitwiseDefinitionAtEveryLength) {
  auto bitwise = [](std::string_view bytes) {
    uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char c : bytes) {
      crc ^= c;
      for (int k = 0; k < 8; ++k)
        crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
  };
  std::string data;
  for (int i = 0; i < 300; ++i)
    data.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  for (size_t offset = 0; offset < 8; ++offset)
    for (size_t len = 0; len + offset <= data.size(); len += 1 + len / 16)
      ASSERT_EQ(Crc32c(std::string_view(data).substr(offset, len)),
                bitwise(std::string_view(data).substr(offset, len)))
          << "offset " << offset << " length " << len;
}

TEST(BytesTest, Sha256MatchesFips180Vector) {
  EXPECT_EQ(HexEncode(Sha256String("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(BytesTest, HmacMatchesRfc4231Case2) {
  Sha256Digest d = HmacSha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(HexEncode(std::string_view(reinterpret_cast<const char*>(d.data()),
                                       d.size())),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(BytesTest, RandomBelowStaysInRange) {
  for (int i = 0; i < 1000; ++i) EXPECT_LT(RandomBelow(7), 7u);
  EXPECT_NE(RandomBytes(16), RandomBytes(16));
}

}  // namespace
}  // namespace cityid
