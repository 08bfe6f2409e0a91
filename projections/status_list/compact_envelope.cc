#include "projections/status_list/compact_envelope.h"

#include <cstring>

#include "projections/status_list/status_list_jwt.h"  // FormatUnixSeconds

namespace cityid::statuslist::internal {

bool HasCompactMagic(std::string_view bytes) {
  return bytes.size() >= sizeof(kCompactMagic) &&
         std::memcmp(bytes.data(), kCompactMagic, sizeof(kCompactMagic)) == 0;
}

Result<Envelope> OpenEnvelope(std::string_view bytes) {
  if (bytes.size() > kMaxCompactBytes)
    return TooLarge("compact status list is too large");
  if (!HasCompactMagic(bytes))
    return Malformed("not a compact status list (bad magic)");
  ByteReader in(bytes.substr(sizeof(kCompactMagic)));
  uint8_t version = 0;
  Envelope env;
  uint8_t kid_len = 0;
  std::string_view kid;
  if (!in.U8(&version) || !in.U8(&env.kind) || !in.U8(&kid_len) ||
      !in.Bytes(kid_len, &kid)) {
    return Malformed("compact status list is truncated (header)");
  }
  if (version != kCompactFormatVersion) {
    return Malformed("unsupported compact format version " +
                     std::to_string(version));
  }
  if (env.kind != kKindList && env.kind != kKindDelta) {
    return Malformed("unknown compact kind " + std::to_string(env.kind));
  }
  if (kid_len == 0) return Malformed("compact status list has an empty kid");
  if (in.remaining() < kEd25519SignatureBytes) {
    return Malformed("compact status list is truncated (signature)");
  }
  env.kid = std::string(kid);
  const size_t signed_len = bytes.size() - kEd25519SignatureBytes;
  env.signed_bytes = bytes.substr(0, signed_len);
  env.signature = bytes.substr(signed_len);
  env.body = bytes.substr(bytes.size() - in.remaining(),
                          in.remaining() - kEd25519SignatureBytes);
  return env;
}

Status CheckEnvelopeSignature(const Envelope& envelope, const Jwks& keys) {
  const Jwk* key = keys.Find(envelope.kid);
  if (key == nullptr) {
    return {Code::kUnauthenticated,
            "status list signed by unknown key " + envelope.kid};
  }
  if (!VerifyEd25519(key->public_key, envelope.signed_bytes,
                     envelope.signature)) {
    return {Code::kUnauthenticated,
            "bad signature on status list (key " + envelope.kid + ")"};
  }
  return Status::Ok();
}

std::string SealEnvelope(uint8_t kind, std::string_view body,
                         const SigningKey& key) {
  ByteWriter out;
  out.Bytes(std::string_view(kCompactMagic, sizeof(kCompactMagic)));
  out.U8(kCompactFormatVersion);
  out.U8(kind);
  // A thumbprint kid is 43 characters; longer ids are not produced here.
  out.U8(static_cast<uint8_t>(key.kid().size()));
  out.Bytes(key.kid());
  out.Bytes(body);
  std::string sealed = out.Take();
  sealed += key.Sign(sealed);
  return sealed;
}

Status CheckNotExpired(int64_t exp, Micros now) {
  if (now / kMicrosPerSecond < exp) return Status::Ok();
  return PreconditionFailed("status list expired at " + FormatUnixSeconds(exp) +
                            " (now " + FormatRfc3339(now) + ")");
}

void ByteWriter::U32(uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    U8(static_cast<uint8_t>(v >> shift));
}

void ByteWriter::U64(uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    U8(static_cast<uint8_t>(v >> shift));
}

bool ByteReader::U8(uint8_t* v) {
  if (in_.empty()) return false;
  *v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return true;
}

bool ByteReader::U32(uint32_t* v) {
  if (in_.size() < 4) return false;
  uint32_t out = 0;
  for (int i = 0; i < 4; ++i) out = (out << 8) | static_cast<uint8_t>(in_[i]);
  in_.remove_prefix(4);
  *v = out;
  return true;
}

bool ByteReader::U64(uint64_t* v) {
  if (in_.size() < 8) return false;
  uint64_t out = 0;
  for (int i = 0; i < 8; ++i) out = (out << 8) | static_cast<uint8_t>(in_[i]);
  in_.remove_prefix(8);
  *v = out;
  return true;
}

bool ByteReader::I64(int64_t* v) {
  uint64_t u = 0;
  if (!U64(&u)) return false;
  *v = static_cast<int64_t>(u);
  return true;
}

bool ByteReader::Bytes(size_t n, std::string_view* v) {
  if (in_.size() < n) return false;
  *v = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

}  // namespace cityid::statuslist::internal
