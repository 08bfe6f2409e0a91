#include "schemas/event_codec.h"

#include <bit>
#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstring>
#include <sstream>

#include "base/bytes.h"

namespace cityid::codec_detail {

// Reads what cereal::PortableBinaryOutputArchive (little-endian) wrote, from
// a byte range, refusing any size tag larger than the bytes left. cereal's
// own input archive resizes a string or vector to the size the input
// declares before reading it, so a 64 KiB frame could make it allocate (and
// zero) gigabytes; here every container is bounded by the input's length.
// Throws cereal::Exception on truncated input or an impossible size.
class BoundedInArchive
    : public cereal::InputArchive<BoundedInArchive,
                                  cereal::AllowEmptyClassElision> {
 public:
  explicit BoundedInArchive(std::string_view bytes)
      : InputArchive(this), bytes_(bytes) {
    static_assert(std::endian::native == std::endian::little);
    uint8_t little_endian = 0;
    (*this)(little_endian);
    if (little_endian != 1) throw cereal::Exception("not little-endian");
  }

  template <std::streamsize kDataSize>
  void loadBinary(void* data, std::streamsize size) {
    if (size < 0 || static_cast<size_t>(size) > bytes_.size())
      throw cereal::Exception("read past the end of the event body");
    std::memcpy(data, bytes_.data(), static_cast<size_t>(size));
    bytes_.remove_prefix(static_cast<size_t>(size));
  }
  // Every element of a string or container takes at least one byte.
  void CheckSize(uint64_t size) const {
    if (size > bytes_.size())
      throw cereal::Exception("size tag larger than the bytes left");
  }
  size_t remaining() const { return bytes_.size(); }

 private:
  std::string_view bytes_;
};

template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_LOAD_FUNCTION_NAME(
    BoundedInArchive& ar, T& t) {
  ar.template loadBinary<sizeof(T)>(std::addressof(t), sizeof(t));
}
template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(BoundedInArchive& ar,
                                    cereal::NameValuePair<T>& t) {
  ar(t.value);
}
template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(BoundedInArchive& ar,
                                    cereal::SizeTag<T>& t) {
  uint64_t size = 0;
  ar(size);
  ar.CheckSize(size);
  t.size = static_cast<std::remove_reference_t<T>>(size);
}
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInArchive& ar,
                               cereal::BinaryData<T>& bd) {
  using TT = std::remove_pointer_t<T>;
  ar.template loadBinary<sizeof(TT)>(bd.data,
                                     static_cast<std::streamsize>(bd.size));
}

}  // namespace cityid::codec_detail

// Class versions. Bump one when a struct gains a field, and keep loading the
// old version: `if (version >= 2) ar(new_field);`. Never remove a branch.
CEREAL_CLASS_VERSION(cityid::Attributes, 1);
CEREAL_CLASS_VERSION(cityid::ResidentEnrolled, 1);
CEREAL_CLASS_VERSION(cityid::ResidentUpdated, 1);
CEREAL_CLASS_VERSION(cityid::CardIssued, 1);
CEREAL_CLASS_VERSION(cityid::CardRenewed, 1);
CEREAL_CLASS_VERSION(cityid::CardReplaced, 1);
CEREAL_CLASS_VERSION(cityid::CardSuspended, 1);
CEREAL_CLASS_VERSION(cityid::CardReinstated, 1);
CEREAL_CLASS_VERSION(cityid::CardRevoked, 1);
CEREAL_CLASS_VERSION(cityid::ResidentErased, 1);
CEREAL_CLASS_VERSION(cityid::PiiAccessed, 1);

