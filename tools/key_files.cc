#include "tools/key_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/bytes.h"

namespace cityid {

namespace fs = std::filesystem;

Status WriteSecretFileOnce(const std::string& path,
                           const std::string& contents) {
  if (fs::exists(path)) return Status::Ok();
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec)
      return Unavailable("cannot create " + parent.string() + ": " +
                         ec.message());
    fs::permissions(parent, fs::perms::owner_all, ec);
  }
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return Unavailable("cannot create " + tmp + ": " + strerror(errno));
  const bool written = write(fd, contents.data(), contents.size()) ==
                       static_cast<ssize_t>(contents.size());
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (!written || !synced || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return Unavailable("cannot write " + path + ": " + strerror(errno));
  }
  return Status::Ok();
}

Status EnsureRandomKeyFile(const std::string& path, size_t n) {
  return WriteSecretFileOnce(path, RandomBytes(n));
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace cityid
