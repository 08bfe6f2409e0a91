// Binary encoding of events: cereal portable binary (little-endian) inside a
// frame. The framed bytes are at once the RocksDB value, the Kafka record
// value and the Merkle leaf. Layout in schemas/FORMAT.md.
#ifndef CITYID_SCHEMAS_EVENT_CODEC_H_
#define CITYID_SCHEMAS_EVENT_CODEC_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "schemas/event.h"

namespace cityid {

// Frame header: u32 body length, u32 CRC32C over (version, body), u16 version.
constexpr size_t kFrameHeaderSize = 10;
// Largest body accepted on decode; an event is a few hundred bytes.
constexpr size_t kMaxEventBodySize = 64 * 1024;

// Encodes one event into framed bytes. Never fails for a well-formed Event.
std::string EncodeEvent(const Event& event);

// Decodes framed bytes. Returns Corruption for a bad length, checksum,
// unknown frame version, unknown type or undecodable body; never throws.
Result<Event> DecodeEvent(std::string_view bytes);

}  // namespace cityid

#endif  // CITYID_SCHEMAS_EVENT_CODEC_H_
