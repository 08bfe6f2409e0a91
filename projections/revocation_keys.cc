#include "projections/revocation_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/bytes.h"

namespace cityid {
namespace fs = std::filesystem;
namespace json = boost::json;
using statuslist::Jwk;
using statuslist::Jwks;
using statuslist::SigningKey;
namespace {

Status WriteFileSynced(const std::string& path, std::string_view data) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Unavailable("cannot create " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Unavailable("cannot write " + path + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    return Unavailable("cannot sync " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

Status RenameInto(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) return Unavailable("cannot rename " + from + ": " + ec.message());
  return Status::Ok();
}

Status SaveKeyAtomically(const SigningKey& key, const std::string& path) {
  const std::string tmp = path + ".tmp";
  CITYID_RETURN_IF_ERROR(key.SavePemFile(tmp));
  return RenameInto(tmp, path);
}

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<std::vector<RetiredKey>> LoadRetired(const std::string& key_file) {
  const std::string path = RetiredKeysFileFor(key_file);
  if (!fs::exists(path)) return std::vector<RetiredKey>();
  CITYID_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  return ParseRetiredKeys(text);
}

Result<RetiredKey> ParseRetiredKey(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr) return Malformed("a retired key is not an object");
  const json::value* kid = o->if_contains("kid");
  const json::value* x = o->if_contains("x");
  const json::value* at = o->if_contains("retired_at");
  if (kid == nullptr || !kid->is_string() || x == nullptr || !x->is_string() ||
      at == nullptr || !at->is_int64()) {
    return Malformed("a retired key needs kid, x and retired_at");
  }
  Result<std::string> raw = Base64UrlDecode(x->as_string());
  if (!raw.ok() || raw->size() != statuslist::kEd25519PublicKeyBytes)
    return Malformed("a retired key's x is not a 32-byte Ed25519 key");
  return RetiredKey{Jwk{std::string(kid->as_string()), std::move(*raw)},
                    at->as_int64()};
}

// Modification times of both files, "" parts for absent files.
std::string FileStamp(const std::string& key_file) {
  std::string stamp;
  for (const std::string& path : {key_file, RetiredKeysFileFor(key_file)}) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      stamp += std::to_string(st.st_mtim.tv_sec) + "." +
               std::to_string(st.st_mtim.tv_nsec) + "/" +
               std::to_string(st.st_size);
    }
    stamp += ";";
  }
  return stamp;
}

}  // namespace

std::string RetiredKeysFileFor(const std::string& key_file) {
  const std::string suffix = ".pem";
  if (key_file.size() > suffix.size() &&
      key_file.compare(key_file.size() - suffix.size(), suffix.size(),
                       suffix) == 0) {
    return key_file.substr(0, key_file.size() - suffix.size()) +
           ".retired.json";
  }
  return key_file + ".retired.json";
}

std::string RetiredKeysToJson(const std::vector<RetiredKey>& keys) {
  json::array arr;
  for (const RetiredKey& k : keys) {
    arr.push_back(json::object{{"kty", "OKP"},
                               {"crv", "Ed25519"},
                               {"kid", k.key.kid},
                               {"x", Base64UrlEncode(k.key.public_key)},
                               {"retired_at", k.retired_at}});
  }
  return json::serialize(json::object{{"keys", std::move(arr)}}) + "\n";
}

Result<std::vector<RetiredKey>> ParseRetiredKeys(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  const json::value* keys =
      ec || !v.is_object() ? nullptr : v.as_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array())
    return Malformed("the retired keys file is not {\"keys\": [...]}");
  std::vector<RetiredKey> out;
  for (const json::value& k : keys->as_array()) {
    CITYID_ASSIGN_OR_RETURN(RetiredKey key, ParseRetiredKey(k));
    out.push_back(std::move(key));
  }
  return out;
}

