// The draft's own examples (draft-ietf-oauth-status-list, "Status List" and
// "Status List Token with 2-Bit Status Values"), checked against our encoder
// and against an independent decoder written here from the draft's text.
#include "projections/status_list/status_array.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "projections/status_list/jwks.h"
#include "projections/status_list/status_list_jwt.h"
#include "projections/status_list/test_util.h"

namespace cityid::statuslist {
namespace {

// The draft's 1-bit example: 16 statuses -> bytes B9 A3 -> lst.
const std::vector<int> kDraft1BitStatuses = {1, 0, 0, 1, 1, 1, 0, 1,
                                             1, 1, 0, 0, 0, 1, 0, 1};
const std::string kDraft1BitBytes = "\xB9\xA3";
const std::string kDraft1BitLst = "eNrbuRgAAhcBXQ";
// The draft's 2-bit example: 12 statuses -> bytes C9 44 F9 -> lst.
const std::vector<int> kDraft2BitStatuses = {1, 2, 0, 3, 0, 1,
                                             0, 1, 1, 2, 3, 3};
const std::string kDraft2BitBytes = "\xC9\x44\xF9";
const std::string kDraft2BitLst = "eNo76fITAAPfAgc";

// --- An independent decoder, written from the draft's text alone ---------
// "lst": base64url (RFC 4648 §5, no padding) of a ZLIB stream (RFC 1950)
// whose content is the byte array; status i occupies `bits` bits starting at
// bit (i * bits) % 8 of byte (i * bits) / 8, counted from the least
// significant bit.
std::string IndependentBase64UrlDecode(const std::string& text) {
  std::string out;
  uint32_t acc = 0;
  int acc_bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '-') v = 62;
    if (c == '_') v = 63;
    if (v < 0) ADD_FAILURE() << "not base64url: " << c;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    acc_bits += 6;
    if (acc_bits >= 8) {
      acc_bits -= 8;
      out.push_back(static_cast<char>((acc >> acc_bits) & 0xFF));
    }
  }
  return out;
}

std::string IndependentInflate(const std::string& compressed, size_t max_out) {
  std::string out(max_out, '\0');
  uLongf out_len = max_out;
  const int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &out_len,
                            reinterpret_cast<const Bytef*>(compressed.data()),
                            compressed.size());
  EXPECT_EQ(rc, Z_OK);
  out.resize(out_len);
  return out;
}

std::vector<int> IndependentUnpack(const std::string& bytes, int bits) {
  std::vector<int> out;
  const size_t count = bytes.size() * 8 / bits;
  for (size_t i = 0; i < count; ++i) {
    const auto byte = static_cast<uint8_t>(bytes[i * bits / 8]);
    out.push_back((byte >> ((i * bits) % 8)) & ((1 << bits) - 1));
  }
  return out;
}

std::vector<int> IndependentDecodeLst(const std::string& lst, int bits,
                                      size_t max_bytes) {
  return IndependentUnpack(
      IndependentInflate(IndependentBase64UrlDecode(lst), max_bytes), bits);
}

// --- Tests -----------------------------------------------------------------

TEST(StatusArrayTest, PacksDraftTwoBitExampleToDraftBytes) {
  StatusArray a(12);
  for (uint32_t i = 0; i < 12; ++i)
    a.Set(i, static_cast<uint8_t>(kDraft2BitStatuses[i]));
  EXPECT_EQ(a.packed(), kDraft2BitBytes);
}

TEST(StatusArrayTest, EncodesDraftByteArraysToDraftLst) {
  // zlib at best compression reproduces the draft's printed values exactly.
  EXPECT_EQ(*EncodeLst(kDraft1BitBytes), kDraft1BitLst);
  EXPECT_EQ(*EncodeLst(kDraft2BitBytes), kDraft2BitLst);
}

TEST(StatusArrayTest, DecodesDraftLstToDraftStatuses) {
  Result<std::string> one = DecodeLst(kDraft1BitLst, 1024);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one, kDraft1BitBytes);
  Result<std::string> two = DecodeLst(kDraft2BitLst, 1024);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(*two, kDraft2BitBytes);
  Result<StatusArray> a = StatusArray::FromPacked(*two, 12);
  ASSERT_TRUE(a.ok());
  for (uint32_t i = 0; i < 12; ++i)
    EXPECT_EQ(a->Get(i), kDraft2BitStatuses[i]) << i;
}

