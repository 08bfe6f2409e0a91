#include "projections/status_list/verifier.h"

#include <utility>

#include "projections/status_list/compact_envelope.h"
#include "projections/status_list/status_delta.h"
#include "projections/status_list/status_list_jwt.h"

namespace cityid::statuslist {
namespace {

std::string_view TrimAsciiSpace(std::string_view s) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<EntryStatus> LoadedList::Lookup(uint64_t index, Micros now) const {
  if (index >= list_.statuses.size()) {
    return InvalidArgument("index " + std::to_string(index) +
                           " is outside the list of " +
                           std::to_string(list_.statuses.size()) + " entries");
  }
  CITYID_RETURN_IF_ERROR(internal::CheckNotExpired(list_.exp, now));
  const uint8_t raw = list_.statuses.Get(static_cast<uint32_t>(index));
  if (raw == 3) {
    return Malformed("entry " + std::to_string(index) +
                     " holds the reserved status 3");
  }
  return static_cast<EntryStatus>(raw);
}

Result<Verifier> Verifier::FromJwksJson(std::string_view jwks_json) {
  CITYID_ASSIGN_OR_RETURN(Jwks keys, Jwks::Parse(jwks_json));
  if (keys.keys().empty())
    return InvalidArgument("the JWKS holds no Ed25519 key");
  return Verifier(std::move(keys));
}

Result<LoadedList> Verifier::Load(std::string_view bytes, Micros now) const {
  LoadedList out;
  if (internal::HasCompactMagic(bytes)) {
    CITYID_ASSIGN_OR_RETURN(internal::Envelope envelope,
                            internal::OpenEnvelope(bytes));
    CITYID_ASSIGN_OR_RETURN(out.list_, VerifyCompactList(bytes, keys_, now));
    out.form_ = ListForm::kCompact;
    out.kid_ = envelope.kid;
    return out;
  }
  CITYID_ASSIGN_OR_RETURN(
      VerifiedJwt jwt, VerifyStatusListJwt(TrimAsciiSpace(bytes), keys_, now));
  out.form_ = ListForm::kStandardJwt;
  out.kid_ = std::move(jwt.kid);
  out.subject_ = std::move(jwt.claims.sub);
  out.ttl_ = jwt.claims.ttl;
  out.list_.iat = jwt.claims.iat;
  out.list_.exp = jwt.claims.exp;
  out.list_.statuses = std::move(jwt.statuses);
  return out;
}

Status Verifier::ApplyDelta(std::string_view delta_bytes, Micros now,
                            LoadedList* list) const {
  if (list->form_ != ListForm::kCompact) {
    return Conflict(
        "deltas apply to compact lists only (a JWT list carries no version)");
  }
  CITYID_ASSIGN_OR_RETURN(StatusDelta delta,
                          VerifyDelta(delta_bytes, keys_, now));
  return statuslist::ApplyDelta(delta, &list->list_);
}

}  // namespace cityid::statuslist
