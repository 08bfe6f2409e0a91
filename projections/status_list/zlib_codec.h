// ZLIB/DEFLATE adapter (RFC 1950/1951) for the Token Status List's `lst`.
// The only file in this library that includes <zlib.h>.
//
// Stateless free functions; safe from any thread.
#ifndef CITYID_PROJECTIONS_STATUS_LIST_ZLIB_CODEC_H_
#define CITYID_PROJECTIONS_STATUS_LIST_ZLIB_CODEC_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cityid::statuslist {

// ZLIB stream of `bytes` at the best compression level (the draft RECOMMENDS
// the highest level). Returns kInternal only if zlib itself fails.
Result<std::string> ZlibCompress(std::string_view bytes);

// Inflates one complete ZLIB stream. Returns kMalformed for a corrupt or
// truncated stream or bytes after its end, and kTooLarge as soon as the
// output would exceed `max_output` bytes (a decompression bomb never
// allocates more than max_output + one 64 KiB chunk).
Result<std::string> ZlibInflate(std::string_view compressed, size_t max_output);

}  // namespace cityid::statuslist

#endif  // CITYID_PROJECTIONS_STATUS_LIST_ZLIB_CODEC_H_
