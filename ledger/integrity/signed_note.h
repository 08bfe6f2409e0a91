// C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, the
// envelope of cityid's checkpoints. Compatible with Go's
// golang.org/x/mod/sumdb/note (same key texts, same note bytes).
//
//   <text ending in \n>
//   \n
//   — <key name> <base64(4-byte big-endian key ID || 64-byte signature)>\n
//
// The signature covers the text including its final newline. Key ID =
// SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]. Key texts:
//   verifier  <name>+<8 hex key ID>+<base64(0x01 || public key)>
//   signer    PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 || seed)>
// (the signer text is a secret: store it like one).
//
// NoteSigner and NoteVerifier are immutable after construction, cheap to
// copy (the OpenSSL key is shared), and safe to use from any thread.
#ifndef CITYID_LEDGER_INTEGRITY_SIGNED_NOTE_H_
#define CITYID_LEDGER_INTEGRITY_SIGNED_NOTE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace cityid {

inline constexpr uint8_t kNoteAlgEd25519 = 0x01;
// Em dash U+2014 then a space: the start of every signature line.
inline constexpr std::string_view kNoteSignaturePrefix = "\xE2\x80\x94 ";

// Non-empty, well-formed UTF-8, no Unicode space and no '+'.
bool IsValidNoteKeyName(std::string_view name);
// Well-formed UTF-8 without ASCII control characters other than '\n'.
bool IsValidNoteText(std::string_view text);
// First 4 bytes, big-endian, of SHA-256(name || "\n" || encoded_key), where
// encoded_key is the algorithm byte followed by the public key.
uint32_t NoteKeyHash(std::string_view name, std::string_view encoded_key);

class NoteVerifier {
 public:
  // Parses a verifier key text. kMalformed (naming why) when the text is not
  // name+hash+key, the name is invalid, the algorithm is not Ed25519, the key
  // is not 32 bytes, or the hash does not match name and key.
  static Result<NoteVerifier> Parse(std::string_view vkey);
  // kInvalidArgument for a bad name or a key that is not 32 bytes.
  static Result<NoteVerifier> FromEd25519PublicKey(std::string_view name,
                                                   std::string_view public_key);

  const std::string& name() const { return name_; }
  uint32_t key_hash() const { return key_hash_; }
  const std::string& public_key() const { return public_key_; }  // 32 bytes
  // The verifier key text (what GET /v1/keys serves).
  std::string ToString() const;
  // True iff `signature` is a valid Ed25519 signature of `message`.
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  std::string name_;
  uint32_t key_hash_ = 0;
  std::string public_key_;
  std::shared_ptr<EVP_PKEY> key_;
};

class NoteSigner {
 public:
  // Parses a signer key text; kMalformed (naming why) as for NoteVerifier,
  // also when the hash does not match the public key derived from the seed.
  static Result<NoteSigner> Parse(std::string_view skey);
  // kInvalidArgument for a bad name or a seed that is not 32 bytes.
  static Result<NoteSigner> FromEd25519Seed(std::string_view name,
                                            std::string_view seed);
  // A fresh key from OpenSSL's CSPRNG; kInvalidArgument for a bad name.
  static Result<NoteSigner> Generate(std::string_view name);

  const std::string& name() const { return name_; }
  uint32_t key_hash() const { return key_hash_; }
  // The secret signer key text.
  std::string ToString() const;
  NoteVerifier Verifier() const { return verifier_; }
  // The 64-byte Ed25519 signature of `message`; kInternal if OpenSSL fails.
  Result<std::string> Sign(std::string_view message) const;

 private:
  std::string name_;
  uint32_t key_hash_ = 0;
  std::shared_ptr<EVP_PKEY> key_;
  NoteVerifier verifier_;
};

// Signs `text` with each signer, returning the whole note (text, blank line,
// one signature line per signer in order). kMalformed when the text does not
// end in '\n', is not valid UTF-8 or holds a control character other than
// '\n'; kInternal if OpenSSL fails.
Result<std::string> SignNote(std::string_view text,
                             std::span<const NoteSigner> signers);
Result<std::string> SignNote(std::string_view text, const NoteSigner& signer);

struct NoteSignature {
  std::string name;
  uint32_t key_hash = 0;
  std::string base64;  // base64(key ID || signature), as in the note
};

struct OpenedNote {
  std::string text;                       // the verified text
  std::vector<NoteSignature> verified;    // by a known key, valid
  std::vector<NoteSignature> unverified;  // by keys not in `known`
};

// Parses `note` and checks its signatures against `known` (C2SP rules:
// signatures from unknown keys are ignored; a known key's signature must
// verify; at least one must). Returns the text and signatures, or:
//   kMalformed         bad format (not UTF-8, control characters, no blank
//                      line before the signatures, a malformed signature
//                      line, more than 100 signatures); message says which.
//   kNotFound          "unknown key": no signature from a key in `known`.
//   kCorruption        "bad signature": a known key's signature fails.
//   kInvalidArgument   `known` holds two keys with the same name and hash.
Result<OpenedNote> OpenNote(std::string_view note,
                            std::span<const NoteVerifier> known);

}  // namespace cityid

#endif  // CITYID_LEDGER_INTEGRITY_SIGNED_NOTE_H_
