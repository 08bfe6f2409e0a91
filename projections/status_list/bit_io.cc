#include "projections/status_list/bit_io.h"

#include <cassert>
#include <utility>

namespace cityid::statuslist {

void BitWriter::WriteBits(uint64_t value, unsigned count) {
  assert(count <= 32 && (count == 32 || value < (uint64_t{1} << count)) &&
         "BitWriter::WriteBits value wider than count");
  // pending_bits_ < 8, so at most 39 bits are held here.
  pending_ = (pending_ << count) | value;
  pending_bits_ += count;
  while (pending_bits_ >= 8) {
    pending_bits_ -= 8;
    bytes_.push_back(static_cast<char>((pending_ >> pending_bits_) & 0xFFu));
  }
  pending_ &= (uint64_t{1} << pending_bits_) - 1;
}

void BitWriter::WriteUnary(uint64_t q) {
  while (q >= 31) {
    WriteBits(0x7FFFFFFFu, 31);
    q -= 31;
  }
  // q ones followed by one zero: (2^q - 1) << 1 in q + 1 bits.
  WriteBits(((uint64_t{1} << q) - 1) << 1, static_cast<unsigned>(q) + 1);
}

std::string BitWriter::Finish() {
  if (pending_bits_ > 0) WriteBits(0, 8 - pending_bits_);
  std::string out = std::move(bytes_);
  bytes_.clear();
  pending_ = 0;
  pending_bits_ = 0;
  return out;
}

bool BitReader::ReadBits(unsigned count, uint64_t* value) {
  if (count > 32 || count > bits_left()) return false;
  uint64_t v = 0;
  unsigned remaining = count;
  // Leading partial byte, then whole bytes, then a trailing partial byte.
  while (remaining > 0 && (position_ & 7) != 0) {
    v = (v << 1) | BitAt(position_++);
    --remaining;
  }
  while (remaining >= 8) {
    v = (v << 8) | data_[position_ >> 3];
    position_ += 8;
    remaining -= 8;
  }
  while (remaining > 0) {
    v = (v << 1) | BitAt(position_++);
    --remaining;
  }
  *value = v;
  return true;
}

bool BitReader::ReadUnary(uint64_t limit, uint64_t* q) {
  uint64_t ones = 0;
  while (true) {
    if (position_ >= total_bits_) return false;
    // Skip whole 0xFF bytes at once when byte-aligned.
    if ((position_ & 7) == 0 && data_[position_ >> 3] == 0xFF &&
        position_ + 8 <= total_bits_) {
      ones += 8;
      position_ += 8;
    } else if (BitAt(position_++) == 1) {
      ++ones;
    } else {
      break;
    }
    if (ones > limit) return false;
  }
  *q = ones;
  return true;
}

}  // namespace cityid::statuslist
