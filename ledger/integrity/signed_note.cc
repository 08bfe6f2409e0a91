#include "ledger/integrity/signed_note.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "base/bytes.h"

namespace cityid {
namespace {

constexpr size_t kEd25519KeySize = 32;
constexpr size_t kEd25519SignatureSize = 64;
constexpr int kMaxSignatures = 100;  // as Go's note.Open

// Decodes one UTF-8 code point at s[*i], advancing *i; -1 when ill-formed
// (overlong forms, surrogates and values above U+10FFFF included).
int32_t DecodeRune(std::string_view s, size_t* i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byte(*i);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (len == 0 || b0 > 0xF4 || *i + len > s.size()) return -1;
  int32_t cp = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    uint8_t b = byte(*i + k);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return -1;
  }
  *i += len;
  return cp;
}

// Go's unicode.IsSpace.
bool IsUnicodeSpace(int32_t cp) {
  switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// Standard padded base64 that re-encodes to exactly `text`.
Result<std::string> CanonicalBase64Decode(std::string_view text) {
  Result<std::string> raw = Base64Decode(text);
  if (!raw.ok() || Base64Encode(*raw) != text) {
    return Malformed("invalid base64");
  }
  return raw;
}

// Text before and after the first `sep` (after is empty if there is none).
std::pair<std::string_view, std::string_view> Chop(std::string_view s,
                                                   char sep) {
  size_t i = s.find(sep);
  if (i == std::string_view::npos) return {s, {}};
  return {s.substr(0, i), s.substr(i + 1)};
}

std::string HashHex(uint32_t hash) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", hash);
  return buf;
}

Result<uint32_t> ParseHashHex(std::string_view hex) {
  if (hex.size() != 8) return Malformed("key hash is not 8 hex digits");
  uint32_t v = 0;
  for (char c : hex) {
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (d < 0) return Malformed("key hash is not 8 hex digits");
    v = (v << 4) | static_cast<uint32_t>(d);
  }
  return v;
}

uint32_t ReadBigEndian32(std::string_view b) {
  return (uint32_t{static_cast<uint8_t>(b[0])} << 24) |
         (uint32_t{static_cast<uint8_t>(b[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[2])} << 8) |
         uint32_t{static_cast<uint8_t>(b[3])};
}

std::string BigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
          static_cast<char>(v >> 8), static_cast<char>(v)};
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::shared_ptr<EVP_PKEY> WrapKey(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// Splits "<name>+<hash hex>+<base64(alg || key)>" and checks the name and
// the algorithm byte; returns (name, hash, 32 key bytes).
struct KeyText {
  std::string name;
  uint32_t hash = 0;
  std::string key;
};

Result<KeyText> ParseKeyText(std::string_view text) {
  auto [name, rest] = Chop(text, '+');
  auto [hash_hex, key64] = Chop(rest, '+');
  if (!IsValidNoteKeyName(name)) return Malformed("invalid key name");
  CITYID_ASSIGN_OR_RETURN(uint32_t hash, ParseHashHex(hash_hex));
  Result<std::string> key = CanonicalBase64Decode(key64);
  if (!key.ok()) return Malformed("key is not valid base64");
  if (key->empty() || static_cast<uint8_t>((*key)[0]) != kNoteAlgEd25519) {
    return Malformed("key algorithm is not Ed25519 (0x01)");
  }
  if (key->size() != 1 + kEd25519KeySize) {
    return Malformed("Ed25519 key is not 32 bytes");
  }
  return KeyText{std::string(name), hash, key->substr(1)};
}

std::string EncodedKey(std::string_view key) {
  return std::string(1, static_cast<char>(kNoteAlgEd25519)) + std::string(key);
}

}  // namespace

bool IsValidNoteKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    int32_t cp = DecodeRune(name, &i);
    if (cp < 0 || cp == '+' || IsUnicodeSpace(cp)) return false;
  }
  return true;
}

bool IsValidNoteText(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    int32_t cp = DecodeRune(text, &i);
    if (cp < 0 || (cp < 0x20 && cp != '\n')) return false;
  }
  return true;
}

uint32_t NoteKeyHash(std::string_view name, std::string_view encoded_key) {
  std::string input(name);
  input.push_back('\n');
  input.append(encoded_key);
  Sha256Digest d = Sha256(input);
  return ReadBigEndian32(
      std::string_view(reinterpret_cast<const char*>(d.data()), 4));
}

// --- NoteVerifier ---