Result<SigningKey> LoadOrCreateSigningKey(const std::string& path,
                                          bool* created) {
  if (created != nullptr) *created = false;
  if (fs::exists(path)) return SigningKey::LoadPemFile(path);
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent)) {
    // A new keys directory is the owner's only (mode 0700).
    fs::create_directories(parent, ec);
    if (!ec) fs::permissions(parent, fs::perms::owner_all, ec);
    if (ec) return Unavailable("cannot create " + parent.string());
  }
  CITYID_ASSIGN_OR_RETURN(SigningKey key, SigningKey::Generate());
  CITYID_RETURN_IF_ERROR(SaveKeyAtomically(key, path));
  if (created != nullptr) *created = true;
  return key;
}

Result<SigningKey> RotateSigningKey(const std::string& key_file, Micros now) {
  CITYID_ASSIGN_OR_RETURN(SigningKey old_key,
                          SigningKey::LoadPemFile(key_file));
  CITYID_ASSIGN_OR_RETURN(std::vector<RetiredKey> retired,
                          LoadRetired(key_file));
  retired.push_back(RetiredKey{Jwk{old_key.kid(), old_key.public_key()},
                               now / kMicrosPerSecond});
  // The retired file first: a crash between the two steps leaves the old key
  // current and listed as retired, which publishes it either way.
  const std::string retired_file = RetiredKeysFileFor(key_file);
  CITYID_RETURN_IF_ERROR(
      WriteFileSynced(retired_file + ".tmp", RetiredKeysToJson(retired)));
  CITYID_RETURN_IF_ERROR(RenameInto(retired_file + ".tmp", retired_file));
  CITYID_ASSIGN_OR_RETURN(SigningKey fresh, SigningKey::Generate());
  CITYID_RETURN_IF_ERROR(SaveKeyAtomically(fresh, key_file));
  return fresh;
}

Jwks KeySet::Published(Micros now, int64_t max_lifetime_seconds) const {
  Jwks out;
  out.AddPublicOf(current).PermitUnchecked();  // a fresh set: cannot clash
  std::vector<const RetiredKey*> live;
  for (const RetiredKey& k : retired) {
    const int64_t until =
        k.retired_at + max_lifetime_seconds + kRetiredKeySlackSeconds;
    if (now < until * kMicrosPerSecond) live.push_back(&k);
  }
  std::stable_sort(live.begin(), live.end(), [](auto* a, auto* b) {
    return a->retired_at > b->retired_at;
  });
  // A key retired twice, or the current key listed as retired, is added
  // once; Add() refuses only a kid naming two different keys, skipped here.
  for (const RetiredKey* k : live) out.Add(k->key).PermitUnchecked();
  return out;
}

Result<std::unique_ptr<RevocationKeys>> RevocationKeys::Open(
    const std::string& key_file) {
  const std::string stamp = FileStamp(key_file);
  CITYID_ASSIGN_OR_RETURN(SigningKey current, LoadOrCreateSigningKey(key_file));
  CITYID_ASSIGN_OR_RETURN(std::vector<RetiredKey> retired,
                          LoadRetired(key_file));
  std::unique_ptr<RevocationKeys> keys(new RevocationKeys(
      key_file, KeySet{std::move(current), std::move(retired)}));
  keys->stamp_ = FileStamp(key_file) == stamp ? stamp : "";
  return keys;
}

RevocationKeys::RevocationKeys(KeySet keys)
    : keys_(std::make_shared<const KeySet>(std::move(keys))) {}

RevocationKeys::RevocationKeys(std::string key_file, KeySet keys)
    : key_file_(std::move(key_file)),
      keys_(std::make_shared<const KeySet>(std::move(keys))) {}

std::shared_ptr<const KeySet> RevocationKeys::keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_;
}

Status RevocationKeys::MaybeReload(Micros now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (key_file_.empty() || now < next_check_) return Status::Ok();
  next_check_ = now + kReloadInterval;
  const std::string stamp = FileStamp(key_file_);
  if (stamp == stamp_) return Status::Ok();
  CITYID_ASSIGN_OR_RETURN(SigningKey current,
                          SigningKey::LoadPemFile(key_file_));
  CITYID_ASSIGN_OR_RETURN(std::vector<RetiredKey> retired,
                          LoadRetired(key_file_));
  keys_ = std::make_shared<const KeySet>(
      KeySet{std::move(current), std::move(retired)});
  stamp_ = stamp;
  return Status::Ok();
}

}  // namespace cityid
