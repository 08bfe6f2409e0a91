#include "projections/revocation_publisher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "projections/status_list/compact_list.h"
#include "projections/status_list/status_delta.h"
#include "projections/status_list/status_list_jwt.h"

namespace cityid {
namespace sl = statuslist;
namespace {

std::string_view FormTag(PublishedForm form) {
  switch (form) {
    case PublishedForm::kJwt:
      return "jwt";
    case PublishedForm::kCompact:
      return "bin";
    case PublishedForm::kDelta:
      return "delta";
  }
  return "?";
}

// Fills the fields every output shares and its ETag.
std::shared_ptr<SignedOutput> NewOutput(PublishedForm form,
                                        std::string_view list_id,
                                        uint64_t version, uint64_t since,
                                        const sl::SigningKey& key, int64_t iat,
                                        int64_t exp) {
  auto out = std::make_shared<SignedOutput>();
  out->form = form;
  out->list_id = std::string(list_id);
  out->version = version;
  out->since = since;
  out->kid = key.kid();
  out->iat = iat;
  out->exp = exp;
  out->content_type =
      std::string(form == PublishedForm::kJwt       ? kStatusListJwtMediaType
                  : form == PublishedForm::kCompact ? sl::kCompactMediaType
                                                    : kStatusDeltaMediaType);
  out->etag =
      "\"" + std::string(FormTag(form)) + "-" + out->list_id + "-" +
      std::to_string(version) +
      (form == PublishedForm::kDelta ? "-" + std::to_string(since) : "") + "-" +
      std::to_string(iat) + "-" + out->kid + "\"";
  return out;
}

bool DeltaFits(const ListChanges& c) {
  const size_t half = c.size / 2;
  return c.became_valid.size() <= half && c.became_revoked.size() <= half &&
         c.became_suspended.size() <= half;
}

}  // namespace

Result<std::unique_ptr<StatusListPublisher>> StatusListPublisher::Create(
    const Revocations* revocations, RevocationKeys* keys, const Clock* clock,
    PublisherOptions options) {
  if (options.ttl_seconds <= 0 || options.lifetime_seconds <= 0)
    return InvalidArgument("status list ttl and lifetime must be positive");
  if (options.base_url.empty())
    return InvalidArgument("the revocations service needs its public URL");
  while (!options.base_url.empty() && options.base_url.back() == '/')
    options.base_url.pop_back();
  return std::unique_ptr<StatusListPublisher>(
      new StatusListPublisher(revocations, keys, clock, std::move(options)));
}

std::shared_ptr<const KeySet> StatusListPublisher::CurrentKeys(Micros now) {
  if (Status s = keys_->MaybeReload(now); !s.ok()) {
    spdlog::warn("status list keys not reloaded, still using the old ones: {}",
                 s.ToString());
  }
  return keys_->keys();
}

std::shared_ptr<const SignedOutput> StatusListPublisher::Cached(
    const Key& key, uint64_t version, const std::string& kid, Micros now) {
  std::lock_guard<std::mutex> lock(cache_mu_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  const SignedOutput& out = *it->second;
  const int64_t now_s = now / kMicrosPerSecond;
  const int64_t refresh_at = out.iat + options_.lifetime_seconds / 2;
  if (out.version != version || out.kid != kid || now_s >= refresh_at ||
      now_s >= out.exp) {
    return nullptr;
  }
  ++cache_hits_;
  return it->second;
}

void StatusListPublisher::Store(const Key& key,
                                std::shared_ptr<const SignedOutput> output) {
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (std::get<1>(key) == PublishedForm::kDelta) {
    if (cached_deltas_ >= options_.max_cached_deltas) {
      std::erase_if(cache_, [](const auto& kv) {
        return std::get<1>(kv.first) == PublishedForm::kDelta;
      });
      cached_deltas_ = 0;
    }
    if (!cache_.count(key)) ++cached_deltas_;
  }
  cache_[key] = std::move(output);
}

Result<std::shared_ptr<const SignedOutput>> StatusListPublisher::Full(
    std::string_view list_id, PublishedForm form) {
  if (form == PublishedForm::kDelta)
    return InvalidArgument("a full list is kJwt or kCompact");
  const Micros now = clock_->Now();
  std::shared_ptr<const KeySet> keys = CurrentKeys(now);
  CITYID_ASSIGN_OR_RETURN(uint64_t version, revocations_->ListVersion(list_id));
  const Key key{std::string(list_id), form, 0};
  if (auto hit = Cached(key, version, keys->current.kid(), now)) return hit;
  std::lock_guard<std::mutex> build(build_mu_);
  if (auto hit = Cached(key, version, keys->current.kid(), now)) return hit;
  CITYID_ASSIGN_OR_RETURN(std::shared_ptr<const SignedOutput> out,
                          BuildFull(list_id, form, *keys, now));
  Store(key, out);
  return out;
}

Result<std::shared_ptr<const SignedOutput>> StatusListPublisher::Since(
    std::string_view list_id, uint64_t since) {
  const Micros now = clock_->Now();
  std::shared_ptr<const KeySet> keys = CurrentKeys(now);
  CITYID_ASSIGN_OR_RETURN(uint64_t version, revocations_->ListVersion(list_id));
  if (since == 0 || since >= version)
    return Full(list_id, PublishedForm::kCompact);
  const Key key{std::string(list_id), PublishedForm::kDelta, since};
  if (auto hit = Cached(key, version, keys->current.kid(), now)) return hit;
  std::shared_ptr<const SignedOutput> out;
  {
    std::lock_guard<std::mutex> build(build_mu_);
    if (auto hit = Cached(key, version, keys->current.kid(), now)) return hit;
    CITYID_ASSIGN_OR_RETURN(out, BuildDelta(list_id, since, *keys, now));
    if (out) Store(key, out);
  }
  if (!out) return Full(list_id, PublishedForm::kCompact);
  return out;
}

Result<std::shared_ptr<const SignedOutput>> StatusListPublisher::BuildFull(
    std::string_view list_id, PublishedForm form, const KeySet& keys,
    Micros now) {
  CITYID_ASSIGN_OR_RETURN(ListSnapshot list, revocations_->ReadList(list_id));
  const int64_t iat = now / kMicrosPerSecond;
  const int64_t exp = iat + options_.lifetime_seconds;
  std::shared_ptr<SignedOutput> out =
      NewOutput(form, list_id, list.version, 0, keys.current, iat, exp);
  if (form == PublishedForm::kJwt) {
    const sl::JwtClaims claims{
        options_.base_url + "/v1/status-lists/" + list.list_id, iat, exp,
        options_.ttl_seconds};
    CITYID_ASSIGN_OR_RETURN(
        out->body,
        sl::EncodeStatusListJwt(list.statuses, claims, keys.current));
  } else {
    const sl::StatusList compact{list.list_number, list.version, iat, exp,
                                 std::move(list.statuses)};
    CITYID_ASSIGN_OR_RETURN(out->body,
                            sl::EncodeCompactList(compact, keys.current));
  }
  ++signatures_;
  return std::shared_ptr<const SignedOutput>(std::move(out));
}

Result<std::shared_ptr<const SignedOutput>> StatusListPublisher::BuildDelta(
    std::string_view list_id, uint64_t since, const KeySet& keys, Micros now) {
  CITYID_ASSIGN_OR_RETURN(std::optional<ListChanges> changes,
                          revocations_->ChangesSince(list_id, since));
  if (!changes || !DeltaFits(*changes))
    return std::shared_ptr<const SignedOutput>();
  const int64_t iat = now / kMicrosPerSecond;
  const int64_t exp = iat + options_.lifetime_seconds;
  sl::StatusDelta delta;
  delta.list_id = changes->list_number;
  delta.from_version = changes->from_version;
  delta.to_version = changes->to_version;
  delta.iat = iat;
  delta.exp = exp;
  delta.size = changes->size;
  delta.became_valid = std::move(changes->became_valid);
  delta.became_revoked = std::move(changes->became_revoked);
  delta.became_suspended = std::move(changes->became_suspended);
  std::shared_ptr<SignedOutput> out =
      NewOutput(PublishedForm::kDelta, list_id, delta.to_version, since,
                keys.current, iat, exp);
  CITYID_ASSIGN_OR_RETURN(out->body, sl::EncodeDelta(delta, keys.current));
  ++signatures_;
  return std::shared_ptr<const SignedOutput>(std::move(out));
}

std::string StatusListPublisher::JwksJson() {
  const Micros now = clock_->Now();
  return CurrentKeys(now)->Published(now, options_.lifetime_seconds).ToJson();
}

int64_t StatusListPublisher::MaxAgeSeconds(const SignedOutput& output,
                                           Micros now) const {
  const int64_t left = output.exp - now / kMicrosPerSecond;
  return std::max<int64_t>(0, std::min(options_.ttl_seconds, left));
}

}  // namespace cityid
