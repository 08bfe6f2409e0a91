// Verifier: what a bank, clinic or landlord embeds to check cards offline.
// It holds the issuer's keys (JWKS), loads a status list in either form
// (the standard JWT or the compact bytes, told apart automatically),
// checks its signature and expiry, keeps compact lists current with
// signed deltas, and answers "what is the status of index i?" in O(1).
//
//   CITYID_ASSIGN_OR_RETURN(Verifier v, Verifier::FromJwksJson(jwks_json));
//   CITYID_ASSIGN_OR_RETURN(LoadedList list, v.Load(list_bytes, clock.Now()));
//   Result<EntryStatus> s = list.Lookup(index, clock.Now());
//   // s.ok(): valid / revoked / suspended; otherwise "unverifiable", and
//   // s.status().message() says why (for `cityid verify`: exit 3).
//
// Error classes (every failure is "unverifiable" to a caller):
//   kMalformed          not a status list, truncated, corrupt, wrong typ/alg,
//                       or (Lookup) the entry holds the reserved value 3;
//   kTooLarge           over the size limits (kMaxListEntries, kMaxJwtBytes);
//   kUnauthenticated    the signing key is not in the JWKS, or a bad signature;
//   kPreconditionFailed the list has expired (now >= exp);
//   kConflict           (ApplyDelta) the delta is for another list or version;
//   kInvalidArgument    (Lookup) the index is outside the list.
//
// Ownership and threading: Verifier and LoadedList are value types. Const
// calls (Load, Lookup) are safe from many threads at once; ApplyDelta
// mutates its LoadedList and needs exclusive access to it.
#ifndef CITYID_PROJECTIONS_STATUS_LIST_VERIFIER_H_
#define CITYID_PROJECTIONS_STATUS_LIST_VERIFIER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "projections/status_list/compact_list.h"
#include "projections/status_list/jwks.h"
#include "projections/status_list/status_array.h"

namespace cityid::statuslist {

enum class ListForm { kStandardJwt, kCompact };

class LoadedList {
 public:
  ListForm form() const { return form_; }
  // The key that signed the full list as loaded (deltas do not change it).
  const std::string& kid() const { return kid_; }
  // JWT `sub` (the list's URL); empty for a compact list.
  const std::string& subject() const { return subject_; }
  // JWT `ttl` in seconds; 0 when absent or compact.
  int64_t ttl() const { return ttl_; }
  // list_id and version come from a compact list; both 0 for a JWT.
  uint64_t list_id() const { return list_.list_id; }
  uint64_t version() const { return list_.version; }
  int64_t iat() const { return list_.iat; }
  int64_t exp() const { return list_.exp; }
  uint32_t size() const { return list_.statuses.size(); }
  const StatusList& list() const { return list_; }

  // The status of entry `index` as of `now`. kInvalidArgument when
  // index >= size(), kPreconditionFailed when the list has expired,
  // kMalformed when the entry holds the reserved value 3.
  Result<EntryStatus> Lookup(uint64_t index, Micros now) const;

 private:
  friend class Verifier;

  ListForm form_ = ListForm::kCompact;
  std::string kid_;
  std::string subject_;
  int64_t ttl_ = 0;
  StatusList list_;
};

class Verifier {
 public:
  explicit Verifier(Jwks keys) : keys_(std::move(keys)) {}
  // kMalformed / kConflict as Jwks::Parse; kInvalidArgument when the set
  // holds no Ed25519 key.
  static Result<Verifier> FromJwksJson(std::string_view jwks_json);

  // Loads a full list: compact when `bytes` starts with the compact magic,
  // otherwise a status list JWT (surrounding whitespace ignored). Errors as
  // in the file comment; a delta given here is kMalformed.
  Result<LoadedList> Load(std::string_view bytes, Micros now) const;

  // Verifies a compact delta and applies it to a compact-loaded `list`, all
  // or nothing. kConflict when `list` came from a JWT (it carries no
  // version) or the delta is for another list or version.
  Status ApplyDelta(std::string_view delta_bytes, Micros now,
                    LoadedList* list) const;

  const Jwks& keys() const { return keys_; }

 private:
  Jwks keys_;
};

}  // namespace cityid::statuslist

#endif  // CITYID_PROJECTIONS_STATUS_LIST_VERIFIER_H_
