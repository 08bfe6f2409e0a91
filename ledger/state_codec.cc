#include "ledger/state_codec.h"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <sstream>

namespace cityid {
namespace {

// Bump when a struct below gains a field; keep decoding older versions.
constexpr uint8_t kStateFormatVersion = 1;

template <class Ar>
void SerializeAttributes(Ar& ar, Attributes& a) {
  ar(a.district, a.age_band, a.language);
}

template <class Ar>
void Serialize(Ar& ar, ResidentState& r) {
  ar(r.resident_id, r.pii_digest);
  SerializeAttributes(ar, r.attributes);
  ar(r.documents, r.card_ids, r.erased, r.enrolled_at, r.version);
}

template <class Ar>
void SerializeStatus(Ar& ar, CardStatus& s) {
  int v = static_cast<int>(s);
  ar(v);
  s = static_cast<CardStatus>(v);
}

template <class Ar>
void Serialize(Ar& ar, CardState& c) {
  ar(c.card_id, c.resident_id, c.card_type);
  SerializeStatus(ar, c.status);
  ar(c.issued_at, c.expires_at, c.status_list, c.status_index, c.reason,
     c.version);
}

template <class Ar>
void Serialize(Ar& ar, CardView& c) {
  ar(c.card_id, c.resident_id, c.card_type);
  SerializeStatus(ar, c.status);
  ar(c.issued_at, c.expires_at, c.status_list, c.status_index, c.version);
}

template <class Ar>
void Serialize(Ar& ar, IdempotencyRecord& rec) {
  CommandResult& r = rec.result;
  ar(rec.request_hash, r.seq, r.version, r.resident_id);
  bool has_card = r.card.has_value();
  ar(has_card);
  if (has_card) {
    if (!r.card) r.card.emplace();
    Serialize(ar, *r.card);
  }
}

template <typename T>
std::string Encode(T value) {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive ar(out);
    uint8_t version = kStateFormatVersion;
    ar(version);
    Serialize(ar, value);
  }
  return std::move(out).str();
}

template <typename T>
Result<T> Decode(std::string_view bytes, std::string_view what) {
  try {
    std::istringstream in{std::string(bytes)};
    cereal::PortableBinaryInputArchive ar(in);
    uint8_t version = 0;
    ar(version);
    if (version != kStateFormatVersion) {
      return Corruption(std::string(what) + " has unknown format version");
    }
    T value;
    Serialize(ar, value);
    return value;
  } catch (const std::exception&) {
    return Corruption(std::string(what) + " does not decode");
  }
}

}  // namespace

std::string EncodeResidentState(const ResidentState& r) { return Encode(r); }
Result<ResidentState> DecodeResidentState(std::string_view b) {
  return Decode<ResidentState>(b, "resident state");
}
std::string EncodeCardState(const CardState& c) { return Encode(c); }
Result<CardState> DecodeCardState(std::string_view b) {
  return Decode<CardState>(b, "card state");
}
std::string EncodeIdempotencyRecord(const IdempotencyRecord& rec) {
  // Field by field: the result's `resident` (PII) is never stored.
  IdempotencyRecord copy;
  copy.request_hash = rec.request_hash;
  copy.result.seq = rec.result.seq;
  copy.result.version = rec.result.version;
  copy.result.resident_id = rec.result.resident_id;
  copy.result.card = rec.result.card;
  return Encode(std::move(copy));
}
Result<IdempotencyRecord> DecodeIdempotencyRecord(std::string_view b) {
  return Decode<IdempotencyRecord>(b, "idempotency record");
}

}  // namespace cityid
