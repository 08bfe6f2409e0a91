// Regression tests for what fuzzing found (issue 9). Each test holds the
// input (or a minimal equivalent) and the expected graceful answer.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <string>

#include "base/bytes.h"
#include "schemas/event_codec.h"

// The largest single allocation through operator new since the last reset:
// the regression tests below check the decoder never allocates what the
// input merely declares (the old decoder caught the resulting bad_alloc or
// allocated gigabytes and returned kCorruption all the same, so the status
// alone cannot tell).
static std::atomic<size_t> g_largest_new{0};

void* operator new(size_t n) {
  size_t seen = g_largest_new.load();
  while (n > seen && !g_largest_new.compare_exchange_weak(seen, n)) {
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace cityid {
namespace {

std::string ReadGolden(const std::string& name) {
  std::ifstream in(std::string(CITYID_GOLDEN_DIR) + "/" + name,
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void PutU32(std::string& out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>(v >> (8 * i));
}
void PutU64(std::string& out, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[at + i] = static_cast<char>(v >> (8 * i));
}

// Re-signs a frame whose body was edited: the CRC32C covers version + body.
std::string Refresh(std::string frame) {
  PutU32(frame, 4, Crc32c(std::string_view(frame).substr(8)));
  return frame;
}

// fuzz_event_decode: a frame with a valid checksum whose first string
// (event_id, after the endianness byte and the u64 seq) declares 3 GiB. The
// stock cereal archive resized the string to 3 GiB before noticing the input
// was 300 bytes long (libFuzzer: out-of-memory / malloc limit).
TEST(FuzzRegressionTest, EventWithHugeStringLengthIsCorruptionNotAllocation) {
  std::string frame = ReadGolden("v1_resident_enrolled.bin");
  ASSERT_GT(frame.size(), 40u);
  ASSERT_TRUE(DecodeEvent(frame).ok());
  PutU64(frame, kFrameHeaderSize + 1 + 8, 3ull << 30);
  const std::string bad = Refresh(frame);
  g_largest_new = 0;
  auto decoded = DecodeEvent(bad);
  EXPECT_LT(g_largest_new.load(), 64u << 10) << "allocated what it declared";
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), Code::kCorruption);
}

TEST(FuzzRegressionTest, EventWithMaximalSizeTagIsCorruption) {
  std::string frame = ReadGolden("v1_card_issued.bin");
  PutU64(frame, kFrameHeaderSize + 1 + 8, ~0ull);
  const std::string bad = Refresh(frame);
  g_largest_new = 0;
  auto decoded = DecodeEvent(bad);
  EXPECT_LT(g_largest_new.load(), 64u << 10);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), Code::kCorruption);
}

TEST(FuzzRegressionTest, EveryGoldenEventStillDecodesAndRoundTrips) {
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(CITYID_GOLDEN_DIR))) {
    if (entry.path().extension() != ".bin") continue;
    const std::string frame = ReadGolden(entry.path().filename().string());
    auto decoded = DecodeEvent(frame);
    ASSERT_TRUE(decoded.ok()) << entry.path() << decoded.status().ToString();
    EXPECT_EQ(EncodeEvent(*decoded), frame) << entry.path();
  }
}

TEST(FuzzRegressionTest, TruncatedBodyWithValidChecksumIsCorruption) {
  std::string frame = ReadGolden("v1_resident_updated.bin");
  for (size_t cut = 1; cut + kFrameHeaderSize < frame.size(); cut += 7) {
    std::string shorter = frame.substr(0, frame.size() - cut);
    PutU32(shorter, 0,
           static_cast<uint32_t>(shorter.size() - kFrameHeaderSize));
    auto decoded = DecodeEvent(Refresh(shorter));
    EXPECT_FALSE(decoded.ok()) << cut;
  }
}

}  // namespace
}  // namespace cityid
