#include "projections/status_list/compact_list.h"

#include <utility>
#include <vector>

#include "projections/status_list/bit_io.h"
#include "projections/status_list/compact_envelope.h"
#include "projections/status_list/rice_set.h"

namespace cityid::statuslist {
namespace {

using internal::ByteReader;
using internal::ByteWriter;
using internal::Envelope;

struct ListHeader {
  uint64_t list_id = 0;
  uint64_t version = 0;
  int64_t iat = 0;
  int64_t exp = 0;
  uint32_t size = 0;
  uint32_t revoked = 0;
  uint32_t suspended = 0;
  std::string_view payload;
};

// Splits the statuses into sorted revoked and suspended indices in one pass;
// false when an entry holds the reserved value 3.
bool SplitStatuses(const StatusArray& statuses, std::vector<uint32_t>* revoked,
                   std::vector<uint32_t>* suspended) {
  const std::string& packed = statuses.packed();
  for (size_t byte = 0; byte < packed.size(); ++byte) {
    if (packed[byte] == '\0') continue;  // four valid entries
    const auto first = static_cast<uint32_t>(byte * 4);
    for (uint32_t i = first; i < first + 4 && i < statuses.size(); ++i) {
      switch (statuses.Get(i)) {
        case 1:
          revoked->push_back(i);
          break;
        case 2:
          suspended->push_back(i);
          break;
        case 3:
          return false;
        default:
          break;
      }
    }
  }
  return true;
}

Result<ListHeader> ParseListBody(std::string_view body) {
  ByteReader in(body);
  ListHeader h;
  uint32_t payload_len = 0;
  if (!in.U64(&h.list_id) || !in.U64(&h.version) || !in.I64(&h.iat) ||
      !in.I64(&h.exp) || !in.U32(&h.size) || !in.U32(&h.revoked) ||
      !in.U32(&h.suspended) || !in.U32(&payload_len)) {
    return Malformed("compact status list is truncated (list header)");
  }
  if (h.size > kMaxListEntries) {
    return TooLarge("compact status list of " + std::to_string(h.size) +
                    " entries exceeds the limit");
  }
  if (h.size == 0) return Malformed("compact status list is empty");
  if (static_cast<uint64_t>(h.revoked) + h.suspended > h.size) {
    return Malformed("compact status list counts exceed its size");
  }
  if (h.exp <= h.iat)
    return Malformed("compact status list expires before it is issued");
  if (payload_len != in.remaining() || !in.Bytes(payload_len, &h.payload)) {
    return Malformed(
        "compact status list payload length does not match its bytes");
  }
  return h;
}

Status CheckPadding(BitReader* in) {
  uint64_t rest = 0;
  if (in->bits_left() >= 8 ||
      !in->ReadBits(static_cast<unsigned>(in->bits_left()), &rest) ||
      rest != 0) {
    return Malformed("coded sets are followed by unexpected bits");
  }
  return Status::Ok();
}

Result<StatusList> DecodeListPayload(const ListHeader& h) {
  BitReader in(h.payload);
  CITYID_ASSIGN_OR_RETURN(CodedSet revoked, DecodeSet(&in, h.size, h.revoked));
  CITYID_ASSIGN_OR_RETURN(CodedSet suspended,
                          DecodeSet(&in, h.size, h.suspended));
  CITYID_RETURN_IF_ERROR(CheckPadding(&in));
  StatusList list{h.list_id, h.version, h.iat, h.exp, StatusArray(h.size)};
  ForEachMember(revoked, h.size, [&](uint32_t i) { list.statuses.Set(i, 1); });
  bool overlap = false;
  ForEachMember(suspended, h.size, [&](uint32_t i) {
    overlap |= list.statuses.Get(i) != 0;
    list.statuses.Set(i, 2);
  });
  if (overlap) return Malformed("an index is both revoked and suspended");
  return list;
}

Result<ListHeader> OpenList(std::string_view bytes, Envelope* envelope) {
  CITYID_ASSIGN_OR_RETURN(*envelope, internal::OpenEnvelope(bytes));
  if (envelope->kind != internal::kKindList) {
    return Malformed("compact bytes hold a delta, not a full status list");
  }
  return ParseListBody(envelope->body);
}

}  // namespace

Result<std::string> EncodeCompactList(const StatusList& list,
                                      const SigningKey& key) {
  if (list.exp <= list.iat) return InvalidArgument("exp must be after iat");
  if (list.statuses.size() == 0)
    return InvalidArgument("a status list needs entries");
  std::vector<uint32_t> revoked;
  std::vector<uint32_t> suspended;
  if (!SplitStatuses(list.statuses, &revoked, &suspended)) {
    return InvalidArgument("status list holds the reserved value 3");
  }
  BitWriter bits;
  EncodeSet(revoked, list.statuses.size(), &bits);
  EncodeSet(suspended, list.statuses.size(), &bits);
  const std::string payload = bits.Finish();
  ByteWriter body;
  body.U64(list.list_id);
  body.U64(list.version);
  body.I64(list.iat);
  body.I64(list.exp);
  body.U32(list.statuses.size());
  body.U32(static_cast<uint32_t>(revoked.size()));
  body.U32(static_cast<uint32_t>(suspended.size()));
  body.U32(static_cast<uint32_t>(payload.size()));
  body.Bytes(payload);
  return internal::SealEnvelope(internal::kKindList, body.Take(), key);
}

Result<StatusList> VerifyCompactList(std::string_view bytes, const Jwks& keys,
                                     Micros now) {
  CITYID_ASSIGN_OR_RETURN(Envelope envelope, internal::OpenEnvelope(bytes));
  CITYID_RETURN_IF_ERROR(internal::CheckEnvelopeSignature(envelope, keys));
  CITYID_ASSIGN_OR_RETURN(StatusList list, DecodeCompactListUnverified(bytes));
  CITYID_RETURN_IF_ERROR(internal::CheckNotExpired(list.exp, now));
  return list;
}

Result<StatusList> DecodeCompactListUnverified(std::string_view bytes) {
  Envelope envelope;
  CITYID_ASSIGN_OR_RETURN(ListHeader header, OpenList(bytes, &envelope));
  return DecodeListPayload(header);
}

Result<CompactListInfo> InspectCompactList(std::string_view bytes) {
  Envelope envelope;
  CITYID_ASSIGN_OR_RETURN(ListHeader h, OpenList(bytes, &envelope));
  CompactListInfo info;
  info.kid = envelope.kid;
  info.list_id = h.list_id;
  info.version = h.version;
  info.iat = h.iat;
  info.exp = h.exp;
  info.size = h.size;
  info.revoked = h.revoked;
  info.suspended = h.suspended;
  info.payload_bytes = h.payload.size();
  info.total_bytes = bytes.size();
  return info;
}

}  // namespace cityid::statuslist
