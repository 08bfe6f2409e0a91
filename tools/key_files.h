// Secret files under the keys directory: created once, mode 0600, written
// atomically (temp file + fsync + rename), never overwritten.
#ifndef CITYID_TOOLS_KEY_FILES_H_
#define CITYID_TOOLS_KEY_FILES_H_

#include <string>

#include "base/status.h"

namespace cityid {

// Writes `contents` to `path` with mode 0600 unless it exists. Creates the
// parent directory (mode 0700). kUnavailable on an I/O error.
Status WriteSecretFileOnce(const std::string& path,
                           const std::string& contents);

// Ensures `path` holds `n` random bytes; creates it on first use.
Status EnsureRandomKeyFile(const std::string& path, size_t n);

Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace cityid

#endif  // CITYID_TOOLS_KEY_FILES_H_
