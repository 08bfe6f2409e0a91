// libFuzzer target: strict decoding of ledger command bodies (api/ledger_json).
// Every parser must return a Status for any bytes, never crash or throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/ledger_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string office;
  (void)cityid::ParseEnrollBody(body, &office);
  (void)cityid::ParseUpdateBody(body);
  (void)cityid::ParseIssueBody(body);
  (void)cityid::ParseReasonBody(body);
  (void)cityid::ParseEmptyBody(body);
  (void)cityid::ParseIfMatch(body);
  return 0;
}
