#include "ledger/ids.h"

#include <cstdint>

#include "base/bytes.h"

namespace cityid {
namespace {

constexpr size_t kCardIdDigits = 12;

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string NewResidentId() { return "r_" + HexEncode(RandomBytes(12)); }

bool IsValidResidentId(std::string_view id) {
  if (id.size() != 26 || id.substr(0, 2) != "r_") return false;
  for (char c : id.substr(2)) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

char LuhnCheckDigit(std::string_view digits) {
  // Walking from the right, every second digit starting with the rightmost
  // payload digit is doubled (the check digit will sit to its right).
  int sum = 0;
  bool double_it = true;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (double_it) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double_it = !double_it;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string NewCardId() {
  std::string id;
  id.reserve(kCardIdDigits + 1);
  for (size_t i = 0; i < kCardIdDigits; ++i) {
    id.push_back(static_cast<char>('0' + RandomBelow(10)));
  }
  id.push_back(LuhnCheckDigit(id));
  return id;
}

bool IsValidCardId(std::string_view id) {
  if (id.size() != kCardIdDigits + 1) return false;
  for (char c : id) {
    if (!IsDigit(c)) return false;
  }
  return LuhnCheckDigit(id.substr(0, kCardIdDigits)) == id.back();
}

std::string NewEventId() {
  uint8_t b[16];
  RandomBytes(b, sizeof b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 9562 variant
  std::string hex =
      HexEncode(std::string_view(reinterpret_cast<char*>(b), sizeof b));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace cityid
