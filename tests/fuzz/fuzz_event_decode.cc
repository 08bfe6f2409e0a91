// libFuzzer target: DecodeEvent (framed cereal) for every schema version.
// Seeded with schemas/golden/*.bin. Besides "no crash", checks that a decoded
// event re-encodes to bytes that decode to the same event (round trip).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "schemas/event_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto event = cityid::DecodeEvent(bytes);
  if (!event.ok()) return 0;
  const std::string again = cityid::EncodeEvent(*event);
  auto redecoded = cityid::DecodeEvent(again);
  if (!redecoded.ok()) std::abort();  // our own encoding must decode
  if (cityid::EncodeEvent(*redecoded) != again) std::abort();
  return 0;
}
