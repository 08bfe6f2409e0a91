// `cityid keys`: creates the keys and tokens of a data directory.
#include <filesystem>
#include <iostream>

#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/service.h"

namespace cityid {
namespace {

int RunInit(const CommonFlags& flags) {
  auto config = LoadConfig(flags, "");
  if (!config.ok()) return Fail(config.status());
  const DataLayout layout = LayoutFor(*config);
  bool created = false;
  if (Status s = BootstrapDataDir(layout, &created); !s.ok()) return Fail(s);
  std::cout << "keys in " << std::filesystem::absolute(layout.keys_dir).string()
            << "\n"
            << "tokens in "
            << std::filesystem::absolute(layout.tokens_file).string()
            << (created ? " (created now)" : " (already there)") << std::endl;
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
}

}  // namespace cityid
