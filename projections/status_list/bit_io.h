// BitWriter / BitReader: most-significant-bit-first bit streams for the
// Golomb–Rice coder. Hand-written: Debian 12 packages no small, maintained
// bit-stream library (Boost has none; the ones inside codecs are private).
//
// BitReader never reads past its input: every read reports failure instead,
// so a decoder fed truncated or garbage bytes returns an error, never UB.
//
// Value types; not thread-safe (one coder at a time).
#ifndef CITYID_PROJECTIONS_STATUS_LIST_BIT_IO_H_
#define CITYID_PROJECTIONS_STATUS_LIST_BIT_IO_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace cityid::statuslist {

class BitWriter {
 public:
  // Appends the low `count` bits of `value`, most significant first.
  // Precondition: count <= 32 and value < 2^count.
  void WriteBits(uint64_t value, unsigned count);
  // Appends `q` one-bits and a terminating zero-bit.
  void WriteUnary(uint64_t q);

  // Bits written so far (before padding).
  uint64_t bit_count() const { return bytes_.size() * 8 + pending_bits_; }
  // Pads with zero bits to a whole byte and returns the bytes; the writer is
  // left empty.
  std::string Finish();

 private:
  std::string bytes_;
  uint64_t pending_ = 0;       // the low pending_bits_ bits are not yet flushed
  unsigned pending_bits_ = 0;  // always < 8 between calls
};

class BitReader {
 public:
  // Reads `bytes`, which must outlive the reader.
  explicit BitReader(std::string_view bytes)
      : data_(reinterpret_cast<const uint8_t*>(bytes.data())),
        total_bits_(static_cast<uint64_t>(bytes.size()) * 8) {}

  // Reads `count` <= 32 bits into *value. False (and nothing consumed) when
  // fewer than `count` bits remain.
  bool ReadBits(unsigned count, uint64_t* value);
  // Reads a unary number (ones ended by a zero). False when the input ends
  // first or more than `limit` ones are seen.
  bool ReadUnary(uint64_t limit, uint64_t* q);

  uint64_t bits_left() const { return total_bits_ - position_; }
  uint64_t position() const { return position_; }

 private:
  unsigned BitAt(uint64_t pos) const {
    return (data_[pos >> 3] >> (7 - (pos & 7))) & 1u;
  }

  const uint8_t* data_;
  uint64_t total_bits_;
  uint64_t position_ = 0;
};

}  // namespace cityid::statuslist

#endif  // CITYID_PROJECTIONS_STATUS_LIST_BIT_IO_H_
