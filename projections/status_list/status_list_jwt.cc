#include "projections/status_list/status_list_jwt.h"

#include <boost/json.hpp>
#include <utility>

#include "base/bytes.h"
#include "projections/status_list/json_util.h"
#include "projections/status_list/zlib_codec.h"

namespace cityid::statuslist {
namespace {

using internal::IntMember;
using internal::StringMember;

struct JwsParts {
  std::string_view header_b64;
  std::string_view payload_b64;
  std::string_view signing_input;  // "header.payload", what the key signed
  std::string signature;
};

Result<JwsParts> SplitJws(std::string_view jwt) {
  if (jwt.size() > kMaxJwtBytes)
    return TooLarge("status list token is too large");
  const size_t dot1 = jwt.find('.');
  const size_t dot2 =
      dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos ||
      jwt.find('.', dot2 + 1) != std::string_view::npos) {
    return Malformed(
        "status list token is not a JWS compact serialization "
        "(three base64url parts)");
  }
  JwsParts parts;
  parts.header_b64 = jwt.substr(0, dot1);
  parts.payload_b64 = jwt.substr(dot1 + 1, dot2 - dot1 - 1);
  parts.signing_input = jwt.substr(0, dot2);
  Result<std::string> sig = Base64UrlDecode(jwt.substr(dot2 + 1));
  if (!sig.ok() || sig->size() != kEd25519SignatureBytes) {
    return Malformed("status list token signature is not 64 base64url bytes");
  }
  parts.signature = std::move(sig).value();
  return parts;
}

Result<boost::json::object> DecodeJsonPart(std::string_view b64,
                                           std::string_view what) {
  Result<std::string> text = Base64UrlDecode(b64);
  if (!text.ok()) return Malformed(std::string(what) + " is not base64url");
  return internal::ParseObject(*text, what);
}

// Checks the JOSE header and returns the kid it names.
Result<std::string> CheckHeader(const boost::json::object& header) {
  std::optional<std::string> typ = StringMember(header, "typ");
  if (typ != kStatusListJwtType && typ != "application/statuslist+jwt") {
    return Malformed("token typ is not statuslist+jwt");
  }
  if (StringMember(header, "alg") != "EdDSA") {
    return Malformed("token alg is not EdDSA (other algorithms are refused)");
  }
  if (header.contains("crit"))
    return Malformed("token has critical header extensions");
  std::optional<std::string> kid = StringMember(header, "kid");
  if (!kid || kid->empty()) return Malformed("token header has no kid");
  return *kid;
}

Status CheckSignature(const JwsParts& parts, const std::string& kid,
                      const Jwks& keys) {
  const Jwk* key = keys.Find(kid);
  if (key == nullptr) {
    return {Code::kUnauthenticated, "status list signed by unknown key " + kid};
  }
  if (!VerifyEd25519(key->public_key, parts.signing_input, parts.signature)) {
    return {Code::kUnauthenticated,
            "bad signature on status list (key " + kid + ")"};
  }
  return Status::Ok();
}

Result<JwtClaims> ParseClaims(const boost::json::object& payload) {
  JwtClaims claims;
  std::optional<std::string> sub = StringMember(payload, "sub");
  std::optional<int64_t> iat = IntMember(payload, "iat");
  std::optional<int64_t> exp = IntMember(payload, "exp");
  if (!sub) return Malformed("status list token has no sub");
  if (!iat || !exp)
    return Malformed("status list token lacks an integer iat or exp");
  if (*iat > *exp) return Malformed("status list token has iat after exp");
  claims.sub = std::move(*sub);
  claims.iat = *iat;
  claims.exp = *exp;
  if (payload.contains("ttl")) {
    std::optional<int64_t> ttl = IntMember(payload, "ttl");
    if (!ttl || *ttl <= 0)
      return Malformed("status list token ttl is not a positive integer");
    claims.ttl = *ttl;
  }
  return claims;
}

Result<StatusArray> ParseStatusList(const boost::json::object& payload) {
  const boost::json::value* sl = payload.if_contains("status_list");
  if (sl == nullptr || !sl->is_object())
    return Malformed("token has no status_list object");
  const boost::json::object& obj = sl->get_object();
  std::optional<int64_t> bits = IntMember(obj, "bits");
  if (bits != 2)
    return Malformed("status_list bits must be 2 for cityid lists");
  std::optional<std::string> lst = StringMember(obj, "lst");
  if (!lst) return Malformed("status_list has no lst");
  CITYID_ASSIGN_OR_RETURN(std::string packed,
                          DecodeLst(*lst, kMaxListEntries / 4));
  const auto size = static_cast<uint32_t>(packed.size() * 4);
  return StatusArray::FromPacked(std::move(packed), size);
}

}  // namespace

