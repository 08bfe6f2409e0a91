// StatusArray: the flat two-bit status array behind every revocation status
// list, packed exactly as the IETF Token Status List draft defines it
// (draft-ietf-oauth-status-list, "Status List" with bits = 2): entry i lives
// in byte i / 4, at bit offset 2 * (i % 4), so index 0 sits in the two
// least-significant bits of byte 0.
//
// Values: 0 valid, 1 revoked, 2 suspended (EntryStatus). The draft leaves 3
// to applications; cityid never writes it, but a decoded foreign list may
// hold it, so the raw accessors carry values 0..3.
//
// Lookup is O(1): one byte load, a shift and a mask (no bounds check in
// Get(); callers check `index < size()`).
//
// Ownership and threading: a value type that owns its bytes. Concurrent
// const calls are safe; mutation needs external synchronisation.
#ifndef CITYID_PROJECTIONS_STATUS_LIST_STATUS_ARRAY_H_
#define CITYID_PROJECTIONS_STATUS_LIST_STATUS_ARRAY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cityid::statuslist {

enum class EntryStatus : uint8_t {
  kValid = 0,
  kRevoked = 1,
  kSuspended = 2,
};

// "valid", "revoked", "suspended".
std::string_view EntryStatusName(EntryStatus status);

// Largest list this library builds or accepts: 2^26 entries (16 MiB packed).
// A decoder refuses larger sizes before allocating anything.
inline constexpr uint32_t kMaxListEntries = 1u << 26;

class StatusArray {
 public:
  StatusArray() = default;
  // `size` entries, all valid. Precondition: size <= kMaxListEntries.
  explicit StatusArray(uint32_t size);

  // Adopts draft-packed bytes holding `size` entries. Returns kMalformed when
  // `packed` is not exactly ceil(size / 4) bytes or a padding bit past the
  // last entry is set; kTooLarge when size > kMaxListEntries.
  static Result<StatusArray> FromPacked(std::string packed, uint32_t size);

  uint32_t size() const { return size_; }

  // Raw two-bit value (0..3) of entry `index`. Precondition: index < size().
  uint8_t Get(uint32_t index) const {
    return static_cast<uint8_t>(
        (static_cast<uint8_t>(bytes_[index >> 2]) >> ((index & 3u) * 2)) & 3u);
  }
  // Precondition: index < size(), value <= 3.
  void Set(uint32_t index, uint8_t value);
  void Set(uint32_t index, EntryStatus status) {
    Set(index, static_cast<uint8_t>(status));
  }

  // The draft's byte array: ceil(size / 4) bytes, unused high bits zero.
  const std::string& packed() const { return bytes_; }

  // Sorted indices whose raw value equals `value`.
  std::vector<uint32_t> IndicesWith(uint8_t value) const;
  uint32_t CountOf(uint8_t value) const;

  bool operator==(const StatusArray& other) const = default;

 private:
  uint32_t size_ = 0;
  std::string bytes_;
};

}  // namespace cityid::statuslist

#endif  // CITYID_PROJECTIONS_STATUS_LIST_STATUS_ARRAY_H_
