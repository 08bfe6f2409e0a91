#include "projections/status_list/status_delta.h"

#include <array>
#include <utility>

#include "projections/status_list/bit_io.h"
#include "projections/status_list/compact_envelope.h"
#include "projections/status_list/rice_set.h"

namespace cityid::statuslist {
namespace {

using internal::ByteReader;
using internal::ByteWriter;

// The three sets with the status each one assigns.
std::array<std::pair<const std::vector<uint32_t>*, uint8_t>, 3> Sets(
    const StatusDelta& d) {
  return {
      {{&d.became_valid, 0}, {&d.became_revoked, 1}, {&d.became_suspended, 2}}};
}

bool SortedBelow(const std::vector<uint32_t>& v, uint32_t size) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] >= size || (i > 0 && v[i - 1] >= v[i])) return false;
  }
  return true;
}

bool Disjoint(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) return false;
    a[i] < b[j] ? ++i : ++j;
  }
  return true;
}

// The invariants of StatusDelta; `fail` builds the error (InvalidArgument
// when encoding, Malformed when decoding).
Status CheckDelta(const StatusDelta& d, Status (*fail)(std::string)) {
  if (d.to_version <= d.from_version)
    return fail("delta must go to a later version");
  if (d.exp <= d.iat) return fail("delta expires before it is issued");
  if (d.size == 0 || d.size > kMaxListEntries)
    return fail("delta list size out of range");
  for (const auto& [set, status] : Sets(d)) {
    if (!SortedBelow(*set, d.size))
      return fail("delta set is not sorted within the list");
    if (CodesComplement(d.size, static_cast<uint32_t>(set->size()))) {
      return fail("delta set exceeds half the list; send the full list");
    }
  }
  if (!Disjoint(d.became_valid, d.became_revoked) ||
      !Disjoint(d.became_valid, d.became_suspended) ||
      !Disjoint(d.became_revoked, d.became_suspended)) {
    return fail("delta gives one entry two statuses");
  }
  return Status::Ok();
}

Status MalformedStatus(std::string m) { return Malformed(std::move(m)); }
Status InvalidStatus(std::string m) { return InvalidArgument(std::move(m)); }

Result<StatusDelta> ParseDeltaBody(std::string_view body) {
  ByteReader in(body);
  StatusDelta d;
  std::array<uint32_t, 3> counts{};
  uint32_t payload_len = 0;
  std::string_view payload;
  if (!in.U64(&d.list_id) || !in.U64(&d.from_version) ||
      !in.U64(&d.to_version) || !in.I64(&d.iat) || !in.I64(&d.exp) ||
      !in.U32(&d.size) || !in.U32(&counts[0]) || !in.U32(&counts[1]) ||
      !in.U32(&counts[2]) || !in.U32(&payload_len)) {
    return Malformed("delta is truncated (header)");
  }
  if (d.size > kMaxListEntries)
    return TooLarge("delta list size exceeds the limit");
  if (payload_len != in.remaining() || !in.Bytes(payload_len, &payload)) {
    return Malformed("delta payload length does not match its bytes");
  }
  BitReader bits(payload);
  std::array<std::vector<uint32_t>*, 3> sets = {
      &d.became_valid, &d.became_revoked, &d.became_suspended};
  for (size_t i = 0; i < 3; ++i) {
    if (CodesComplement(d.size, counts[i])) {
      return Malformed("delta set exceeds half the list");
    }
    CITYID_ASSIGN_OR_RETURN(CodedSet set, DecodeSet(&bits, d.size, counts[i]));
    *sets[i] = std::move(set.coded);
  }
  uint64_t rest = 0;
  if (bits.bits_left() >= 8 ||
      !bits.ReadBits(static_cast<unsigned>(bits.bits_left()), &rest) ||
      rest != 0) {
    return Malformed("delta sets are followed by unexpected bits");
  }
  CITYID_RETURN_IF_ERROR(CheckDelta(d, &MalformedStatus));
  return d;
}

}  // namespace

