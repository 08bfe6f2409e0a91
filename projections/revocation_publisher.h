// StatusListPublisher: turns the Revocations projection's committed lists
// into the signed documents `GET /v1/status-lists/{list}` serves (SPEC §5),
// and caches them so a burst of verifiers costs one signature.
//
//   kJwt      the IETF Token Status List token (application/statuslist+jwt):
//             sub = base_url + "/v1/status-lists/<id>", iat = now, exp = iat
//             + lifetime, ttl; the standard form
//   kCompact  the compact form (application/vnd.cityid.status+bin)
//   kDelta    a signed delta from a version to the current one
//             (application/vnd.cityid.status-delta+bin); when no delta can
//             say it (too old, unknown, or already current) the full compact
//             list is returned instead, so a verifier always gets something
//             it can verify and apply
//
// Caching: one signed output per (list, form, since), reused while the list
// version and the signing key are unchanged and the output is younger than
// lifetime / 2, so every list served keeps at least half its lifetime. Two
// threads missing the cache at once build it once (builds are serialized).
// The ETag names everything that makes the bytes: form, list, version,
// since, iat and kid; equal ETags mean equal bytes.
//
// Threading: every call is safe from any thread. The publisher borrows the
// projection, the keys and the clock; they must outlive it.
#ifndef CITYID_PROJECTIONS_REVOCATION_PUBLISHER_H_
#define CITYID_PROJECTIONS_REVOCATION_PUBLISHER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "base/clock.h"
#include "base/status.h"
#include "projections/revocation_keys.h"
#include "projections/revocations.h"

namespace cityid {

inline constexpr std::string_view kStatusListJwtMediaType =
    "application/statuslist+jwt";
inline constexpr std::string_view kStatusDeltaMediaType =
    "application/vnd.cityid.status-delta+bin";

enum class PublishedForm { kJwt, kCompact, kDelta };

struct PublisherOptions {
  // The revocations service's public base URL, without a trailing slash.
  std::string base_url = "http://127.0.0.1:8082";
  int64_t ttl_seconds = 300;         // JWT `ttl` and Cache-Control max-age
  int64_t lifetime_seconds = 86400;  // exp - iat of every signed output
  size_t max_cached_deltas = 1024;   // beyond: the delta cache is emptied
};

struct SignedOutput {
  PublishedForm form = PublishedForm::kJwt;
  std::string list_id;
  uint64_t version = 0;  // the list's (for a delta: the version it reaches)
  uint64_t since = 0;    // a delta's from-version; 0 otherwise
  std::string kid;
  int64_t iat = 0;  // Unix seconds
  int64_t exp = 0;
  std::string content_type;
  std::string etag;  // a quoted strong entity tag
  std::string body;
};

class StatusListPublisher {
 public:
  // kInvalidArgument for ttl <= 0, lifetime <= 0 or an empty base_url.
  static Result<std::unique_ptr<StatusListPublisher>> Create(
      const Revocations* revocations, RevocationKeys* keys, const Clock* clock,
      PublisherOptions options);

  // The list signed in `form` (kJwt or kCompact). kNotFound for an unknown
  // list; kUnavailable / kCorruption when the store fails; kInternal when
  // encoding fails.
  Result<std::shared_ptr<const SignedOutput>> Full(std::string_view list_id,
                                                   PublishedForm form);
  // The signed delta since `since`, or the full compact list (see above).
  // Errors as Full().
  Result<std::shared_ptr<const SignedOutput>> Since(std::string_view list_id,
                                                    uint64_t since);
  // The published JWKS (current key and retired keys still needed).
  std::string JwksJson();

  // Seconds a cache may keep `output` at `now`: min(ttl, exp - now), >= 0.
  int64_t MaxAgeSeconds(const SignedOutput& output, Micros now) const;

  const PublisherOptions& options() const { return options_; }
  const Clock* clock() const { return clock_; }
  // Documents signed and answers served from the cache, since construction.
  uint64_t signatures() const { return signatures_.load(); }
  uint64_t cache_hits() const { return cache_hits_.load(); }

 private:
  using Key = std::tuple<std::string, PublishedForm, uint64_t>;

  StatusListPublisher(const Revocations* revocations, RevocationKeys* keys,
                      const Clock* clock, PublisherOptions options)
      : revocations_(revocations),
        keys_(keys),
        clock_(clock),
        options_(std::move(options)) {}

  std::shared_ptr<const KeySet> CurrentKeys(Micros now);
  std::shared_ptr<const SignedOutput> Cached(const Key& key, uint64_t version,
                                             const std::string& kid,
                                             Micros now);
  void Store(const Key& key, std::shared_ptr<const SignedOutput> output);
  Result<std::shared_ptr<const SignedOutput>> BuildFull(
      std::string_view list_id, PublishedForm form, const KeySet& keys,
      Micros now);
  // nullptr when no delta can say it.
  Result<std::shared_ptr<const SignedOutput>> BuildDelta(
      std::string_view list_id, uint64_t since, const KeySet& keys, Micros now);

  const Revocations* revocations_;
  RevocationKeys* keys_;
  const Clock* clock_;
  const PublisherOptions options_;

  std::mutex build_mu_;  // serializes builds (one signature per burst)
  std::mutex cache_mu_;
  std::map<Key, std::shared_ptr<const SignedOutput>> cache_;  // cache_mu_
  size_t cached_deltas_ = 0;                                  // cache_mu_
  std::atomic<uint64_t> signatures_{0};
  std::atomic<uint64_t> cache_hits_{0};
};

}  // namespace cityid

#endif  // CITYID_PROJECTIONS_REVOCATION_PUBLISHER_H_