namespace cityid {

template <class Ar>
void serialize(Ar& ar, Attributes& a, std::uint32_t /*version*/) {
  ar(a.district, a.age_band, a.language);
}
template <class Ar>
void serialize(Ar& ar, ResidentEnrolled& e, std::uint32_t /*version*/) {
  ar(e.resident_id, e.pii_digest, e.attributes, e.documents);
}
template <class Ar>
void serialize(Ar& ar, ResidentUpdated& e, std::uint32_t /*version*/) {
  ar(e.resident_id, e.pii_digest, e.has_attributes, e.attributes);
}
template <class Ar>
void serialize(Ar& ar, CardIssued& e, std::uint32_t /*version*/) {
  ar(e.card_id, e.resident_id, e.card_type, e.issued_at, e.expires_at,
     e.status_list, e.status_index);
}
template <class Ar>
void serialize(Ar& ar, CardRenewed& e, std::uint32_t /*version*/) {
  ar(e.card_id, e.resident_id, e.expires_at);
}
template <class Ar>
void serialize(Ar& ar, CardReplaced& e, std::uint32_t /*version*/) {
  ar(e.old_card_id, e.new_card_id, e.resident_id, e.reason, e.card_type,
     e.issued_at, e.expires_at, e.status_list, e.status_index);
}
template <class Ar>
void serialize(Ar& ar, CardSuspended& e, std::uint32_t /*version*/) {
  ar(e.card_id, e.resident_id, e.reason);
}
template <class Ar>
void serialize(Ar& ar, CardReinstated& e, std::uint32_t /*version*/) {
  ar(e.card_id, e.resident_id, e.reason);
}
template <class Ar>
void serialize(Ar& ar, CardRevoked& e, std::uint32_t /*version*/) {
  ar(e.card_id, e.resident_id, e.reason);
}
template <class Ar>
void serialize(Ar& ar, ResidentErased& e, std::uint32_t /*version*/) {
  ar(e.resident_id, e.reason);
}
template <class Ar>
void serialize(Ar& ar, PiiAccessed& e, std::uint32_t /*version*/) {
  ar(e.resident_id, e.accessor, e.purpose);
}

namespace {

using OutArchive = cereal::PortableBinaryOutputArchive;
using InArchive = codec_detail::BoundedInArchive;

template <class Ar>
void EnvelopeFields(Ar& ar, Event& e) {
  ar(e.seq, e.event_id, e.occurred_at, e.recorded_at, e.actor, e.office,
     e.idempotency_key);
}

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

// Builds the payload alternative whose kType equals `type` and loads it.
template <size_t I = 0>
bool LoadPayload(InArchive& ar, std::string_view type, Payload& out) {
  if constexpr (I == std::variant_size_v<Payload>) {
    return false;
  } else {
    using T = std::variant_alternative_t<I, Payload>;
    if (T::kType == type) {
      T value;
      ar(value);
      out = std::move(value);
      return true;
    }
    return LoadPayload<I + 1>(ar, type, out);
  }
}

}  // namespace

std::string EncodeEvent(const Event& event) {
  std::ostringstream body_stream(std::ios::binary);
  {
    OutArchive ar(body_stream, OutArchive::Options::LittleEndian());
    Event& e = const_cast<Event&>(event);  // cereal's serialize() is non-const
    EnvelopeFields(ar, e);
    std::string type(event.type());
    ar(type);
    std::visit([&ar](auto& p) { ar(p); }, e.payload);
  }
  const std::string body = std::move(body_stream).str();
  const uint16_t version = static_cast<uint16_t>(event.schema_version);

  std::string crc_input;
  crc_input.reserve(2 + body.size());
  crc_input.push_back(static_cast<char>(version & 0xff));
  crc_input.push_back(static_cast<char>(version >> 8));
  crc_input += body;

  std::string out;
  out.reserve(kFrameHeaderSize + body.size());
  PutU32(out, static_cast<uint32_t>(body.size()));
  PutU32(out, Crc32c(crc_input));
  out.append(crc_input);
  return out;
}

Result<Event> DecodeEvent(std::string_view bytes) {
  if (bytes.size() < kFrameHeaderSize)
    return Corruption("event frame shorter than its header");
  const uint32_t length = GetU32(bytes.data());
  const uint32_t crc = GetU32(bytes.data() + 4);
  if (length > kMaxEventBodySize)
    return Corruption("event body length over the limit");
  if (bytes.size() != kFrameHeaderSize + length) {
    return Corruption("event frame length does not match its header");
  }
  if (Crc32c(bytes.substr(8)) != crc)
    return Corruption("event checksum mismatch");
  const uint16_t version = static_cast<uint16_t>(
      static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8);
  if (version < 1 || version > kEnvelopeVersion) {
    return Corruption("unknown event envelope version " +
                      std::to_string(version));
  }
  Event event;
  event.schema_version = version;
  try {
    InArchive ar(bytes.substr(kFrameHeaderSize));
    EnvelopeFields(ar, event);
    std::string type;
    ar(type);
    if (!LoadPayload(ar, type, event.payload)) {
      return Corruption("unknown event type '" + type.substr(0, 64) + "'");
    }
    if (ar.remaining() != 0) return Corruption("trailing bytes in event");
  } catch (const std::exception& e) {
    return Corruption(std::string("undecodable event body: ") + e.what());
  }
  return event;
}

}  // namespace cityid
