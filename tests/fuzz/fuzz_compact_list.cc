// libFuzzer target: compact status list decoding (projections/status_list).
// The unverified decoder and Inspect must reject garbage without crashing;
// VerifyCompactList runs against an empty key set (fails at the kid check
// after parsing the header).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "projections/status_list/compact_list.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace sl = cityid::statuslist;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)sl::InspectCompactList(bytes);
  (void)sl::DecodeCompactListUnverified(bytes);
  (void)sl::VerifyCompactList(bytes, sl::Jwks{}, 0);
  return 0;
}
