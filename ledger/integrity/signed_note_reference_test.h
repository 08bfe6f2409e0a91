// Test-only signed-note verifier written from the C2SP signed-note spec
// alone (https://c2sp.org/signed-note), sharing no code with signed_note.cc:
// it splits the note itself, computes the key ID itself and calls OpenSSL's
// Ed25519 directly.
#ifndef CITYID_LEDGER_INTEGRITY_SIGNED_NOTE_REFERENCE_TEST_H_
#define CITYID_LEDGER_INTEGRITY_SIGNED_NOTE_REFERENCE_TEST_H_

#include <openssl/evp.h>

#include <cstdint>
#include <string>

namespace cityid::reference {

// Standard base64 via OpenSSL's block decoder; false on bad input.
inline bool DecodeBase64(const std::string& in, std::string* out) {
  if (in.empty() || in.size() % 4 != 0) return false;
  std::string buf(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buf.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return false;
  size_t pad = (in.back() == '=') + (in[in.size() - 2] == '=');
  buf.resize(static_cast<size_t>(n) - pad);
  *out = buf;
  return true;
}

// key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]
inline std::string KeyId(const std::string& name, const std::string& pub) {
  std::string input = name + "\n" + std::string(1, '\x01') + pub;
  unsigned char digest[32];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), 4);
}

inline bool Ed25519Verify(const std::string& pub, const std::string& msg,
                          const std::string& sig) {
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(pub.data()), pub.size());
  if (key == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
      EVP_DigestVerify(
          ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
          reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

// True iff `note` is text + "\n" + signature lines and one line by
// (name, Ed25519 key `pub`) verifies over the text; the verified text goes
// to *text. Any line by that key that fails rejects the note.
inline bool VerifyNote(const std::string& note, const std::string& name,
                       const std::string& pub, std::string* text) {
  // "the text is separated from the signatures by the last empty line"
  size_t split = note.rfind("\n\n");
  if (split == std::string::npos) return false;
  std::string body = note.substr(0, split + 1);  // includes final newline
  std::string sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') return false;
  const std::string prefix = "\xE2\x80\x94 ";  // U+2014, U+0020
  const std::string id = KeyId(name, pub);
  bool verified = false;
  size_t pos = 0;
  while (pos < sigs.size()) {
    size_t eol = sigs.find('\n', pos);
    std::string line = sigs.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.compare(0, prefix.size(), prefix) != 0) return false;
    line = line.substr(prefix.size());
    size_t sp = line.find(' ');
    if (sp == std::string::npos) return false;
    std::string raw;
    if (!DecodeBase64(line.substr(sp + 1), &raw) || raw.size() < 5) {
      return false;
    }
    if (line.substr(0, sp) != name || raw.substr(0, 4) != id) continue;
    if (!Ed25519Verify(pub, body, raw.substr(4))) return false;
    verified = true;
  }
  if (verified) *text = body;
  return verified;
}

}  // namespace cityid::reference

#endif  // CITYID_LEDGER_INTEGRITY_SIGNED_NOTE_REFERENCE_TEST_H_
