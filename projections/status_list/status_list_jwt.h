// The standard form: an IETF OAuth Token Status List token
// (draft-ietf-oauth-status-list, "Status List Token in JWT Format"), signed
// with Ed25519 as a JWS compact serialization:
//   header  {"alg":"EdDSA","typ":"statuslist+jwt","kid":"<thumbprint>"}
//   payload {"sub":"<list URL>","iat":..,"exp":..,"ttl":..,
//            "status_list":{"bits":2,"lst":"<base64url(zlib(packed))>"}}
// A verifier that implements the draft needs nothing of cityid's to read it.
//
// Stateless free functions; safe from any thread.
#ifndef CITYID_PROJECTIONS_STATUS_LIST_STATUS_LIST_JWT_H_
#define CITYID_PROJECTIONS_STATUS_LIST_STATUS_LIST_JWT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "projections/status_list/ed25519.h"
#include "projections/status_list/jwks.h"
#include "projections/status_list/status_array.h"

namespace cityid::statuslist {

inline constexpr std::string_view kStatusListJwtType = "statuslist+jwt";
// Largest JWT text the verifier reads (a full 2^26-entry list of random
// statuses compresses to well under this).
inline constexpr size_t kMaxJwtBytes = 32u << 20;

// `lst`: base64url (no padding) of the ZLIB/DEFLATE stream (best compression)
// of a draft-packed byte array. kInternal only if zlib fails.
Result<std::string> EncodeLst(std::string_view packed);
// Inverse of EncodeLst: the packed bytes. kMalformed for bad base64url or a
// bad ZLIB stream; kTooLarge when more than `max_bytes` would come out.
Result<std::string> DecodeLst(std::string_view lst, size_t max_bytes);

struct JwtClaims {
  std::string sub;  // the list's URL
  int64_t iat = 0;  // issued at, seconds since the Unix epoch
  int64_t exp = 0;  // expires at (exclusive), seconds since the Unix epoch
  int64_t ttl = 0;  // seconds a verifier may cache the list; 0 omits "ttl"
};

// Signs `statuses` (bits = 2) as a status list token. kInvalidArgument when
// sub is empty or exp <= iat; kInternal if zlib fails.
Result<std::string> EncodeStatusListJwt(const StatusArray& statuses,
                                        const JwtClaims& claims,
                                        const SigningKey& key);

struct VerifiedJwt {
  std::string kid;
  JwtClaims claims;
  StatusArray statuses;  // size = 4 x the packed bytes, as the draft defines
};

// Verifies and decodes a status list token, in this order:
//   kMalformed          not three base64url parts, header/payload not JSON
//                       objects, typ not "statuslist+jwt", alg not "EdDSA"
//                       (so "none" and MAC algorithms are refused), `crit`
//                       present, no kid, signature not 64 bytes;
//   kUnauthenticated    kid not in `keys`, or the signature does not verify;
//   kMalformed          missing sub/iat/exp, iat > exp, no status_list, bits
//                       other than 2, undecodable lst;
//   kTooLarge           input over kMaxJwtBytes or list over kMaxListEntries;
//   kPreconditionFailed the list has expired: now >= exp.
Result<VerifiedJwt> VerifyStatusListJwt(std::string_view jwt, const Jwks& keys,
                                        Micros now);

// RFC 3339 form of a JWT NumericDate for messages ("1234 s" when out of
// the representable range).
std::string FormatUnixSeconds(int64_t seconds);

}  // namespace cityid::statuslist

#endif  // CITYID_PROJECTIONS_STATUS_LIST_STATUS_LIST_JWT_H_
