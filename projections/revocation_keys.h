// RevocationKeys: the status-list signing key of `cityid project
// revocations` and the public keys it publishes (SPEC §4, §5: `GET /v1/keys`).
//
// Files (under the keys directory):
//   statuslist.pem           the current Ed25519 signing key, PKCS#8 PEM,
//                            mode 0600
//   statuslist.retired.json  the public halves of the keys it replaced:
//     {"keys":[{"kty":"OKP","crv":"Ed25519","kid":"...","x":"<base64url>",
//               "retired_at":<Unix seconds>}, ...]}
//
// Rotation keeps old keys verifiable: a list signed with a key can still be
// in use until its `exp`, so a retired key stays in the published JWKS while
// now < retired_at + max list lifetime + kRetiredKeySlack (the slack covers a
// service that notices the rotation up to RevocationKeys::kReloadInterval
// late and signs with the old key meanwhile).
//
// Threading: RevocationKeys is safe from any thread: Current() and
// Published() read an immutable key set that MaybeReload() swaps under a
// mutex.
#ifndef CITYID_PROJECTIONS_REVOCATION_KEYS_H_
#define CITYID_PROJECTIONS_REVOCATION_KEYS_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "projections/status_list/ed25519.h"
#include "projections/status_list/jwks.h"

namespace cityid {

inline constexpr int64_t kRetiredKeySlackSeconds = 60;

struct RetiredKey {
  statuslist::Jwk key;
  int64_t retired_at = 0;  // Unix seconds
  bool operator==(const RetiredKey& o) const {
    return key.kid == o.key.kid && key.public_key == o.key.public_key &&
           retired_at == o.retired_at;
  }
};

// The retired-keys file that goes with a key file: "x.pem" ->
// "x.retired.json" (any other name: name + ".retired.json").
std::string RetiredKeysFileFor(const std::string& key_file);

// The retired-keys document, and its parser: kMalformed for anything but the
// shape above (a bad kid, an x that is not 32 bytes, a missing retired_at).
std::string RetiredKeysToJson(const std::vector<RetiredKey>& keys);
Result<std::vector<RetiredKey>> ParseRetiredKeys(std::string_view json);

// Loads the key at `path`, or generates one and saves it (mode 0600) when the
// file does not exist; `created` (optional) says which. kUnavailable /
// kMalformed when the file cannot be read or is not an Ed25519 PEM key.
Result<statuslist::SigningKey> LoadOrCreateSigningKey(const std::string& path,
                                                      bool* created = nullptr);

// Rotates: appends the current key's public half to the retired file with
// retired_at = now, then replaces the key file with a fresh key (each file
// written to a temporary name and renamed). Returns the new key.
Result<statuslist::SigningKey> RotateSigningKey(const std::string& key_file,
                                                Micros now);

// The current key plus the retired ones, as a value.
struct KeySet {
  statuslist::SigningKey current;
  std::vector<RetiredKey> retired;

  // The current key, then each retired key still needed at `now` for lists
  // that live at most `max_lifetime_seconds`, newest retirement first.
  statuslist::Jwks Published(Micros now, int64_t max_lifetime_seconds) const;
};

class RevocationKeys {
 public:
  static constexpr Micros kReloadInterval = 5 * kMicrosPerSecond;

  // Loads `key_file` (created when missing) and its retired file (absent:
  // none retired). Errors as LoadOrCreateSigningKey and ParseRetiredKeys.
  static Result<std::unique_ptr<RevocationKeys>> Open(
      const std::string& key_file);
  // A fixed key set with no files behind it (tests).
  explicit RevocationKeys(KeySet keys);

  std::shared_ptr<const KeySet> keys() const;
  // At most once per kReloadInterval: re-reads both files when either's
  // modification time changed (a rotation by another process). A failed
  // reload keeps the previous keys and returns why.
  Status MaybeReload(Micros now);

 private:
  RevocationKeys(std::string key_file, KeySet keys);

  const std::string key_file_;  // empty: fixed keys
  mutable std::mutex mu_;
  std::shared_ptr<const KeySet> keys_;  // guarded by mu_
  Micros next_check_ = 0;               // guarded by mu_
  std::string stamp_;                   // guarded by mu_: files' mtimes
};

}  // namespace cityid

#endif  // CITYID_PROJECTIONS_REVOCATION_KEYS_H_
