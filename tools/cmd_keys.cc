// `cityid keys`: creates the keys and tokens of a data directory, and
// rotates the key-encryption key.
//
//   keys init        the KEK, the blind-index key and one token per role
//                    (tools/bootstrap.h; the KEK outside the data directory)
//   keys rotate-kek  with the ledger stopped: a new KEK is written next to
//                    the old one (<kek>.next), every data key is re-wrapped
//                    under it in one atomic batch (ledger/vault_admin.h), the
//                    old KEK file is overwritten and the new one renamed
//                    over it. Interrupted at any point, running it again
//                    finishes the rotation; the ledger refuses to start with
//                    a KEK that is not its vault's.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "base/bytes.h"
#include "ledger/vault/vault.h"
#include "ledger/vault_admin.h"
#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/key_files.h"
#include "tools/service.h"

namespace cityid {
namespace {

namespace fs = std::filesystem;

int RunInit(const CommonFlags& flags) {
  auto config = LoadConfig(flags, "");
  if (!config.ok()) return Fail(config.status());
  const DataLayout layout = LayoutFor(*config);
  bool created = false;
  if (Status s = BootstrapDataDir(layout, &created); !s.ok()) return Fail(s);
  std::cout << "key-encryption key " << fs::absolute(layout.kek_file).string()
            << "\n"
            << "keys in " << fs::absolute(layout.keys_dir).string() << "\n"
            << "tokens in " << fs::absolute(layout.tokens_file).string()
            << (created ? " (created now)" : " (already there)") << std::endl;
  return 0;
}

// Overwrites `path` in place with random bytes and syncs it, so the old key
// does not stay in the file's blocks on a simple filesystem (copy-on-write
// filesystems and SSD wear levelling may keep it: docs/PRIVACY.md).
Status Overwrite(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY);
  if (fd < 0)
    return Unavailable("cannot open " + path + ": " + strerror(errno));
  const std::string noise = RandomBytes(32);
  const bool ok = write(fd, noise.data(), noise.size()) ==
                      static_cast<ssize_t>(noise.size()) &&
                  fsync(fd) == 0;
  close(fd);
  return ok ? Status::Ok() : Unavailable("cannot overwrite " + path);
}

Status SyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Unavailable("cannot open " + dir);
  const bool ok = fsync(fd) == 0;
  close(fd);
  return ok ? Status::Ok() : Unavailable("cannot sync " + dir);
}

int RunRotateKek(const CommonFlags& flags) {
  auto config = LoadConfig(flags, "");
  if (!config.ok()) return Fail(config.status());
  const DataLayout layout = LayoutFor(*config);
  if (!fs::exists(layout.kek_file))
    return Fail(NotFound("no key-encryption key at " + layout.kek_file));
  const std::string next = layout.kek_file + ".next";
  // Reused when an earlier rotation was interrupted after creating it.
  if (Status s = EnsureRandomKeyFile(next, 32); !s.ok()) return Fail(s);
  auto from = Vault::Open(layout.kek_file, layout.blind_index_key);
  if (!from.ok()) return Fail(from.status());
  auto to = Vault::Open(next, layout.blind_index_key);
  if (!to.ok()) return Fail(to.status());

  auto report = RewrapVault(layout.data_dir, **from, **to);
  if (!report.ok() && report.status().code() != Code::kNotFound)
    return Fail(report.status());  // kNotFound: no ledger yet, nothing wrapped
  if (Status s = Overwrite(layout.kek_file); !s.ok()) return Fail(s);
  if (rename(next.c_str(), layout.kek_file.c_str()) != 0) {
    return Fail(Unavailable("the vault is now under the new KEK in " + next +
                            " but it could not replace " + layout.kek_file +
                            ": " + strerror(errno) + "; install " + next +
                            " as the KEK"));
  }
  const std::string dir = fs::path(layout.kek_file).parent_path().string();
  if (Status s = SyncDirectory(dir.empty() ? "." : dir); !s.ok())
    return Fail(s);
  const size_t n = report.ok() ? report->rewrapped : 0;
  std::cout << "key-encryption key rotated: " << n << " data key(s) re-wrapped"
            << (report.ok() && report->already_done
                    ? " (finishing an interrupted rotation)"
                    : "")
            << "; kek_id " << (*to)->KekId() << " in "
            << fs::absolute(layout.kek_file).string() << std::endl;
  return 0;
}

}  // namespace

void AddKeysCommand(CLI::App* app) {
  CLI::App* keys = app->add_subcommand("keys", "create and rotate keys");
  keys->require_subcommand(1);
  auto flags = std::make_shared<CommonFlags>();
  CLI::App* init =
      keys->add_subcommand("init",
                           "create the key-encryption key, the blind-index key "
                           "and one token per role");
  AddCommonFlags(init, flags.get(), /*with_port=*/false);
  init->callback([flags] { throw CLI::RuntimeError(RunInit(*flags)); });
  CLI::App* rotate = keys->add_subcommand(
      "rotate-kek",
      "re-wrap every data key under a new key-encryption key (ledger "
      "stopped)");
  AddCommonFlags(rotate, flags.get(), /*with_port=*/false);
  rotate->callback([flags] { throw CLI::RuntimeError(RunRotateKek(*flags)); });
}

}  // namespace cityid
