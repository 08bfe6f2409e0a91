// libFuzzer target: DecodeEvent (framed cereal) for every schema version.
// The first input byte picks the mode:
//   odd:  the rest is a whole frame, decoded as is (length/CRC/version checks);
//   even: the rest is (u16 version, body); the target frames it with a valid
//         length and CRC32C so mutations reach the cereal body decoder.
// Seeds: schemas/golden/*.bin in both modes. Besides "no crash", a decoded
// event must re-encode to bytes that decode to the same encoding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "schemas/event_codec.h"

namespace {

std::string Frame(std::string_view version_and_body) {
  std::string out(8, '\0');
  const uint32_t length = static_cast<uint32_t>(version_and_body.size() - 2);
  const uint32_t crc = cityid::Crc32c(version_and_body);
  for (int i = 0; i < 4; ++i) {
    out[i] = static_cast<char>(length >> (8 * i));
    out[4 + i] = static_cast<char>(crc >> (8 * i));
  }
  out.append(version_and_body);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1,
                              size - 1);
  std::string framed;
  std::string_view bytes = rest;
  if ((data[0] & 1) == 0) {
    if (rest.size() < 2) return 0;
    framed = Frame(rest);
    bytes = framed;
  }
  auto event = cityid::DecodeEvent(bytes);
  if (!event.ok()) return 0;
  const std::string again = cityid::EncodeEvent(*event);
  auto redecoded = cityid::DecodeEvent(again);
  if (!redecoded.ok()) std::abort();  // our own encoding must decode
  if (cityid::EncodeEvent(*redecoded) != again) std::abort();
  return 0;
}
