#include "projections/status_list/jwks.h"

#include <boost/json.hpp>
#include <utility>

#include "base/bytes.h"
#include "projections/status_list/json_util.h"

namespace cityid::statuslist {
namespace {

using internal::StringMember;

// Parses one OKP/Ed25519 member of "keys"; the caller has checked kty/crv.
Result<Jwk> ParseEd25519Jwk(const boost::json::object& obj, size_t position) {
  const std::string where = "JWKS key #" + std::to_string(position);
  std::optional<std::string> kid = StringMember(obj, "kid");
  if (!kid || kid->empty()) return Malformed(where + " has no kid");
  if (obj.contains("d")) return Malformed(where + " contains a private key");
  std::optional<std::string> use = StringMember(obj, "use");
  if (obj.contains("use") && use != "sig") {
    return Malformed(where + " is not a signature key (use)");
  }
  std::optional<std::string> alg = StringMember(obj, "alg");
  if (obj.contains("alg") && alg != "EdDSA") {
    return Malformed(where + " is not an EdDSA key (alg)");
  }
  std::optional<std::string> x = StringMember(obj, "x");
  if (!x) return Malformed(where + " has no x");
  Result<std::string> raw = Base64UrlDecode(*x);
  if (!raw.ok() || raw->size() != kEd25519PublicKeyBytes) {
    return Malformed(where + " has an x that is not a 32-byte base64url key");
  }
  return Jwk{std::move(*kid), std::move(raw).value()};
}

}  // namespace

Status Jwks::Add(Jwk key) {
  if (key.kid.empty()) return InvalidArgument("a JWK needs a kid");
  if (key.public_key.size() != kEd25519PublicKeyBytes) {
    return InvalidArgument("an Ed25519 public key is 32 bytes");
  }
  if (const Jwk* existing = Find(key.kid)) {
    if (existing->public_key == key.public_key) return Status::Ok();
    return Conflict("kid " + key.kid + " already names another key");
  }
  keys_.push_back(std::move(key));
  return Status::Ok();
}

Status Jwks::AddPublicOf(const SigningKey& key) {
  return Add(Jwk{key.kid(), key.public_key()});
}

const Jwk* Jwks::Find(std::string_view kid) const {
  for (const Jwk& k : keys_) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

std::string Jwks::ToJson() const {
  boost::json::array keys;
  for (const Jwk& k : keys_) {
    keys.push_back(boost::json::object{{"kty", "OKP"},
                                       {"crv", "Ed25519"},
                                       {"kid", k.kid},
                                       {"x", Base64UrlEncode(k.public_key)},
                                       {"use", "sig"},
                                       {"alg", "EdDSA"}});
  }
  return boost::json::serialize(boost::json::object{{"keys", std::move(keys)}});
}

Result<Jwks> Jwks::Parse(std::string_view json) {
  CITYID_ASSIGN_OR_RETURN(boost::json::object doc,
                          internal::ParseObject(json, "JWKS"));
  const boost::json::value* keys = doc.if_contains("keys");
  if (keys == nullptr || !keys->is_array())
    return Malformed("JWKS has no \"keys\" array");
  Jwks out;
  size_t position = 0;
  for (const boost::json::value& v : keys->get_array()) {
    ++position;
    if (!v.is_object())
      return Malformed("JWKS key #" + std::to_string(position) +
                       " is not an object");
    const boost::json::object& obj = v.get_object();
    if (StringMember(obj, "kty") != "OKP" ||
        StringMember(obj, "crv") != "Ed25519") {
      continue;  // another key type: not ours to judge
    }
    CITYID_ASSIGN_OR_RETURN(Jwk jwk, ParseEd25519Jwk(obj, position));
    if (out.Find(jwk.kid) != nullptr)
      return Conflict("JWKS repeats kid " + jwk.kid);
    CITYID_RETURN_IF_ERROR(out.Add(std::move(jwk)));
  }
  return out;
}

}  // namespace cityid::statuslist
