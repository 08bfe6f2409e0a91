// Ed25519 signing and verification keys (RFC 8032), an adapter over
// OpenSSL 3's EVP_PKEY_ED25519. The only file in this library that includes
// OpenSSL headers.
//
// A key's id (`kid`) is its RFC 7638 JWK thumbprint: base64url(SHA-256 of
// {"crv":"Ed25519","kty":"OKP","x":"<base64url public key>"}), so a JWKS
// entry, a JWT header and a compact list all name a key the same way
// without a registry of ids.
//
// Persistence: the private key as PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----")
// or as its raw 32-byte seed; the public key as SubjectPublicKeyInfo PEM
// ("-----BEGIN PUBLIC KEY-----") or raw 32 bytes.
//
// Ownership and threading: SigningKey owns an immutable OpenSSL key shared
// between copies; Sign() is safe from several threads at once.
#ifndef CITYID_PROJECTIONS_STATUS_LIST_ED25519_H_
#define CITYID_PROJECTIONS_STATUS_LIST_ED25519_H_

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cityid::statuslist {

inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SeedBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;

class SigningKey {
 public:
  // A fresh key from OpenSSL's CSPRNG. Returns kInternal if OpenSSL fails.
  static Result<SigningKey> Generate();
  // From a raw 32-byte seed; kInvalidArgument on any other length.
  static Result<SigningKey> FromSeed(std::string_view seed);
  // From PKCS#8 PEM; kMalformed when the PEM is not an Ed25519 private key.
  static Result<SigningKey> FromPem(std::string_view pem);
  // Reads/writes a PEM file; the file is created with mode 0600.
  // kNotFound / kUnavailable on I/O errors.
  static Result<SigningKey> LoadPemFile(const std::string& path);
  Status SavePemFile(const std::string& path) const;

  std::string Seed() const;   // raw 32-byte private seed (a secret)
  std::string ToPem() const;  // PKCS#8 PEM (a secret)
  const std::string& public_key() const { return public_key_; }  // 32 bytes
  const std::string& kid() const { return kid_; }

  // 64-byte Ed25519 signature of `message`.
  std::string Sign(std::string_view message) const;

 private:
  struct Impl;
  explicit SigningKey(std::shared_ptr<const Impl> impl);

  std::shared_ptr<const Impl> impl_;
  std::string public_key_;
  std::string kid_;
};

// True only when `signature` is a valid Ed25519 signature of `message` under
// the raw 32-byte `public_key`; false for any malformed input.
bool VerifyEd25519(std::string_view public_key, std::string_view message,
                   std::string_view signature);

// RFC 7638 thumbprint of a raw Ed25519 public key (the kid above).
std::string Ed25519Thumbprint(std::string_view public_key);

// SubjectPublicKeyInfo PEM <-> raw 32-byte public key.
Result<std::string> PublicKeyToPem(std::string_view public_key);
Result<std::string> PublicKeyFromPem(std::string_view pem);

}  // namespace cityid::statuslist

#endif  // CITYID_PROJECTIONS_STATUS_LIST_ED25519_H_
