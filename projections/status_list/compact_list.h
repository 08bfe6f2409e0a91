// The compact form of a status list (`application/vnd.cityid.status+bin`):
// the revoked and the suspended indices as Golomb–Rice-coded sets, a small
// header and an Ed25519 signature. Layout and size analysis: FORMAT.md.
//
// Stateless free functions; safe from any thread.
#ifndef CITYID_PROJECTIONS_STATUS_LIST_COMPACT_LIST_H_
#define CITYID_PROJECTIONS_STATUS_LIST_COMPACT_LIST_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "projections/status_list/ed25519.h"
#include "projections/status_list/jwks.h"
#include "projections/status_list/status_array.h"

namespace cityid::statuslist {

inline constexpr std::string_view kCompactMediaType =
    "application/vnd.cityid.status+bin";

// One version of one list, as the issuer built it or a verifier decoded it.
struct StatusList {
  uint64_t list_id = 0;
  uint64_t version = 0;  // grows with every change of the list
  int64_t iat = 0;       // issued at, seconds since the Unix epoch
  int64_t exp = 0;       // expires at (exclusive), seconds since the Unix epoch
  StatusArray statuses;

  bool operator==(const StatusList& other) const = default;
};

// Signs `list` in the compact form. kInvalidArgument when exp <= iat, the
// list is empty, or an entry holds the reserved value 3.
Result<std::string> EncodeCompactList(const StatusList& list,
                                      const SigningKey& key);

// Verifies and decodes, in this order:
//   kMalformed / kTooLarge  bad magic, version, kind (a delta is refused here),
//                           truncated header or signature;
//   kUnauthenticated        kid not in `keys`, or the signature fails;
//   kMalformed / kTooLarge  inconsistent header, size > kMaxListEntries,
//                           truncated or over-long coded sets, an index both
//                           revoked and suspended, non-zero padding;
//   kPreconditionFailed     now >= exp.
// Garbage never crashes the decoder, and memory use is bounded by the input
// size plus size / 4 bytes for the result.
Result<StatusList> VerifyCompactList(std::string_view bytes, const Jwks& keys,
                                     Micros now);

// As VerifyCompactList without the signature and expiry checks: for tools
// and tests only. A verifier must never trust its output.
Result<StatusList> DecodeCompactListUnverified(std::string_view bytes);

// Header facts of a compact list, without checking the signature.
struct CompactListInfo {
  std::string kid;
  uint64_t list_id = 0;
  uint64_t version = 0;
  int64_t iat = 0;
  int64_t exp = 0;
  uint32_t size = 0;
  uint32_t revoked = 0;
  uint32_t suspended = 0;
  size_t payload_bytes = 0;  // the two coded sets, padded to a byte
  size_t total_bytes = 0;    // header + payload + signature
};
Result<CompactListInfo> InspectCompactList(std::string_view bytes);

}  // namespace cityid::statuslist

#endif  // CITYID_PROJECTIONS_STATUS_LIST_COMPACT_LIST_H_