Result<NoteVerifier> NoteVerifier::FromEd25519PublicKey(
    std::string_view name, std::string_view public_key) {
  if (!IsValidNoteKeyName(name)) return InvalidArgument("invalid key name");
  if (public_key.size() != kEd25519KeySize) {
    return InvalidArgument("Ed25519 public key is not 32 bytes");
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, Bytes(public_key), kEd25519KeySize);
  if (key == nullptr) return InvalidArgument("invalid Ed25519 public key");
  NoteVerifier v;
  v.name_ = std::string(name);
  v.public_key_ = std::string(public_key);
  v.key_hash_ = NoteKeyHash(name, EncodedKey(public_key));
  v.key_ = WrapKey(key);
  return v;
}

Result<NoteVerifier> NoteVerifier::Parse(std::string_view vkey) {
  Result<KeyText> parsed = ParseKeyText(vkey);
  if (!parsed.ok()) {
    return Malformed("verifier key: " + parsed.status().message());
  }
  Result<NoteVerifier> v = FromEd25519PublicKey(parsed->name, parsed->key);
  if (!v.ok()) return Malformed("verifier key: " + v.status().message());
  if (v->key_hash() != parsed->hash) {
    return Malformed("verifier key: hash does not match name and key");
  }
  return v;
}

std::string NoteVerifier::ToString() const {
  return name_ + "+" + HashHex(key_hash_) + "+" +
         Base64Encode(EncodedKey(public_key_));
}

