#include "ledger/vault/vault.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <fstream>
#include <iterator>
#include <sstream>

#include "base/bytes.h"

namespace cityid {
namespace {

constexpr size_t kKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr uint32_t kPiiFormatVersion = 1;

// ASCII folding of U+00C0..U+017F (Latin-1 Supplement letters and Latin
// Extended-A); nullptr: keep the character (× and ÷).
const char* const kLatinFold[] = {
    "a", "a", "a",  "a",  "a", "a", "ae", "c",
    "e", "e", "e",  "e",  "i", "i", "i",  "i",  // U+00C0
    "d", "n", "o",  "o",  "o", "o", "o",  nullptr,
    "o", "u", "u",  "u",  "u", "y", "th", "ss",  // U+00D0
    "a", "a", "a",  "a",  "a", "a", "ae", "c",
    "e", "e", "e",  "e",  "i", "i", "i",  "i",  // U+00E0
    "d", "n", "o",  "o",  "o", "o", "o",  nullptr,
    "o", "u", "u",  "u",  "u", "y", "th", "y",  // U+00F0
    "a", "a", "a",  "a",  "a", "a", "c",  "c",
    "c", "c", "c",  "c",  "c", "c", "d",  "d",  // U+0100
    "d", "d", "e",  "e",  "e", "e", "e",  "e",
    "e", "e", "e",  "e",  "g", "g", "g",  "g",  // U+0110
    "g", "g", "g",  "g",  "h", "h", "h",  "h",
    "i", "i", "i",  "i",  "i", "i", "i",  "i",  // U+0120
    "i", "i", "ij", "ij", "j", "j", "k",  "k",
    "k", "l", "l",  "l",  "l", "l", "l",  "l",  // U+0130
    "l", "l", "l",  "n",  "n", "n", "n",  "n",
    "n", "n", "n",  "n",  "o", "o", "o",  "o",  // U+0140
    "o", "o", "oe", "oe", "r", "r", "r",  "r",
    "r", "r", "s",  "s",  "s", "s", "s",  "s",  // U+0150
    "s", "s", "t",  "t",  "t", "t", "t",  "t",
    "u", "u", "u",  "u",  "u", "u", "u",  "u",  // U+0160
    "u", "u", "u",  "u",  "w", "w", "y",  "y",
    "y", "z", "z",  "z",  "z", "z", "z",  "s",  // U+0170
};
static_assert(std::size(kLatinFold) == 0x180 - 0xC0);

Result<std::string> ReadKeyFile(const std::string& path,
                                std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return InvalidArgument(std::string(what) + " " + path + " cannot be read");
  std::string key((std::istreambuf_iterator<char>(in)),
                  std::istreambuf_iterator<char>());
  if (key.size() != kKeySize) {
    return InvalidArgument(std::string(what) + " " + path +
                           " must hold exactly 32 bytes");
  }
  return key;
}

struct CipherCtx {
  CipherCtx() : ctx(EVP_CIPHER_CTX_new()) {}
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
  EVP_CIPHER_CTX* ctx;
};

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

std::string SerializePii(const PiiRecord& pii) {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive ar(out);
    ar(kPiiFormatVersion, pii);
  }
  return std::move(out).str();
}

Result<PiiRecord> DeserializePii(const std::string& bytes) {
  try {
    std::istringstream in(bytes);
    cereal::PortableBinaryInputArchive ar(in);
    uint32_t version = 0;
    PiiRecord pii;
    ar(version, pii);
    if (version != kPiiFormatVersion)
      return Corruption("unknown vault record version");
    return pii;
  } catch (const std::exception&) {
    return Corruption("vault record does not decode");
  }
}

void Cleanse(std::string& s) { OPENSSL_cleanse(s.data(), s.size()); }

}  // namespace

Result<std::string> AesGcmSeal(std::string_view key, std::string_view aad,
                               std::string_view plaintext) {
  if (key.size() != kKeySize)
    return Internal("AES-256-GCM key must be 32 bytes");
  std::string out = RandomBytes(kNonceSize);
  out.resize(kNonceSize + plaintext.size() + kTagSize);
  CipherCtx c;
  int len = 0, fin = 0;
  bool ok = c.ctx != nullptr &&
            EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, U(key),
                               U(out)) == 1 &&
            EVP_EncryptUpdate(c.ctx, nullptr, &len, U(aad),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(c.ctx, U(out) + kNonceSize, &len, U(plaintext),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(c.ctx, U(out) + kNonceSize + len, &fin) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagSize,
                                U(out) + kNonceSize + plaintext.size()) == 1;
  if (!ok) return Internal("AES-256-GCM encryption failed");
  return out;
}

Result<std::string> AesGcmOpen(std::string_view key, std::string_view aad,
                               std::string_view sealed) {
  if (key.size() != kKeySize)
    return Internal("AES-256-GCM key must be 32 bytes");
  if (sealed.size() < kNonceSize + kTagSize)
    return Corruption("sealed blob too short");
  size_t n = sealed.size() - kNonceSize - kTagSize;
  std::string plain(n, '\0');
  std::string tag(sealed.substr(kNonceSize + n));
  CipherCtx c;
  int len = 0, fin = 0;
  bool ok =
      c.ctx != nullptr &&
      EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, U(key),
                         U(sealed)) == 1 &&
      EVP_DecryptUpdate(c.ctx, nullptr, &len, U(aad),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(c.ctx, U(plain), &len, U(sealed) + kNonceSize,
                        static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagSize, U(tag)) == 1 &&
      EVP_DecryptFinal_ex(c.ctx, U(plain) + len, &fin) == 1;
  if (!ok) {
    Cleanse(plain);
    return Corruption("vault blob fails authentication");
  }
  return plain;
}

