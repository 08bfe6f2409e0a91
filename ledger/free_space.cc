#include "ledger/free_space.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

namespace cityid {

FreeSpaceProbe StatvfsProbe(std::string path) {
  return [path = std::move(path)]() -> Result<uint64_t> {
    struct statvfs s {};
    if (::statvfs(path.c_str(), &s) != 0) {
      return Unavailable("cannot tell the free space of " + path + ": " +
                         std::strerror(errno));
    }
    return static_cast<uint64_t>(s.f_bavail) * s.f_frsize;
  };
}

Status FreeSpaceFloor::Check(uint64_t incoming) const {
  if (floor_ == 0) return Status::Ok();
  Result<uint64_t> free = probe_();
  Status refusal;
  if (!free.ok()) {
    refusal = Unavailable(free.status().message());
  } else if (*free < floor_) {
    refusal = Unavailable("disk full: " + std::to_string(*free) +
                          " bytes free below floor " + std::to_string(floor_));
  } else if (*free - floor_ < incoming) {
    refusal = Unavailable("disk full: " + std::to_string(*free) +
                          " bytes free, a " + std::to_string(incoming) +
                          "-byte write would leave less than floor " +
                          std::to_string(floor_));
  }
  if (refusal.ok()) {
    if (refusing_.exchange(false))
      spdlog::info("ledger: free space is above the floor again ({} bytes)",
                   *free);
    return refusal;
  }
  if (!refusing_.exchange(true))
    spdlog::warn("ledger: refusing writes: {}", refusal.message());
  return refusal;
}

}  // namespace cityid