bool NoteVerifier::Verify(std::string_view message,
                          std::string_view signature) const {
  if (key_ == nullptr || signature.size() != kEd25519SignatureSize) {
    return false;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(ctx, Bytes(signature), signature.size(), Bytes(message),
                       message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// --- NoteSigner ---

Result<NoteSigner> NoteSigner::FromEd25519Seed(std::string_view name,
                                               std::string_view seed) {
  if (!IsValidNoteKeyName(name)) return InvalidArgument("invalid key name");
  if (seed.size() != kEd25519KeySize) {
    return InvalidArgument("Ed25519 seed is not 32 bytes");
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                               Bytes(seed), kEd25519KeySize);
  if (key == nullptr) return InvalidArgument("invalid Ed25519 seed");
  NoteSigner s;
  s.key_ = WrapKey(key);
  std::string public_key(kEd25519KeySize, '\0');
  size_t len = public_key.size();
  if (EVP_PKEY_get_raw_public_key(
          key, reinterpret_cast<unsigned char*>(public_key.data()), &len) !=
          1 ||
      len != kEd25519KeySize) {
    return Internal("cannot derive the Ed25519 public key");
  }
  CITYID_ASSIGN_OR_RETURN(s.verifier_,
                          NoteVerifier::FromEd25519PublicKey(name, public_key));
  s.name_ = std::string(name);
  s.key_hash_ = s.verifier_.key_hash();
  return s;
}

Result<NoteSigner> NoteSigner::Parse(std::string_view skey) {
  auto [private_word, rest] = Chop(skey, '+');
  auto [key_word, key_text] = Chop(rest, '+');
  if (private_word != "PRIVATE" || key_word != "KEY") {
    return Malformed("signer key: does not start with PRIVATE+KEY+");
  }
  Result<KeyText> parsed = ParseKeyText(key_text);
  if (!parsed.ok()) {
    return Malformed("signer key: " + parsed.status().message());
  }
  Result<NoteSigner> s = FromEd25519Seed(parsed->name, parsed->key);
  OPENSSL_cleanse(parsed->key.data(), parsed->key.size());
  if (!s.ok()) return Malformed("signer key: " + s.status().message());
  if (s->key_hash() != parsed->hash) {
    return Malformed("signer key: hash does not match name and public key");
  }
  return s;
}

Result<NoteSigner> NoteSigner::Generate(std::string_view name) {
  std::string seed = RandomBytes(kEd25519KeySize);
  Result<NoteSigner> s = FromEd25519Seed(name, seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  return s;
}

std::string NoteSigner::ToString() const {
  std::string seed(kEd25519KeySize, '\0');
  size_t len = seed.size();
  // Cannot fail for a key built by FromEd25519Seed.
  EVP_PKEY_get_raw_private_key(
      key_.get(), reinterpret_cast<unsigned char*>(seed.data()), &len);
  std::string text = "PRIVATE+KEY+" + name_ + "+" + HashHex(key_hash_) + "+" +
                     Base64Encode(EncodedKey(seed));
  OPENSSL_cleanse(seed.data(), seed.size());
  return text;
}

Result<std::string> NoteSigner::Sign(std::string_view message) const {
  std::string sig(kEd25519SignatureSize, '\0');
  size_t len = sig.size();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return Internal("EVP_MD_CTX_new failed");
  bool ok =
      EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_.get()) == 1 &&
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                     Bytes(message), message.size()) == 1 &&
      len == kEd25519SignatureSize;
  EVP_MD_CTX_free(ctx);
  if (!ok) return Internal("Ed25519 signing failed");
  return sig;
}

// --- notes ---

Result<std::string> SignNote(std::string_view text,
                             std::span<const NoteSigner> signers) {
  if (text.empty() || text.back() != '\n') {
    return Malformed("malformed note: text does not end in a newline");
  }
  if (!IsValidNoteText(text)) {
    return Malformed("malformed note: not UTF-8 or has control characters");
  }
  std::string note(text);
  note.push_back('\n');
  for (const NoteSigner& signer : signers) {
    CITYID_ASSIGN_OR_RETURN(std::string sig, signer.Sign(text));
    note.append(kNoteSignaturePrefix);
    note.append(signer.name());
    note.push_back(' ');
    note.append(Base64Encode(BigEndian32(signer.key_hash()) + sig));
    note.push_back('\n');
  }
  return note;
}

Result<std::string> SignNote(std::string_view text, const NoteSigner& signer) {
  return SignNote(text, std::span<const NoteSigner>(&signer, 1));
}

namespace {

struct ParsedLine {
  NoteSignature signature;
  std::string raw;  // the signature bytes after the key ID
};

Result<ParsedLine> ParseSignatureLine(std::string_view line) {
  if (line.substr(0, kNoteSignaturePrefix.size()) != kNoteSignaturePrefix) {
    return Malformed(
        "malformed note: signature line does not start with "
        "an em dash and a space");
  }
  line.remove_prefix(kNoteSignaturePrefix.size());
  auto [name, b64] = Chop(line, ' ');
  Result<std::string> sig = CanonicalBase64Decode(b64);
  if (!IsValidNoteKeyName(name) || b64.empty() || !sig.ok() ||
      sig->size() < 5) {
    return Malformed("malformed note: bad signature line for '" +
                     std::string(name) + "'");
  }
  ParsedLine out;
  out.signature = {std::string(name), ReadBigEndian32(*sig), std::string(b64)};
  out.raw = sig->substr(4);
  return out;
}

std::string KeyLabel(const std::string& name, uint32_t hash) {
  return name + "+" + HashHex(hash);
}

}  // namespace

Result<OpenedNote> OpenNote(std::string_view note,
                            std::span<const NoteVerifier> known) {
  std::map<std::pair<std::string, uint32_t>, const NoteVerifier*> by_key;
  for (const NoteVerifier& v : known) {
    auto [it, fresh] = by_key.emplace(std::pair(v.name(), v.key_hash()), &v);
    if (!fresh) {
      return InvalidArgument("ambiguous key " +
                             KeyLabel(v.name(), v.key_hash()));
    }
  }
  if (!IsValidNoteText(note)) {
    return Malformed("malformed note: not UTF-8 or has control characters");
  }
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return Malformed("malformed note: no blank line before the signatures");
  }
  OpenedNote opened;
  opened.text = std::string(note.substr(0, split + 1));
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return Malformed(
        "malformed note: signature block does not end in a "
        "newline");
  }
  std::set<std::pair<std::string, uint32_t>> seen;
  std::set<std::string_view> seen_unverified;
  int count = 0;
  while (!sigs.empty()) {
    size_t eol = sigs.find('\n');
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    CITYID_ASSIGN_OR_RETURN(ParsedLine parsed, ParseSignatureLine(line));
    if (++count > kMaxSignatures) {
      return Malformed("malformed note: more than 100 signatures");
    }
    const NoteSignature& sig = parsed.signature;
    auto key = std::pair(sig.name, sig.key_hash);
    auto it = by_key.find(key);
    if (it == by_key.end()) {
      if (seen_unverified.insert(line).second) opened.unverified.push_back(sig);
      continue;
    }
    if (!seen.insert(key).second) continue;  // repeated signature by one key
    if (!it->second->Verify(opened.text, parsed.raw)) {
      return Corruption("bad signature for key " +
                        KeyLabel(sig.name, sig.key_hash));
    }
    opened.verified.push_back(sig);
  }
  if (opened.verified.empty()) {
    std::string seen_keys;
    for (const NoteSignature& s : opened.unverified) {
      seen_keys +=
          (seen_keys.empty() ? "" : ", ") + KeyLabel(s.name, s.key_hash);
    }
    return NotFound("unknown key: no signature from a known key (signed by: " +
                    seen_keys + ")");
  }
  return opened;
}

}  // namespace cityid
