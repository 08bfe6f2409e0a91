// First start of a data directory (SPEC §1): creates the key-encryption key,
// the blind-index key and one bearer token per role, and writes
//   <data>/tokens.json  {"clerk": "cid_...", ...}   mode 0600 (plaintext, for
//                        the operator; the only copy of the tokens)
//   <data>/auth.json    the token store: ids, SHA-256 hashes and roles
// Later starts find the files and change nothing.
//
// The KEK is never kept inside the data directory (SPEC §6, docs/PRIVACY.md):
//   kek.file (env CITYID_KEK_FILE)  where it is, e.g. a systemd credential
//                                   ($CREDENTIALS_DIRECTORY/cityid-kek) or a
//                                   removable/tmpfs mount; created if missing
//   keys.dir                        default for both keys: <data>.keys/, a
//                                   sibling of the data directory (mode 0700)
// BootstrapDataDir refuses a layout whose KEK lies under the data directory.
#ifndef CITYID_TOOLS_BOOTSTRAP_H_
#define CITYID_TOOLS_BOOTSTRAP_H_

#include <string>

#include "base/status.h"
#include "tools/config.h"

namespace cityid {

struct DataLayout {
  std::string data_dir;
  std::string keys_dir;           // keys.dir, default <data>.keys
  std::string kek_file;           // kek.file, default <keys>/kek.key
  std::string blind_index_key;    // <keys>/blind_index.key
  std::string statuslist_key;     // <keys>/statuslist.pem (Ed25519, PKCS#8)
  std::string tokens_file;        // <data>/tokens.json
  std::string auth_file;          // <data>/auth.json
  std::string checkpoint_key;     // <keys>/checkpoint.key (note signer text)
  std::string checkpoint_origin;  // see tools/ledger_integrity.h
};

DataLayout LayoutFor(const Config& config);

// True when `path` is `dir` or lies under it (after making both absolute
// and normal; symlinks are not resolved for paths that do not exist yet).
bool IsInsideDirectory(const std::string& path, const std::string& dir);

// Creates whatever of the above is missing. Returns true in `created` when
// the tokens were minted by this call. kInvalidArgument when the KEK would
// lie inside the data directory.
Status BootstrapDataDir(const DataLayout& layout, bool* created);

// Reads one role's token from tokens.json; kNotFound when absent.
Result<std::string> ReadRoleToken(const std::string& tokens_file,
                                  const std::string& role);

}  // namespace cityid

#endif  // CITYID_TOOLS_BOOTSTRAP_H_
