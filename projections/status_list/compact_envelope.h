// Internal: the signed envelope shared by compact lists and deltas
// (FORMAT.md, "Envelope"), plus big-endian integer helpers.
//
//   magic 0x89 'C' 'S' 'L' | format u8 = 1 | kind u8 | kid_len u8 | kid
//   | body (kind-specific) | Ed25519 signature (64 bytes) over all before it
#ifndef CITYID_PROJECTIONS_STATUS_LIST_COMPACT_ENVELOPE_H_
#define CITYID_PROJECTIONS_STATUS_LIST_COMPACT_ENVELOPE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/clock.h"
#include "base/status.h"
#include "projections/status_list/ed25519.h"
#include "projections/status_list/jwks.h"

namespace cityid::statuslist::internal {

inline constexpr char kCompactMagic[4] = {'\x89', 'C', 'S', 'L'};
inline constexpr uint8_t kCompactFormatVersion = 1;
inline constexpr uint8_t kKindList = 1;
inline constexpr uint8_t kKindDelta = 2;
// Largest compact input read: a 2^26-entry list coded as sets cannot exceed
// this (each entry costs at most a few bits).
inline constexpr size_t kMaxCompactBytes = 64u << 20;

struct Envelope {
  uint8_t kind = 0;
  std::string kid;
  std::string_view body;          // between the kid and the signature
  std::string_view signed_bytes;  // everything before the signature
  std::string_view signature;     // 64 bytes
};

// True when `bytes` starts with the compact magic.
bool HasCompactMagic(std::string_view bytes);

// Splits an envelope without checking its signature. kMalformed when the
// magic, version or lengths are wrong; kTooLarge over kMaxCompactBytes.
Result<Envelope> OpenEnvelope(std::string_view bytes);
// kUnauthenticated when the kid is unknown or the signature fails.
Status CheckEnvelopeSignature(const Envelope& envelope, const Jwks& keys);
// Magic, version, kind, the key's kid, `body`, then the signature.
std::string SealEnvelope(uint8_t kind, std::string_view body,
                         const SigningKey& key);

// kPreconditionFailed when now >= exp (seconds).
Status CheckNotExpired(int64_t exp, Micros now);

// Big-endian writer and bounds-checked reader.
class ByteWriter {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v);
  void U64(uint64_t v);
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Bytes(std::string_view b) { out_.append(b); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  // Each returns false (consuming nothing) when too few bytes remain.
  bool U8(uint8_t* v);
  bool U32(uint32_t* v);
  bool U64(uint64_t* v);
  bool I64(int64_t* v);
  bool Bytes(size_t n, std::string_view* v);
  size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
};

}  // namespace cityid::statuslist::internal

#endif  // CITYID_PROJECTIONS_STATUS_LIST_COMPACT_ENVELOPE_H_
