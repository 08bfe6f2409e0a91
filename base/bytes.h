// Byte helpers: hex, base64 (standard and URL-safe), CRC32C, SHA-256, HMAC,
// and cryptographically random bytes. Thin adapters over OpenSSL and Boost.CRC.
#ifndef CITYID_BASE_BYTES_H_
#define CITYID_BASE_BYTES_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cityid {

using Sha256Digest = std::array<uint8_t, 32>;

std::string HexEncode(std::string_view bytes);
Result<std::string> HexDecode(std::string_view hex);

// RFC 4648 base64 with padding.
std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);
// RFC 4648 §5 base64url without padding (JOSE).
std::string Base64UrlEncode(std::string_view bytes);
Result<std::string> Base64UrlDecode(std::string_view text);

// CRC-32C (Castagnoli), as used by the event frame.
uint32_t Crc32c(std::string_view bytes);

Sha256Digest Sha256(std::string_view bytes);
std::string Sha256String(std::string_view bytes);  // 32 raw bytes
Sha256Digest HmacSha256(std::string_view key, std::string_view message);

// Bytes from OpenSSL's CSPRNG. Aborts if the generator fails (a broken
// platform; nothing safe can be done without randomness).
void RandomBytes(void* out, size_t n);
std::string RandomBytes(size_t n);
uint64_t RandomUint64();
// Uniform in [0, bound) without modulo bias. bound > 0.
uint64_t RandomBelow(uint64_t bound);

// Constant-time equality, for secrets (token hashes, MACs).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace cityid

#endif  // CITYID_BASE_BYTES_H_
