// Vault: the only place PII exists at rest, always encrypted (SPEC §6).
//
// Each resident's PiiRecord is serialized (cereal portable binary) and
// encrypted with AES-256-GCM under a fresh random 256-bit data key; the data
// key is itself encrypted (AES-256-GCM) under the key-encryption key (KEK)
// read from LedgerOptions::kek_file. Both use the resident id as associated
// data, so a ciphertext cannot be swapped onto another resident. Layout of a
// sealed blob: 12-byte nonce | ciphertext | 16-byte tag.
//
// Storage (column families, see ledger/rocksdb_log.h), written by the ledger
// in the same WriteBatch as the events:
//   vault_keys[resident_id]  = wrapped data key
//   vault_data[resident_id]  = PII ciphertext
//   vault_blind['b' + index[0..2]] = bucket of (index, resident_id) entries
//   vault_blind['r' + resident_id] = index   (to delete it on erasure)
// (a blind index is never a RocksDB key: see BlindBucketKey in ledger_batch.h)
// Erasure deletes all four; pii_digest (in events) = SHA-256(ciphertext).
//
// The blind index is HMAC-SHA-256 under a separate key over
// NormalizeName(given_name) '|' NormalizeName(family_name) '|' date_of_birth;
// it never enters an event.
//
// Thread-safe after construction (keys are immutable).
#ifndef CITYID_LEDGER_VAULT_VAULT_H_
#define CITYID_LEDGER_VAULT_VAULT_H_

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ledger/vault/pii_record.h"

namespace cityid {

struct SealedPii {
  std::string wrapped_key;  // data key sealed under the KEK
  std::string ciphertext;   // PiiRecord sealed under the data key
  std::string digest;       // 32 raw bytes: SHA-256(ciphertext) = pii_digest
};

class Vault {
 public:
  // Reads the 32-byte KEK and blind-index key files. An empty
  // blind_index_key_file derives the blind-index key from the KEK
  // (HMAC-SHA-256(kek, "cityid blind index v1")). kInvalidArgument when a
  // file is missing or not exactly 32 bytes (the message names the path).
  static Result<std::unique_ptr<Vault>> Open(
      const std::string& kek_file, const std::string& blind_index_key_file);
  Vault(std::string kek, std::string blind_index_key);

  // Encrypts `pii` for `resident_id` under a new data key. kInternal only if
  // OpenSSL fails.
  Result<SealedPii> Seal(std::string_view resident_id,
                         const PiiRecord& pii) const;
  // Decrypts. kCorruption when a blob fails authentication (wrong resident,
  // wrong KEK, altered bytes) or does not decode.
  Result<PiiRecord> Unseal(std::string_view resident_id,
                           std::string_view wrapped_key,
                           std::string_view ciphertext) const;
  // 32 raw bytes, or empty when the record has no given_name or no
  // family_name (then there is nothing to deduplicate on).
  std::string BlindIndex(const PiiRecord& pii) const;

  // KEK rotation (`cityid keys rotate-kek`, ledger/vault_admin.h): the data
  // key in `wrapped_key` unwrapped with this vault's KEK and wrapped anew
  // under `target`'s. kCorruption when this KEK does not open it.
  Result<std::string> Rewrap(std::string_view resident_id,
                             std::string_view wrapped_key,
                             const Vault& target) const;
  // OK when this KEK opens `wrapped_key` (the plaintext data key is wiped).
  Status CheckWrappedKey(std::string_view resident_id,
                         std::string_view wrapped_key) const;
  // A public fingerprint of the KEK: lower-case hex of the first 16 bytes of
  // HMAC-SHA-256(kek, "cityid kek id v1"). Stored in the ledger's meta so a
  // ledger refuses to start with a KEK that is not the vault's; reveals
  // nothing about the key.
  std::string KekId() const;

 private:
  std::string kek_;
  std::string blind_index_key_;
};

// Lowercase, Latin diacritics folded, whitespace collapsed and trimmed:
// "  José   PÉREZ " -> "jose perez". Folding covers the UTF-8 Latin-1
// Supplement (U+00C0-U+00FF) and Latin Extended-A (U+0100-U+017F) by a small
// table (ß -> ss, æ -> ae, œ -> oe, ł -> l, ...); other characters pass
// through unchanged (ASCII letters lowercased). Not full Unicode NFKD.
std::string NormalizeName(std::string_view name);

// AES-256-GCM of `plaintext` under the 32-byte `key` with associated data
// `aad`: nonce(12) | ciphertext | tag(16). Exposed for tests.
Result<std::string> AesGcmSeal(std::string_view key, std::string_view aad,
                               std::string_view plaintext);
Result<std::string> AesGcmOpen(std::string_view key, std::string_view aad,
                               std::string_view sealed);

}  // namespace cityid

#endif  // CITYID_LEDGER_VAULT_VAULT_H_