std::string FormatUnixSeconds(int64_t seconds) {
  constexpr int64_t kYear9999 = 253402300799;  // keeps the multiply in range
  if (seconds < 0 || seconds > kYear9999) return std::to_string(seconds) + " s";
  return FormatRfc3339(seconds * kMicrosPerSecond);
}

Result<std::string> EncodeLst(std::string_view packed) {
  CITYID_ASSIGN_OR_RETURN(std::string compressed, ZlibCompress(packed));
  return Base64UrlEncode(compressed);
}

Result<std::string> DecodeLst(std::string_view lst, size_t max_bytes) {
  Result<std::string> compressed = Base64UrlDecode(lst);
  if (!compressed.ok()) return Malformed("status_list lst is not base64url");
  return ZlibInflate(*compressed, max_bytes);
}

Result<std::string> EncodeStatusListJwt(const StatusArray& statuses,
                                        const JwtClaims& claims,
                                        const SigningKey& key) {
  if (claims.sub.empty())
    return InvalidArgument("a status list token needs a sub");
  if (claims.exp <= claims.iat) return InvalidArgument("exp must be after iat");
  CITYID_ASSIGN_OR_RETURN(std::string lst, EncodeLst(statuses.packed()));
  const boost::json::object header{
      {"alg", "EdDSA"}, {"typ", kStatusListJwtType}, {"kid", key.kid()}};
  boost::json::object payload{
      {"sub", claims.sub}, {"iat", claims.iat}, {"exp", claims.exp}};
  if (claims.ttl > 0) payload["ttl"] = claims.ttl;
  payload["status_list"] =
      boost::json::object{{"bits", 2}, {"lst", std::move(lst)}};
  std::string out = Base64UrlEncode(boost::json::serialize(header)) + "." +
                    Base64UrlEncode(boost::json::serialize(payload));
  const std::string signature = key.Sign(out);
  out += ".";
  out += Base64UrlEncode(signature);
  return out;
}

Result<VerifiedJwt> VerifyStatusListJwt(std::string_view jwt, const Jwks& keys,
                                        Micros now) {
  CITYID_ASSIGN_OR_RETURN(JwsParts parts, SplitJws(jwt));
  CITYID_ASSIGN_OR_RETURN(boost::json::object header,
                          DecodeJsonPart(parts.header_b64, "token header"));
  VerifiedJwt out;
  CITYID_ASSIGN_OR_RETURN(out.kid, CheckHeader(header));
  CITYID_RETURN_IF_ERROR(CheckSignature(parts, out.kid, keys));
  CITYID_ASSIGN_OR_RETURN(boost::json::object payload,
                          DecodeJsonPart(parts.payload_b64, "token payload"));
  CITYID_ASSIGN_OR_RETURN(out.claims, ParseClaims(payload));
  CITYID_ASSIGN_OR_RETURN(out.statuses, ParseStatusList(payload));
  if (now / kMicrosPerSecond >= out.claims.exp) {
    return PreconditionFailed("status list expired at " +
                              FormatUnixSeconds(out.claims.exp) + " (now " +
                              FormatRfc3339(now) + ")");
  }
  return out;
}

}  // namespace cityid::statuslist
