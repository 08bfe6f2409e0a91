#include "projections/status_list/jwks.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace cityid::statuslist {
namespace {

TEST(JwksTest, RoundTripsThroughJson) {
  Result<SigningKey> a = SigningKey::Generate();
  Result<SigningKey> b = SigningKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  Jwks keys;
  ASSERT_TRUE(keys.AddPublicOf(*a).ok());
  ASSERT_TRUE(keys.AddPublicOf(*b).ok());
  const std::string json = keys.ToJson();
  const boost::json::object first =
      boost::json::parse(json).at("keys").as_array().at(0).as_object();
  EXPECT_EQ(first.at("kty").as_string(), "OKP");
  EXPECT_EQ(first.at("crv").as_string(), "Ed25519");
  EXPECT_EQ(first.at("use").as_string(), "sig");
  EXPECT_EQ(first.at("alg").as_string(), "EdDSA");
  EXPECT_EQ(first.at("kid").as_string(), a->kid());
  Result<Jwks> parsed = Jwks::Parse(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->keys().size(), 2u);
  ASSERT_NE(parsed->Find(b->kid()), nullptr);
  EXPECT_EQ(parsed->Find(b->kid())->public_key, b->public_key());
  EXPECT_EQ(parsed->Find("nope"), nullptr);
}

TEST(JwksTest, SkipsOtherKeyTypes) {
  Result<Jwks> parsed = Jwks::Parse(
      R"({"keys":[{"kty":"EC","crv":"P-256","kid":"e","x":"AA","y":"AA"},)"
      R"({"kty":"OKP","crv":"Ed25519","kid":"k1",)"
      R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->keys().size(), 1u);
  EXPECT_EQ(parsed->keys()[0].kid, "k1");
}

TEST(JwksTest, RejectsMalformedSets) {
  const std::string x = R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")";
  const std::string okp = R"("kty":"OKP","crv":"Ed25519",)";
  for (const std::string& bad : {
           std::string("not json"),
           std::string("[]"),
           std::string(R"({"keys":{}})"),
           std::string(R"({"keys":[1]})"),
           R"({"keys":[{)" + okp + x + "}]}",                     // no kid
           R"({"keys":[{)" + okp + R"("kid":"k","x":"AAAA"}]})",  // short x
           R"({"keys":[{)" + okp + R"("kid":"k","d":"AA",)" + x +
               "}]}",  // private
           R"({"keys":[{)" + okp + R"("kid":"k","use":"enc",)" + x + "}]}",
           R"({"keys":[{)" + okp + R"("kid":"k","alg":"ES256",)" + x + "}]}",
       }) {
    EXPECT_EQ(Jwks::Parse(bad).status().code(), Code::kMalformed) << bad;
  }
  const std::string dup =
      R"({"keys":[{)" + okp + R"("kid":"k",)" + x + "},{" + okp +
      R"("kid":"k","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]})";
  EXPECT_EQ(Jwks::Parse(dup).status().code(), Code::kConflict);
}

TEST(JwksTest, AddRefusesAKidNamingAnotherKey) {
  Jwks keys;
  EXPECT_TRUE(keys.Add({"k", std::string(32, 'a')}).ok());
  EXPECT_TRUE(keys.Add({"k", std::string(32, 'a')}).ok());
  EXPECT_EQ(keys.Add({"k", std::string(32, 'b')}).code(), Code::kConflict);
  EXPECT_EQ(keys.Add({"", std::string(32, 'b')}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(keys.Add({"j", "short"}).code(), Code::kInvalidArgument);
  EXPECT_EQ(keys.keys().size(), 1u);
}

}  // namespace
}  // namespace cityid::statuslist
