// Jwks: a JSON Web Key Set (RFC 7517) of Ed25519 verification keys
// (RFC 8037: "kty":"OKP","crv":"Ed25519"), as served by
// `GET /v1/keys`:
//   {"keys":[{"kty":"OKP","crv":"Ed25519","kid":"...","x":"<base64url>",
//             "use":"sig","alg":"EdDSA"}]}
// During key rotation a set holds several keys; a list names its key by kid.
//
// Ownership and threading: a value type; concurrent const calls are safe.
#ifndef CITYID_PROJECTIONS_STATUS_LIST_JWKS_H_
#define CITYID_PROJECTIONS_STATUS_LIST_JWKS_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "projections/status_list/ed25519.h"

namespace cityid::statuslist {

struct Jwk {
  std::string kid;
  std::string public_key;  // raw 32 bytes
};

class Jwks {
 public:
  Jwks() = default;

  // Adds a key; returns kConflict when `kid` is already present with a
  // different key and kInvalidArgument when the key is not 32 bytes or the
  // kid is empty. Adding the same (kid, key) twice is a no-op.
  Status Add(Jwk key);
  // Adds `key`'s public half under its thumbprint kid.
  Status AddPublicOf(const SigningKey& key);

  // The key named `kid`, or nullptr.
  const Jwk* Find(std::string_view kid) const;
  const std::vector<Jwk>& keys() const { return keys_; }

  // The JWKS document above, keys in insertion order.
  std::string ToJson() const;

  // Parses a JWKS document. Keys of other types (RSA, EC, X25519, ...) are
  // skipped, as RFC 7517 §5 allows. Returns kMalformed when the document is
  // not a JWKS, an OKP/Ed25519 key lacks a kid or a 32-byte `x`, carries a
  // private part (`d`), or says `use` other than "sig" / `alg` other than
  // "EdDSA"; kConflict when two keys share a kid.
  static Result<Jwks> Parse(std::string_view json);

 private:
  std::vector<Jwk> keys_;
};

}  // namespace cityid::statuslist

#endif  // CITYID_PROJECTIONS_STATUS_LIST_JWKS_H_
