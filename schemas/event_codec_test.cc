#include "schemas/event_codec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/bytes.h"
#include "schemas/event_json.h"
#include "schemas/golden_events.h"

namespace cityid {
namespace {

TEST(EventCodecTest, RoundTripsEveryType) {
  for (const Event& e : GoldenEvents()) {
    std::string bytes = EncodeEvent(e);
    Result<Event> back = DecodeEvent(bytes);
    ASSERT_TRUE(back.ok()) << e.type() << ": " << back.status().ToString();
    EXPECT_EQ(*back, e) << e.type();
  }
  EXPECT_EQ(GoldenEvents().size(), AllEventTypes().size());
}

TEST(EventCodecTest, EncodingIsDeterministic) {
  for (const Event& e : GoldenEvents())
    EXPECT_EQ(EncodeEvent(e), EncodeEvent(e));
}

TEST(EventCodecTest, RejectsEveryFlippedByte) {
  const std::string bytes = EncodeEvent(GoldenEvents()[0]);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x01;
    EXPECT_FALSE(DecodeEvent(bad).ok()) << "flip at " << i;
  }
}

TEST(EventCodecTest, RejectsTruncationAndTrailingBytes) {
  const std::string bytes = EncodeEvent(GoldenEvents()[2]);
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(DecodeEvent(bytes.substr(0, n)).ok());
  EXPECT_FALSE(DecodeEvent(bytes + "x").ok());
}

TEST(EventCodecTest, JsonFormCarriesEnvelopeAndPayload) {
  const Event e = GoldenEvents()[0];
  boost::json::object o = EventToJson(e);
  EXPECT_EQ(o.at("type").as_string(), "resident.enrolled");
  EXPECT_EQ(o.at("seq").to_number<uint64_t>(), e.seq);
  EXPECT_EQ(o.at("payload").as_object().at("pii_digest").as_string().size(),
            64u);
}

// Golden files: bytes written by every schema version ever released must
// decode forever. New versions add files; files are never regenerated.
TEST(EventCodecTest, DecodesEveryGoldenFile) {
  const std::filesystem::path dir =
      std::filesystem::path(CITYID_SCHEMAS_DIR) / "golden";
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".bin") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    Result<Event> e = DecodeEvent(bytes);
    ASSERT_TRUE(e.ok()) << entry.path() << ": " << e.status().ToString();
    // v1 files were produced from GoldenEvents(); they must still equal them.
    const std::string stem = entry.path().stem().string();
    if (stem.rfind("v1_", 0) == 0) {
      bool matched = false;
      for (const Event& g : GoldenEvents()) matched |= (g == *e);
      EXPECT_TRUE(matched) << stem << " no longer decodes to its source event";
    }
    ++files;
  }
  EXPECT_GE(files, AllEventTypes().size());
}

}  // namespace
}  // namespace cityid