Result<StatusDelta> DiffLists(const StatusList& from, const StatusList& to) {
  if (from.list_id != to.list_id ||
      from.statuses.size() != to.statuses.size()) {
    return InvalidArgument("a delta joins two versions of the same list");
  }
  if (to.version <= from.version)
    return InvalidArgument("a delta goes to a later version");
  StatusDelta d{from.list_id,         from.version, to.version, to.iat, to.exp,
                from.statuses.size(), {},           {},         {}};
  const std::string& a = from.statuses.packed();
  const std::string& b = to.statuses.packed();
  for (size_t byte = 0; byte < a.size(); ++byte) {
    if (a[byte] == b[byte]) continue;
    const auto first = static_cast<uint32_t>(byte * 4);
    for (uint32_t i = first; i < first + 4 && i < d.size; ++i) {
      const uint8_t now = to.statuses.Get(i);
      if (now == from.statuses.Get(i)) continue;
      if (now == 3)
        return InvalidArgument("status list holds the reserved value 3");
      (now == 0   ? d.became_valid
       : now == 1 ? d.became_revoked
                  : d.became_suspended)
          .push_back(i);
    }
  }
  return d;
}

Result<std::string> EncodeDelta(const StatusDelta& delta,
                                const SigningKey& key) {
  CITYID_RETURN_IF_ERROR(CheckDelta(delta, &InvalidStatus));
  BitWriter bits;
  for (const auto& [set, status] : Sets(delta))
    EncodeSet(*set, delta.size, &bits);
  const std::string payload = bits.Finish();
  ByteWriter body;
  body.U64(delta.list_id);
  body.U64(delta.from_version);
  body.U64(delta.to_version);
  body.I64(delta.iat);
  body.I64(delta.exp);
  body.U32(delta.size);
  for (const auto& [set, status] : Sets(delta))
    body.U32(static_cast<uint32_t>(set->size()));
  body.U32(static_cast<uint32_t>(payload.size()));
  body.Bytes(payload);
  return internal::SealEnvelope(internal::kKindDelta, body.Take(), key);
}

Result<StatusDelta> VerifyDelta(std::string_view bytes, const Jwks& keys,
                                Micros now) {
  CITYID_ASSIGN_OR_RETURN(internal::Envelope envelope,
                          internal::OpenEnvelope(bytes));
  CITYID_RETURN_IF_ERROR(internal::CheckEnvelopeSignature(envelope, keys));
  CITYID_ASSIGN_OR_RETURN(StatusDelta delta, DecodeDeltaUnverified(bytes));
  CITYID_RETURN_IF_ERROR(internal::CheckNotExpired(delta.exp, now));
  return delta;
}

Result<StatusDelta> DecodeDeltaUnverified(std::string_view bytes) {
  CITYID_ASSIGN_OR_RETURN(internal::Envelope envelope,
                          internal::OpenEnvelope(bytes));
  if (envelope.kind != internal::kKindDelta) {
    return Malformed("compact bytes hold a full status list, not a delta");
  }
  return ParseDeltaBody(envelope.body);
}

Status ApplyDelta(const StatusDelta& delta, StatusList* list) {
  CITYID_RETURN_IF_ERROR(CheckDelta(delta, &InvalidStatus));
  if (list->list_id != delta.list_id || list->statuses.size() != delta.size) {
    return Conflict("delta is for list " + std::to_string(delta.list_id) +
                    " of " + std::to_string(delta.size) +
                    " entries, not list " + std::to_string(list->list_id) +
                    " of " + std::to_string(list->statuses.size()));
  }
  if (list->version != delta.from_version) {
    return Conflict(
        "delta applies to version " + std::to_string(delta.from_version) +
        ", the list is at version " + std::to_string(list->version));
  }
  for (const auto& [set, status] : Sets(delta)) {
    for (uint32_t i : *set) {
      if (i >= delta.size || list->statuses.Get(i) == status) {
        return Conflict("delta does not match the list at entry " +
                        std::to_string(i));
      }
    }
  }
  for (const auto& [set, status] : Sets(delta)) {
    for (uint32_t i : *set) list->statuses.Set(i, status);
  }
  list->version = delta.to_version;
  list->iat = delta.iat;
  list->exp = delta.exp;
  return Status::Ok();
}

}  // namespace cityid::statuslist
