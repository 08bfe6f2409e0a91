#include "tools/erasure_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

namespace cityid {
namespace {

Status Errno(const std::string& what) {
  return Unavailable(what + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot append to " + path);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Makes a newly created journal's directory entry durable too.
Status SyncParent(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Errno("cannot open " + parent.string());
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("cannot sync " + parent.string());
}

}  // namespace

std::string ErasureJournalPath(const Config& config) {
  std::string path = config.GetString("backup.journal");
  if (!path.empty()) return path;
  std::filesystem::path data =
      std::filesystem::path(config.GetString("data")).lexically_normal();
  if (!data.has_filename()) data = data.parent_path();  // "var/" -> "var"
  return data.string() + ".erasures";
}

Status ErasureJournal::Append(const std::vector<std::string>& resident_ids) {
  std::string text;
  for (const std::string& id : resident_ids) text += id + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  const bool existed = std::filesystem::exists(path_);
  int fd =
      ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot open " + path_);
  Status s = WriteAll(fd, text, path_);
  if (s.ok() && ::fdatasync(fd) != 0) s = Errno("cannot sync " + path_);
  ::close(fd);
  if (s.ok() && !existed) s = SyncParent(path_);
  return s;
}

Result<std::vector<std::string>> ErasureJournal::Read(const std::string& path) {
  std::vector<std::string> ids;
  if (!std::filesystem::exists(path)) return ids;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unavailable("cannot read " + path);
  std::string content((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
  std::set<std::string> seen;
  size_t start = 0;
  // Only newline-terminated lines count: a torn last append is skipped (its
  // erase was never acknowledged).
  for (size_t end; (end = content.find('\n', start)) != std::string::npos;
       start = end + 1) {
    std::string id = content.substr(start, end - start);
    if (!id.empty() && seen.insert(id).second) ids.push_back(id);
  }
  return ids;
}

}  // namespace cityid
