#include "projections/status_list/status_list_jwt.h"

#include <gtest/gtest.h>

#include <string>

#include "base/bytes.h"
#include "projections/status_list/test_util.h"

namespace cityid::statuslist {
namespace {

using testing::kExp;
using testing::kIat;
using testing::kNow;

const char kSub[] = "https://ids.example.gov/v1/status-lists/7";

class StatusListJwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *SigningKey::Generate();
    ASSERT_TRUE(keys_.AddPublicOf(key_).ok());
  }
  std::string Encode(const StatusArray& a) {
    return *EncodeStatusListJwt(a, {kSub, kIat, kExp, 3600}, key_);
  }
  // A token with arbitrary header and payload JSON, validly signed.
  std::string SignRaw(const std::string& header, const std::string& payload) {
    const std::string input =
        Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
    return input + "." + Base64UrlEncode(key_.Sign(input));
  }
  std::string Header() const {
    return R"({"alg":"EdDSA","typ":"statuslist+jwt","kid":")" + key_.kid() +
           "\"}";
  }
  static std::string Payload(const std::string& status_list) {
    return R"({"sub":"x","iat":)" + std::to_string(kIat) + R"(,"exp":)" +
           std::to_string(kExp) + R"(,"status_list":)" + status_list + "}";
  }

  SigningKey key_ = *SigningKey::FromSeed(std::string(32, '\1'));
  Jwks keys_;
};

TEST_F(StatusListJwtTest, RoundTripsStatusesAndClaims) {
  const StatusArray a = testing::RandomStatuses(131072, 500, 200, 1);
  Result<VerifiedJwt> v = VerifyStatusListJwt(Encode(a), keys_, kNow);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->statuses, a);
  EXPECT_EQ(v->kid, key_.kid());
  EXPECT_EQ(v->claims.sub, kSub);
  EXPECT_EQ(v->claims.iat, kIat);
  EXPECT_EQ(v->claims.exp, kExp);
  EXPECT_EQ(v->claims.ttl, 3600);
}

TEST_F(StatusListJwtTest, RejectsBadSignatures) {
  const std::string jwt = Encode(testing::RandomStatuses(1024, 10, 10, 2));
  std::string bad_sig = jwt;
  char& c = bad_sig[bad_sig.rfind('.') + 20];
  c = c == 'A' ? 'B' : 'A';
  Result<VerifiedJwt> v = VerifyStatusListJwt(bad_sig, keys_, kNow);
  EXPECT_EQ(v.status().code(), Code::kUnauthenticated);
  EXPECT_NE(v.status().message().find("bad signature"), std::string::npos);
  // A changed payload under the original signature.
  std::string bad_payload = jwt;
  char& p = bad_payload[jwt.find('.') + 30];
  p = p == 'A' ? 'B' : 'A';
  EXPECT_EQ(VerifyStatusListJwt(bad_payload, keys_, kNow).status().code(),
            Code::kUnauthenticated);
  // The right kid bound to another key.
  Jwks impostor;
  ASSERT_TRUE(
      impostor.Add({key_.kid(), SigningKey::Generate()->public_key()}).ok());
  EXPECT_EQ(VerifyStatusListJwt(jwt, impostor, kNow).status().code(),
            Code::kUnauthenticated);
}

TEST_F(StatusListJwtTest, RejectsUnknownKey) {
  Result<VerifiedJwt> v =
      VerifyStatusListJwt(Encode(StatusArray(16)), Jwks(), kNow);
  EXPECT_EQ(v.status().code(), Code::kUnauthenticated);
  EXPECT_NE(v.status().message().find("unknown key"), std::string::npos);
}

TEST_F(StatusListJwtTest, RejectsExpiredListsFromExpOn) {
  const std::string jwt = Encode(StatusArray(16));
  EXPECT_TRUE(
      VerifyStatusListJwt(jwt, keys_, kExp * kMicrosPerSecond - 1).ok());
  Result<VerifiedJwt> v =
      VerifyStatusListJwt(jwt, keys_, kExp * kMicrosPerSecond);
  EXPECT_EQ(v.status().code(), Code::kPreconditionFailed);
  EXPECT_NE(v.status().message().find("expired"), std::string::npos);
}

TEST_F(StatusListJwtTest, RefusesOtherAlgorithmsAndTypes) {
  const std::string payload = Payload(R"({"bits":2,"lst":"eNo76fITAAPfAgc"})");
  EXPECT_TRUE(
      VerifyStatusListJwt(SignRaw(Header(), payload), keys_, kNow).ok());
  const std::string kid = key_.kid();
  for (const std::string& header : {
           R"({"alg":"none","typ":"statuslist+jwt","kid":")" + kid + "\"}",
           R"({"alg":"HS256","typ":"statuslist+jwt","kid":")" + kid + "\"}",
           R"({"alg":"EdDSA","typ":"JWT","kid":")" + kid + "\"}",
           std::string(R"({"alg":"EdDSA","typ":"statuslist+jwt"})"),
           R"({"alg":"EdDSA","typ":"statuslist+jwt","crit":["b64"],"kid":")" +
               kid + "\"}",
           std::string("[]"),
       }) {
    EXPECT_EQ(VerifyStatusListJwt(SignRaw(header, payload), keys_, kNow)
                  .status()
                  .code(),
              Code::kMalformed)
        << header;
  }
}

TEST_F(StatusListJwtTest, RejectsMalformedPayloads) {
  for (
      const std::string& payload : {
          Payload(R"({"bits":1,"lst":"eNrbuRgAAhcBXQ"})"),
          Payload(R"({"bits":2})"),
          Payload(R"({"bits":2,"lst":"!!"})"),
          Payload(R"({"bits":2,"lst":"eNo76fITAAPf"})"),
          Payload(R"("no")"),
          std::string(
              R"({"sub":"x","iat":1,"status_list":{"bits":2,"lst":"eNo76fITAAPfAgc"}})"),
          std::string(
              R"({"iat":1,"exp":2,"status_list":{"bits":2,"lst":"eNo76fITAAPfAgc"}})"),
          std::string(
              R"({"sub":"x","iat":9,"exp":2,"status_list":{"bits":2,"lst":"eNo76fITAAPfAgc"}})"),
          std::string("not json"),
      }) {
    EXPECT_EQ(VerifyStatusListJwt(SignRaw(Header(), payload), keys_, 0)
                  .status()
                  .code(),
              Code::kMalformed)
        << payload;
  }
}

TEST_F(StatusListJwtTest, RejectsTruncatedAndGarbageTokens) {
  const std::string jwt = Encode(testing::RandomStatuses(4096, 40, 4, 3));
  for (size_t cut = 0; cut < jwt.size(); cut += 7) {
    EXPECT_FALSE(VerifyStatusListJwt(jwt.substr(0, cut), keys_, kNow).ok())
        << cut;
  }
  EXPECT_EQ(VerifyStatusListJwt("a.b.c.d", keys_, kNow).status().code(),
            Code::kMalformed);
  EXPECT_EQ(VerifyStatusListJwt("", keys_, kNow).status().code(),
            Code::kMalformed);
  EXPECT_EQ(VerifyStatusListJwt(std::string(kMaxJwtBytes + 1, 'a'), keys_, kNow)
                .status()
                .code(),
            Code::kTooLarge);
}

TEST_F(StatusListJwtTest, EncoderRefusesBadClaims) {
  EXPECT_EQ(EncodeStatusListJwt(StatusArray(4), {"", kIat, kExp, 0}, key_)
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(EncodeStatusListJwt(StatusArray(4), {kSub, kExp, kIat, 0}, key_)
                .status()
                .code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace cityid::statuslist
