#include "tools/bootstrap.h"

#include <boost/json.hpp>
#include <filesystem>

#include "api/auth.h"
#include "projections/revocation_keys.h"
#include "tools/key_files.h"
#include "tools/ledger_integrity.h"

namespace cityid {

namespace fs = std::filesystem;

namespace {

fs::path Normal(const std::string& p) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(p), ec);
  if (ec) abs = fs::absolute(p).lexically_normal();
  // "a/b/" and "a/b" are the same directory.
  if (!abs.has_filename() && abs.has_parent_path()) abs = abs.parent_path();
  return abs;
}

}  // namespace

bool IsInsideDirectory(const std::string& path, const std::string& dir) {
  const fs::path p = Normal(path), d = Normal(dir);
  auto pi = p.begin();
  for (auto di = d.begin(); di != d.end(); ++di, ++pi) {
    if (pi == p.end() || *pi != *di) return false;
  }
  return true;
}

DataLayout LayoutFor(const Config& config) {
  DataLayout l;
  l.data_dir = config.GetString("data");
  l.keys_dir = config.GetString("keys.dir");
  if (l.keys_dir.empty()) {
    // A sibling of the data directory: "./var" -> "./var.keys".
    l.keys_dir = Normal(l.data_dir).string() + ".keys";
  }
  l.kek_file = config.GetString("kek.file");
  if (l.kek_file.empty())
    l.kek_file = (fs::path(l.keys_dir) / "kek.key").string();
  l.blind_index_key = (fs::path(l.keys_dir) / "blind_index.key").string();
  l.statuslist_key = (fs::path(l.keys_dir) / "statuslist.pem").string();
  l.tokens_file = (fs::path(l.data_dir) / "tokens.json").string();
  l.auth_file = (fs::path(l.data_dir) / "auth.json").string();
  l.checkpoint_key = (fs::path(l.keys_dir) / "checkpoint.key").string();
  l.checkpoint_origin = CheckpointOrigin(config);
  return l;
}

Status BootstrapDataDir(const DataLayout& layout, bool* created) {
  *created = false;
  std::error_code ec;
  fs::create_directories(layout.data_dir, ec);
  if (ec)
    return Unavailable("cannot create " + layout.data_dir + ": " +
                       ec.message());
  if (IsInsideDirectory(layout.kek_file, layout.data_dir)) {
    return InvalidArgument(
        "the key-encryption key " + layout.kek_file +
        " must not be inside the data directory " + layout.data_dir +
        " (set keys.dir or kek.file / CITYID_KEK_FILE elsewhere)");
  }
  CITYID_RETURN_IF_ERROR(EnsureRandomKeyFile(layout.kek_file, 32));
  CITYID_RETURN_IF_ERROR(EnsureRandomKeyFile(layout.blind_index_key, 32));
  CITYID_RETURN_IF_ERROR(
      EnsureCheckpointKey(layout.checkpoint_key, layout.checkpoint_origin));
  // The status-list signing key: SigningKey::Generate + SavePemFile (0600)
  // when missing.
  CITYID_RETURN_IF_ERROR(
      LoadOrCreateSigningKey(layout.statuslist_key).status());
  if (fs::exists(layout.tokens_file) && fs::exists(layout.auth_file))
    return Status::Ok();

  boost::json::object plaintext;
  std::vector<TokenRecord> records;
  for (Role role : AllRoles()) {
    const std::string name(RoleName(role));
    MintedToken minted = MintToken(name + "-1", {role});
    plaintext[name] = minted.token;
    records.push_back(std::move(minted.record));
  }
  // auth.json first: a crash between the two leaves no usable plaintext
  // token without its record (the next start mints both anew).
  fs::remove(layout.auth_file, ec);
  fs::remove(layout.tokens_file, ec);
  CITYID_RETURN_IF_ERROR(
      WriteSecretFileOnce(layout.auth_file, TokenStore::ToJson(records)));
  CITYID_RETURN_IF_ERROR(WriteSecretFileOnce(
      layout.tokens_file, boost::json::serialize(plaintext) + "\n"));
  *created = true;
  return Status::Ok();
}

Result<std::string> ReadRoleToken(const std::string& tokens_file,
                                  const std::string& role) {
  CITYID_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(tokens_file));
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object())
    return Malformed(tokens_file + " is not a JSON object");
  const boost::json::value* t = v.as_object().if_contains(role);
  if (t == nullptr || !t->is_string())
    return NotFound("no " + role + " token in " + tokens_file);
  return std::string(t->as_string());
}

}  // namespace cityid
