#include "projections/status_list/zlib_codec.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace cityid::statuslist {
namespace {

constexpr size_t kChunk = 64 * 1024;

// RAII for an inflate stream.
class InflateStream {
 public:
  InflateStream() = default;
  ~InflateStream() {
    if (initialised_) inflateEnd(&stream_);
  }
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;

  bool Init() {
    initialised_ = inflateInit(&stream_) == Z_OK;
    return initialised_;
  }
  z_stream* get() { return &stream_; }

 private:
  z_stream stream_{};
  bool initialised_ = false;
};

}  // namespace

Result<std::string> ZlibCompress(std::string_view bytes) {
  if (bytes.size() > std::numeric_limits<uLong>::max() / 2) {
    return TooLarge("input too large for zlib");
  }
  uLongf out_len = compressBound(static_cast<uLong>(bytes.size()));
  std::string out(out_len, '\0');
  const int rc =
      compress2(reinterpret_cast<Bytef*>(out.data()), &out_len,
                reinterpret_cast<const Bytef*>(bytes.data()),
                static_cast<uLong>(bytes.size()), Z_BEST_COMPRESSION);
  if (rc != Z_OK)
    return Internal("zlib compress2 failed: " + std::to_string(rc));
  out.resize(out_len);
  return out;
}

Result<std::string> ZlibInflate(std::string_view compressed,
                                size_t max_output) {
  if (compressed.size() > std::numeric_limits<uInt>::max()) {
    return TooLarge("compressed status list too large");
  }
  InflateStream stream;
  if (!stream.Init()) return Internal("zlib inflateInit failed");
  z_stream* zs = stream.get();
  zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs->avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (out.size() > max_output) break;
    const size_t before = out.size();
    const size_t room = std::min(kChunk, max_output + 1 - out.size());
    out.resize(before + room);
    zs->next_out = reinterpret_cast<Bytef*>(out.data() + before);
    zs->avail_out = static_cast<uInt>(room);
    rc = inflate(zs, Z_NO_FLUSH);
    out.resize(before + (room - zs->avail_out));
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && zs->avail_in == 0) {
      return Malformed("ZLIB stream is truncated");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Malformed(std::string("ZLIB stream is corrupt: ") +
                       (zs->msg != nullptr ? zs->msg : "inflate error"));
    }
  }
  if (out.size() > max_output) {
    return TooLarge("decompressed status list exceeds " +
                    std::to_string(max_output) + " bytes");
  }
  if (zs->avail_in != 0)
    return Malformed("bytes follow the end of the ZLIB stream");
  return out;
}

}  // namespace cityid::statuslist
