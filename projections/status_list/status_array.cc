#include "projections/status_list/status_array.h"

#include <cassert>
#include <utility>

namespace cityid::statuslist {

std::string_view EntryStatusName(EntryStatus status) {
  switch (status) {
    case EntryStatus::kValid:
      return "valid";
    case EntryStatus::kRevoked:
      return "revoked";
    case EntryStatus::kSuspended:
      return "suspended";
  }
  return "unknown";
}

StatusArray::StatusArray(uint32_t size)
    : size_(size), bytes_((static_cast<size_t>(size) + 3) / 4, '\0') {
  assert(size <= kMaxListEntries && "list larger than kMaxListEntries");
}

Result<StatusArray> StatusArray::FromPacked(std::string packed, uint32_t size) {
  if (size > kMaxListEntries) {
    return TooLarge("status list of " + std::to_string(size) +
                    " entries exceeds the limit of " +
                    std::to_string(kMaxListEntries));
  }
  if (packed.size() != (static_cast<size_t>(size) + 3) / 4) {
    return Malformed("packed status array of " + std::to_string(packed.size()) +
                     " bytes cannot hold exactly " + std::to_string(size) +
                     " two-bit entries");
  }
  const uint32_t used = size & 3u;
  if (used != 0) {
    const uint8_t last = static_cast<uint8_t>(packed.back());
    if ((last >> (used * 2)) != 0) {
      return Malformed("padding bits past the last status entry are set");
    }
  }
  StatusArray array;
  array.size_ = size;
  array.bytes_ = std::move(packed);
  return array;
}

void StatusArray::Set(uint32_t index, uint8_t value) {
  assert(index < size_ && value <= 3 && "StatusArray::Set out of range");
  const unsigned shift = (index & 3u) * 2;
  auto& byte = reinterpret_cast<uint8_t&>(bytes_[index >> 2]);
  byte = static_cast<uint8_t>((byte & ~(3u << shift)) | (value << shift));
}

std::vector<uint32_t> StatusArray::IndicesWith(uint8_t value) const {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < size_; ++i) {
    // Skip whole bytes of valid entries quickly: lists are mostly valid.
    if ((i & 3u) == 0 && value != 0 && bytes_[i >> 2] == '\0') {
      i += 3;
      continue;
    }
    if (Get(i) == value) out.push_back(i);
  }
  return out;
}

uint32_t StatusArray::CountOf(uint8_t value) const {
  uint32_t count = 0;
  for (uint32_t i = 0; i < size_; ++i) count += Get(i) == value ? 1 : 0;
  return count;
}

}  // namespace cityid::statuslist