TEST(StatusArrayTest, IndependentDecoderReadsDraftExamples) {
  EXPECT_EQ(IndependentDecodeLst(kDraft1BitLst, 1, 64), kDraft1BitStatuses);
  EXPECT_EQ(IndependentDecodeLst(kDraft2BitLst, 2, 64), kDraft2BitStatuses);
}

TEST(StatusArrayTest, IndependentDecoderReadsOurSignedToken) {
  const StatusArray statuses = testing::RandomStatuses(131072, 1300, 400, 11);
  Result<SigningKey> key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  Result<std::string> jwt =
      EncodeStatusListJwt(statuses,
                          {"https://ids.example.gov/v1/status-lists/7",
                           testing::kIat, testing::kExp, 3600},
                          *key);
  ASSERT_TRUE(jwt.ok());
  // Payload = second dot-separated part, read without our JWT code.
  const size_t dot1 = jwt->find('.');
  const size_t dot2 = jwt->find('.', dot1 + 1);
  const std::string payload =
      IndependentBase64UrlDecode(jwt->substr(dot1 + 1, dot2 - dot1 - 1));
  const boost::json::object claims = boost::json::parse(payload).as_object();
  EXPECT_EQ(claims.at("status_list").at("bits").as_int64(), 2);
  const std::string lst(claims.at("status_list").at("lst").as_string());
  const std::vector<int> decoded =
      IndependentDecodeLst(lst, 2, statuses.packed().size());
  ASSERT_EQ(decoded.size(), statuses.size());
  for (uint32_t i = 0; i < statuses.size(); ++i)
    ASSERT_EQ(decoded[i], statuses.Get(i)) << i;
}

TEST(StatusArrayTest, RejectsPackedBytesOfWrongLengthOrWithPaddingSet) {
  EXPECT_EQ(StatusArray::FromPacked("\x01\x02", 9).status().code(),
            Code::kMalformed);
  EXPECT_EQ(StatusArray::FromPacked("\x01\x40", 7).status().code(),
            Code::kMalformed);
  EXPECT_TRUE(StatusArray::FromPacked("\x01\x10", 7).ok());
  EXPECT_EQ(StatusArray::FromPacked("", kMaxListEntries + 1).status().code(),
            Code::kTooLarge);
}

TEST(StatusArrayTest, ListsIndicesAndCountsByStatus) {
  StatusArray a(10);
  a.Set(0, EntryStatus::kRevoked);
  a.Set(5, EntryStatus::kSuspended);
  a.Set(9, EntryStatus::kRevoked);
  EXPECT_EQ(a.IndicesWith(1), (std::vector<uint32_t>{0, 9}));
  EXPECT_EQ(a.IndicesWith(2), (std::vector<uint32_t>{5}));
  EXPECT_EQ(a.CountOf(0), 7u);
  a.Set(9, EntryStatus::kValid);
  EXPECT_EQ(a.Get(9), 0);
  EXPECT_EQ(a.CountOf(1), 1u);
}

TEST(StatusArrayTest, InflateRefusesDecompressionBombs) {
  const std::string zeros(1 << 20, '\0');
  Result<std::string> lst = EncodeLst(zeros);
  ASSERT_TRUE(lst.ok());
  EXPECT_EQ(DecodeLst(*lst, 1000).status().code(), Code::kTooLarge);
  EXPECT_TRUE(DecodeLst(*lst, zeros.size()).ok());
}

TEST(StatusArrayTest, InflateRejectsTruncatedAndTrailingBytes) {
  std::string compressed = IndependentBase64UrlDecode(kDraft2BitLst);
  for (size_t cut = 0; cut < compressed.size(); ++cut) {
    EXPECT_FALSE(DecodeLst(Base64UrlEncode(compressed.substr(0, cut)), 64).ok())
        << cut;
  }
  EXPECT_EQ(DecodeLst(Base64UrlEncode(compressed + "x"), 64).status().code(),
            Code::kMalformed);
  EXPECT_EQ(DecodeLst("not base64!", 64).status().code(), Code::kMalformed);
}

}  // namespace
}  // namespace cityid::statuslist