Result<std::unique_ptr<Vault>> Vault::Open(
    const std::string& kek_file, const std::string& blind_index_key_file) {
  CITYID_ASSIGN_OR_RETURN(std::string kek, ReadKeyFile(kek_file, "kek_file"));
  std::string blind;
  if (blind_index_key_file.empty()) {
    Sha256Digest d = HmacSha256(kek, "cityid blind index v1");
    blind.assign(reinterpret_cast<const char*>(d.data()), d.size());
  } else {
    CITYID_ASSIGN_OR_RETURN(
        blind, ReadKeyFile(blind_index_key_file, "blind_index_key_file"));
  }
  return std::make_unique<Vault>(std::move(kek), std::move(blind));
}

Vault::Vault(std::string kek, std::string blind_index_key)
    : kek_(std::move(kek)), blind_index_key_(std::move(blind_index_key)) {}

Result<SealedPii> Vault::Seal(std::string_view resident_id,
                              const PiiRecord& pii) const {
  std::string data_key = RandomBytes(kKeySize);
  std::string plain = SerializePii(pii);
  Result<std::string> ciphertext = AesGcmSeal(data_key, resident_id, plain);
  Cleanse(plain);
  Result<std::string> wrapped = AesGcmSeal(kek_, resident_id, data_key);
  Cleanse(data_key);
  if (!ciphertext.ok()) return ciphertext.status();
  if (!wrapped.ok()) return wrapped.status();
  std::string digest = Sha256String(*ciphertext);
  return SealedPii{std::move(wrapped).value(), std::move(ciphertext).value(),
                   std::move(digest)};
}

Result<PiiRecord> Vault::Unseal(std::string_view resident_id,
                                std::string_view wrapped_key,
                                std::string_view ciphertext) const {
  CITYID_ASSIGN_OR_RETURN(std::string data_key,
                          AesGcmOpen(kek_, resident_id, wrapped_key));
  Result<std::string> plain = AesGcmOpen(data_key, resident_id, ciphertext);
  Cleanse(data_key);
  if (!plain.ok()) return plain.status();
  Result<PiiRecord> pii = DeserializePii(*plain);
  Cleanse(*plain);
  return pii;
}

Result<std::string> Vault::Rewrap(std::string_view resident_id,
                                  std::string_view wrapped_key,
                                  const Vault& target) const {
  CITYID_ASSIGN_OR_RETURN(std::string data_key,
                          AesGcmOpen(kek_, resident_id, wrapped_key));
  Result<std::string> rewrapped =
      AesGcmSeal(target.kek_, resident_id, data_key);
  Cleanse(data_key);
  return rewrapped;
}

Status Vault::CheckWrappedKey(std::string_view resident_id,
                              std::string_view wrapped_key) const {
  CITYID_ASSIGN_OR_RETURN(std::string data_key,
                          AesGcmOpen(kek_, resident_id, wrapped_key));
  Cleanse(data_key);
  return Status::Ok();
}

std::string Vault::KekId() const {
  Sha256Digest mac = HmacSha256(kek_, "cityid kek id v1");
  return HexEncode(
      std::string_view(reinterpret_cast<const char*>(mac.data()), 16));
}

std::string Vault::BlindIndex(const PiiRecord& pii) const {
  auto given = pii.find("given_name");
  auto family = pii.find("family_name");
  if (given == pii.end() || family == pii.end()) return "";
  auto dob = pii.find("date_of_birth");
  std::string message = NormalizeName(given->second) + "|" +
                        NormalizeName(family->second) + "|" +
                        (dob == pii.end() ? "" : dob->second);
  Sha256Digest mac = HmacSha256(blind_index_key_, message);
  Cleanse(message);
  return std::string(reinterpret_cast<const char*>(mac.data()), mac.size());
}

std::string NormalizeName(std::string_view name) {
  std::string out;
  bool pending_space = false;
  auto emit = [&](std::string_view piece) {
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
    out.append(piece);
  };
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
        c == '\f') {
      pending_space = true;
      continue;
    }
    if (c < 0x80) {
      char lower = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      emit(std::string_view(&lower, 1));
      continue;
    }
    // Two-byte UTF-8 lead bytes 0xC2..0xCD cover U+0080..U+036F.
    auto next =
        i + 1 < name.size() ? static_cast<unsigned char>(name[i + 1]) : 0u;
    if (c >= 0xC2 && c <= 0xCD && (next & 0xC0) == 0x80) {
      unsigned cp = ((c & 0x1Fu) << 6) | (next & 0x3Fu);
      if (cp == 0xA0) {  // no-break space
        pending_space = true;
        ++i;
        continue;
      }
      if (cp >= 0x300 && cp <= 0x36F) {  // combining marks (decomposed input)
        ++i;
        continue;
      }
      if (cp >= 0xC0 && cp < 0x180 && kLatinFold[cp - 0xC0] != nullptr) {
        emit(kLatinFold[cp - 0xC0]);
        ++i;
        continue;
      }
    }
    emit(std::string_view(name.data() + i, 1));
  }
  return out;
}

}  // namespace cityid
