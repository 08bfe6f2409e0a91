// `cityid tokens add|list|revoke`: manages the bearer tokens in auth.json
// (SPEC §3: tokens stored only as hashes).
//
//   add --role R [--role R2 ...] [--id ID]   mints a token, stores its hash,
//                                            prints the token once
//   list                                     id, roles and hash prefix
//   revoke ID                                removes the record (and the
//                                            plaintext from tokens.json, if
//                                            the bootstrap token is revoked)
//
// auth.json is rewritten atomically (temp file, fsync, rename; mode 0600).
// Running services read it at start: restart them (or `cityid up`'s
// children) for a change to take effect (docs/PRIVACY.md).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "api/auth.h"
#include "tools/commands.h"
#include "tools/key_files.h"
#include "tools/service.h"

namespace cityid {
namespace {

namespace fs = std::filesystem;

struct TokenFlags {
  CommonFlags common;
  std::vector<std::string> roles;
  std::string id;
};

std::string AuthFile(const Config& config) {
  std::string path = config.GetString("auth.file");
  if (!path.empty()) return path;
  return (fs::path(config.GetString("data")) / "auth.json").string();
}

Status WriteAtomically(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return Unavailable("cannot create " + tmp + ": " + strerror(errno));
  const bool ok = write(fd, contents.data(), contents.size()) ==
                      static_cast<ssize_t>(contents.size()) &&
                  fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return Unavailable("cannot write " + path + ": " + strerror(errno));
  }
  return Status::Ok();
}

Result<std::vector<TokenRecord>> LoadRecords(const std::string& path) {
  CITYID_ASSIGN_OR_RETURN(std::string json, ReadWholeFile(path));
  CITYID_ASSIGN_OR_RETURN(TokenStore store, TokenStore::FromJson(json));
  return store.records();
}

Status SaveRecords(const std::string& path, std::vector<TokenRecord> records) {
  // Validate the whole set the way a service will load it.
  CITYID_RETURN_IF_ERROR(TokenStore::FromRecords(records).status());
  return WriteAtomically(path, TokenStore::ToJson(records));
}

std::string FreeId(const std::vector<TokenRecord>& records,
                   const std::string& role) {
  for (int n = 1;; ++n) {
    std::string id = role + "-" + std::to_string(n);
    bool taken = false;
    for (const TokenRecord& r : records) taken = taken || r.id == id;
    if (!taken) return id;
  }
}

int RunAdd(const TokenFlags& flags) {
  auto config = LoadConfig(flags.common, "");
  if (!config.ok()) return Fail(config.status());
  const std::string path = AuthFile(*config);
  auto records = LoadRecords(path);
  if (!records.ok()) return Fail(records.status());
  std::vector<Role> roles;
  for (const std::string& name : flags.roles) {
    auto role = ParseRole(name);
    if (!role.ok()) return Fail(role.status());
    roles.push_back(*role);
  }
  const std::string id =
      flags.id.empty() ? FreeId(*records, flags.roles.front()) : flags.id;
  MintedToken minted = MintToken(id, roles);
  records->push_back(minted.record);
  if (Status s = SaveRecords(path, *records); !s.ok()) return Fail(s);
  std::cerr << "token " << id << " added to " << path
            << "; it is shown only now. Restart the services to accept it.\n";
  std::cout << minted.token << std::endl;
  return 0;
}

int RunList(const TokenFlags& flags) {
  auto config = LoadConfig(flags.common, "");
  if (!config.ok()) return Fail(config.status());
  auto records = LoadRecords(AuthFile(*config));
  if (!records.ok()) return Fail(records.status());
  for (const TokenRecord& r : *records) {
    std::string roles;
    for (Role role : r.roles)
      roles += (roles.empty() ? "" : ",") + std::string(RoleName(role));
    std::cout << r.id << "\t" << roles
              << "\tsha256:" << r.sha256_hex.substr(0, 12) << "\n";
  }
  return 0;
}

// Drops the plaintext of a revoked bootstrap token from tokens.json.
Status ForgetPlaintext(const Config& config, const std::string& sha256_hex) {
  const std::string path =
      (fs::path(config.GetString("data")) / "tokens.json").string();
  if (!fs::exists(path)) return Status::Ok();
  CITYID_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return Status::Ok();  // not ours to repair
  boost::json::object& tokens = v.as_object();
  std::vector<std::string> drop;
  for (const auto& kv : tokens) {
    if (kv.value().is_string() &&
        HashToken(std::string(kv.value().as_string())) == sha256_hex)
      drop.emplace_back(kv.key().data(), kv.key().size());
  }
  if (drop.empty()) return Status::Ok();
  for (const std::string& k : drop) tokens.erase(k);
  return WriteAtomically(path, boost::json::serialize(tokens) + "\n");
}

int RunRevoke(const TokenFlags& flags) {
  auto config = LoadConfig(flags.common, "");
  if (!config.ok()) return Fail(config.status());
  const std::string path = AuthFile(*config);
  auto records = LoadRecords(path);
  if (!records.ok()) return Fail(records.status());
  auto it =
      std::find_if(records->begin(), records->end(),
                   [&](const TokenRecord& r) { return r.id == flags.id; });
  if (it == records->end())
    return Fail(NotFound("no token with id " + flags.id + " in " + path));
  const std::string hash = it->sha256_hex;
  records->erase(it);
  if (Status s = SaveRecords(path, *records); !s.ok()) return Fail(s);
  if (Status s = ForgetPlaintext(*config, hash); !s.ok()) return Fail(s);
  std::cerr << "token " << flags.id << " revoked in " << path
            << ". Restart the services to refuse it.\n";
  return 0;
}

}  // namespace

void AddTokensCommand(CLI::App* app) {
  CLI::App* tokens =
      app->add_subcommand("tokens", "add, list and revoke bearer tokens");
  tokens->require_subcommand(1);
  auto flags = std::make_shared<TokenFlags>();

  CLI::App* add = tokens->add_subcommand(
      "add", "mint a token for one or more roles; prints it once");
  AddCommonFlags(add, &flags->common, /*with_port=*/false);
  add->add_option("--role", flags->roles,
                  "clerk, supervisor, auditor, analyst, projection or admin "
                  "(repeatable)")
      ->required();
  add->add_option("--id", flags->id,
                  "token id recorded as the actor (default <role>-<n>)");
  add->callback([flags] { throw CLI::RuntimeError(RunAdd(*flags)); });

  CLI::App* list = tokens->add_subcommand("list", "list token ids and roles");
  AddCommonFlags(list, &flags->common, /*with_port=*/false);
  list->callback([flags] { throw CLI::RuntimeError(RunList(*flags)); });

  CLI::App* revoke = tokens->add_subcommand("revoke", "remove a token");
  AddCommonFlags(revoke, &flags->common, /*with_port=*/false);
  revoke->add_option("id", flags->id, "token id")->required();
  revoke->callback([flags] { throw CLI::RuntimeError(RunRevoke(*flags)); });
}

}  // namespace cityid
