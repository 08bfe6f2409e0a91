#include "api/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace cityid {
namespace {

TEST(MetricsTest, RendersCountersGaugesAndCallbacks) {
  Metrics m;
  m.GetCounter("cityid_events_appended_total", "Events appended").Inc(3);
  m.GetGauge("cityid_queue_depth", "Queued commands", {{"shard", "0"}})
      .Set(2.5);
  m.SetGaugeCallback("cityid_last_seq", "Last durable seq",
                     [] { return 42.0; });
  const std::string text = m.Render();
  EXPECT_NE(text.find("# HELP cityid_events_appended_total Events appended\n"
                      "# TYPE cityid_events_appended_total counter\n"
                      "cityid_events_appended_total 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE cityid_queue_depth "
                      "gauge\ncityid_queue_depth{shard=\"0\"} 2.5\n"),
            std::string::npos);
  EXPECT_NE(text.find("cityid_last_seq 42\n"), std::string::npos);
}

TEST(MetricsTest, RendersCumulativeHistogramBuckets) {
  Metrics m;
  Histogram& h = m.GetHistogram("cityid_fsync_seconds", "fsync latency",
                                {0.01, 0.1, 1}, {{"db", "ledger"}});
  h.Observe(0.005);
  h.Observe(0.05);
  h.Observe(0.1);
  h.Observe(5);
  const std::string text = m.Render();
  EXPECT_NE(
      text.find("cityid_fsync_seconds_bucket{db=\"ledger\",le=\"0.01\"} 1\n"
                "cityid_fsync_seconds_bucket{db=\"ledger\",le=\"0.1\"} 3\n"
                "cityid_fsync_seconds_bucket{db=\"ledger\",le=\"1\"} 3\n"
                "cityid_fsync_seconds_bucket{db=\"ledger\",le=\"+Inf\"} 4\n"
                "cityid_fsync_seconds_sum{db=\"ledger\"} 5.155\n"
                "cityid_fsync_seconds_count{db=\"ledger\"} 4\n"),
      std::string::npos)
      << text;
}

TEST(MetricsTest, EscapesLabelValues) {
  Metrics m;
  m.GetCounter("c_total", "c", {{"route", "a\"b\\c\nd"}}).Inc();
  EXPECT_NE(m.Render().find("c_total{route=\"a\\\"b\\\\c\\nd\"} 1"),
            std::string::npos);
}

TEST(MetricsTest, CountsFromManyThreads) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 1000; ++i) m.RecordRequest("/v1/x", "GET", 200, 1500);
    });
  }
  for (auto& t : threads) t.join();
  const std::string text = m.Render();
  EXPECT_NE(text.find("cityid_http_requests_total{route=\"/v1/"
                      "x\",method=\"GET\",status=\"200\"} 4000"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cityid_http_request_duration_seconds_bucket{route=\"/v1/"
                      "x\",le=\"0.001\"} 0"),
            std::string::npos);
  EXPECT_NE(text.find("cityid_http_request_duration_seconds_bucket{route=\"/v1/"
                      "x\",le=\"0.0025\"} 4000"),
            std::string::npos);
}

TEST(MetricsTest, ServesTextFormatContentType) {
  Metrics m;
  HttpResponse res = m.RenderResponse();
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.Header("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace cityid
