// Test helpers of the vault and of every ledger test (ledger_test_util.h
// includes this): a temp directory and random key files.
#ifndef CITYID_LEDGER_VAULT_VAULT_TEST_UTIL_H_
#define CITYID_LEDGER_VAULT_VAULT_TEST_UTIL_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/bytes.h"

namespace cityid::testing_util {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("cityid_ledger_test_" + std::to_string(::getpid()) + "_" +
             HexEncode(RandomBytes(6)));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline std::string WriteKeyFile(const std::string& dir,
                                const std::string& name) {
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << RandomBytes(32);
  return path;
}

}  // namespace cityid::testing_util

#endif  // CITYID_LEDGER_VAULT_VAULT_TEST_UTIL_H_
