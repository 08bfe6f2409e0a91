#include "projections/status_list/ed25519.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "base/bytes.h"

namespace cityid::statuslist {
namespace {

constexpr size_t kMaxPemBytes = 64 * 1024;

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

const unsigned char* U8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string RawPublicKey(EVP_PKEY* pkey) {
  std::string out(kEd25519PublicKeyBytes, '\0');
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(
          pkey, reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != out.size()) {
    return {};
  }
  return out;
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

}  // namespace

struct SigningKey::Impl {
  PkeyPtr pkey;
};

SigningKey::SigningKey(std::shared_ptr<const Impl> impl)
    : impl_(std::move(impl)) {
  public_key_ = RawPublicKey(impl_->pkey.get());
  kid_ = Ed25519Thumbprint(public_key_);
}

Result<SigningKey> SigningKey::Generate() {
  return FromSeed(RandomBytes(kEd25519SeedBytes));
}

Result<SigningKey> SigningKey::FromSeed(std::string_view seed) {
  if (seed.size() != kEd25519SeedBytes) {
    return InvalidArgument("an Ed25519 seed is 32 bytes, got " +
                           std::to_string(seed.size()));
  }
  auto impl = std::make_shared<Impl>();
  impl->pkey.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                U8(seed), seed.size()));
  if (!impl->pkey) return Internal("OpenSSL refused an Ed25519 seed");
  return SigningKey(std::move(impl));
}

Result<SigningKey> SigningKey::FromPem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) return Malformed("PEM text too long");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Internal("BIO_new_mem_buf failed");
  auto impl = std::make_shared<Impl>();
  impl->pkey.reset(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!impl->pkey ||
      EVP_PKEY_get_base_id(impl->pkey.get()) != EVP_PKEY_ED25519) {
    ERR_clear_error();  // leave no stale errors for other OpenSSL users
    return Malformed("not a PEM-encoded Ed25519 private key");
  }
  return SigningKey(std::move(impl));
}

Result<SigningKey> SigningKey::LoadPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open signing key file " + path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return FromPem(contents.str());
}

Status SigningKey::SavePemFile(const std::string& path) const {
  const std::string pem = ToPem();
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return Unavailable("cannot create " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < pem.size()) {
    const ssize_t n = ::write(fd, pem.data() + done, pem.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Unavailable("cannot write " + path + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Unavailable("cannot sync " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

std::string SigningKey::Seed() const {
  std::string out(kEd25519SeedBytes, '\0');
  size_t len = out.size();
  EVP_PKEY_get_raw_private_key(
      impl_->pkey.get(), reinterpret_cast<unsigned char*>(out.data()), &len);
  return out;
}

std::string SigningKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0,
                           nullptr, nullptr);
  return BioContents(bio.get());
}

std::string SigningKey::Sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(kEd25519SignatureBytes, '\0');
  size_t len = sig.size();
  // Ed25519 is "one-shot": no digest, the whole message in one call.
  const bool ok =
      ctx &&
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr,
                         impl_->pkey.get()) == 1 &&
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()),
                     &len, U8(message), message.size()) == 1;
  // A valid key cannot fail to sign except on allocation failure; an empty
  // signature then simply never verifies.
  if (!ok || len != sig.size()) return {};
  return sig;
}

bool VerifyEd25519(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  if (public_key.size() != kEd25519PublicKeyBytes ||
      signature.size() != kEd25519SignatureBytes) {
    return false;
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                           U8(public_key), public_key.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx) return false;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) !=
      1) {
    return false;
  }
  const bool ok = EVP_DigestVerify(ctx.get(), U8(signature), signature.size(),
                                   U8(message), message.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

std::string Ed25519Thumbprint(std::string_view public_key) {
  // RFC 7638 §3.2: required members only, lexicographic order, no spaces.
  const std::string canonical =
      "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" +
      Base64UrlEncode(public_key) + "\"}";
  return Base64UrlEncode(Sha256String(canonical));
}

Result<std::string> PublicKeyToPem(std::string_view public_key) {
  if (public_key.size() != kEd25519PublicKeyBytes) {
    return InvalidArgument("an Ed25519 public key is 32 bytes");
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                           U8(public_key), public_key.size()));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!pkey || !bio || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) {
    return Internal("OpenSSL could not encode an Ed25519 public key");
  }
  return BioContents(bio.get());
}

Result<std::string> PublicKeyFromPem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) return Malformed("PEM text too long");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Internal("BIO_new_mem_buf failed");
  PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey || EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_ED25519) {
    ERR_clear_error();
    return Malformed("not a PEM-encoded Ed25519 public key");
  }
  return RawPublicKey(pkey.get());
}

}  // namespace cityid::statuslist
