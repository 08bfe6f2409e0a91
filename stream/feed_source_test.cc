#include "stream/feed_source.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include "base/bytes.h"
#include "stream/memory_event_source.h"
#include "stream/sample_history.h"

namespace cityid {
namespace {
namespace json = boost::json;

// A feed body as the ledger writes it, for seqs (after, after + n].
std::string FeedBody(const std::vector<StoredEvent>& events, uint64_t last) {
  json::array items;
  for (const StoredEvent& e : events) {
    items.push_back(json::object{{"seq", e.seq},
                                 {"type", "whatever"},
                                 {"bytes", Base64Encode(e.bytes)}});
  }
  return json::serialize(json::object{{"events", items}, {"last_seq", last}});
}

class FeedPageTest : public ::testing::Test {
 protected:
  void SetUp() override { AppendSampleHistory(source_, 0, 2); }
  std::vector<StoredEvent> Slice(size_t from, size_t to) {
    auto all = source_.events();
    return {all.begin() + from, all.begin() + to};
  }
  MemoryEventSource source_;
};

TEST_F(FeedPageTest, ParsesEventsAndLastSeq) {
  auto events = Slice(2, 5);  // seqs 3..5
  Result<FeedPage> page = ParseFeedPage(FeedBody(events, 9), 2, 10);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->last_seq, 9u);
  ASSERT_EQ(page->events.size(), 3u);
  EXPECT_EQ(page->events[0].seq, 3u);
  EXPECT_EQ(page->events[2].bytes, events[2].bytes);
}

TEST_F(FeedPageTest, AcceptsEmptyPage) {
  Result<FeedPage> page = ParseFeedPage(FeedBody({}, 7), 7, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->events.empty());
  EXPECT_EQ(page->last_seq, 7u);
}

TEST_F(FeedPageTest, RefusesGapAtStart) {
  Result<FeedPage> page = ParseFeedPage(FeedBody(Slice(3, 5), 9), 2, 10);
  EXPECT_EQ(page.status().code(), Code::kCorruption);
  EXPECT_EQ(page.status().message(), "event feed gap: expected seq 3, got 4");
}

TEST_F(FeedPageTest, RefusesGapInside) {
  auto events = Slice(0, 4);
  events.erase(events.begin() + 2);  // seqs 1, 2, 4
  EXPECT_EQ(ParseFeedPage(FeedBody(events, 9), 0, 10).status().code(),
            Code::kCorruption);
}

TEST_F(FeedPageTest, RefusesBytesOfAnotherSeq) {
  auto events = Slice(0, 2);
  events[1].bytes = events[0].bytes;
  Result<FeedPage> page = ParseFeedPage(FeedBody(events, 9), 0, 10);
  EXPECT_EQ(page.status().message(), "feed item 2 carries an event of seq 1");
}

TEST_F(FeedPageTest, RefusesBrokenFraming) {
  auto events = Slice(0, 1);
  events[0].bytes[events[0].bytes.size() - 1] ^= 0x01;  // CRC mismatch
  EXPECT_EQ(ParseFeedPage(FeedBody(events, 9), 0, 10).status().code(),
            Code::kCorruption);
}

TEST_F(FeedPageTest, RefusesMalformedBodies) {
  for (const char* body :
       {"", "[]", "{\"events\": []}", "{\"last_seq\": 1}",
        "{\"events\": {}, \"last_seq\": 1}",
        "{\"events\": [], \"last_seq\": -1}",
        "{\"events\": [{\"seq\": 1}], \"last_seq\": 1}",
        "{\"events\": [{\"seq\": 1, \"bytes\": \"!!\"}], \"last_seq\": 1}"}) {
    EXPECT_EQ(ParseFeedPage(body, 0, 10).status().code(), Code::kCorruption)
        << body;
  }
}

TEST_F(FeedPageTest, RefusesMoreEventsThanTheLimit) {
  EXPECT_EQ(ParseFeedPage(FeedBody(Slice(0, 3), 9), 0, 2).status().code(),
            Code::kCorruption);
}

TEST_F(FeedPageTest, RefusesLastSeqBehindItsEvents) {
  EXPECT_EQ(ParseFeedPage(FeedBody(Slice(0, 3), 2), 0, 10).status().code(),
            Code::kCorruption);
}

TEST(FeedSourceTest, UnreachableLedgerIsUnavailable) {
  // Bind and close a port so that nothing listens on it.
  uint16_t port;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(
        io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  FeedSource source(FeedSourceOptions{.port = port, .token = "t"});
  Result<std::vector<StoredEvent>> r = source.Fetch(0, 10, 0);
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(source.HeadSeq(), std::nullopt);
}

}  // namespace
}  // namespace cityid
