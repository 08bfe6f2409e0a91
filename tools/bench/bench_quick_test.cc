// `cityid bench --quick --peers --json` runs end to end (its own ledger,
// loadgen, feed, registry rebuild, offline ceilings, the closed-loop enroll
// rows and the peers) and prints every row as well-formed JSON. No timing
// assertions: the machine is shared. A peer that cannot be set up here (no
// `go`, no PostgreSQL) must say so in `skipped`.
#include <gtest/gtest.h>
#include <stdio.h>

#include <boost/json.hpp>
#include <set>
#include <string>

#include "tests/harness/harness.h"

namespace cityid {
namespace {

namespace json = boost::json;

std::string RunQuickBench() {
  const std::string cmd = cityid::testing::CityidBinary() +
                          " bench --quick --peers --json 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  pclose(pipe);
  return out;
}

bool NumberOrNull(const json::value& v) {
  return v.is_null() || v.is_double() || v.is_int64() || v.is_uint64();
}

TEST(BenchQuickTest, PrintsEveryRowAsWellFormedJson) {
  const std::string out = RunQuickBench();
  boost::system::error_code ec;
  const json::value doc = json::parse(out, ec);
  ASSERT_FALSE(ec) << out;
  ASSERT_TRUE(doc.is_object() && doc.as_object().contains("rows")) << out;
  const std::set<std::string> expected = {
      "embedded_ledger_commands_per_s",
      "p99_command_latency_at_half_peak_ms",
      "kafka_ledger_commands_per_s",
      "projection_rebuild_from_kafka_events_per_s",
      "projection_rebuild_from_feed_events_per_s",
      "ledger_rss_after_300_residents",
      "ledger_rss_after_600_residents",
      "audit_replay_events_per_s",
      "status_list_compact_bytes",
      "status_list_build_ms",
      "status_list_lookup_ns",
      "embedded_ledger_enroll_per_s_at_4",
      "kafka_ledger_enroll_per_s_at_4",
      "tessera_posix_appends_per_s_at_4",
      "postgres_bigserial_appends_per_s_at_4",
      "postgres_chain_appends_per_s_at_4"};
  const std::set<std::string> peers = {"tessera_posix_appends_per_s_at_4",
                                       "postgres_bigserial_appends_per_s_at_4",
                                       "postgres_chain_appends_per_s_at_4"};
  std::set<std::string> seen;
  for (const json::value& row : doc.at("rows").as_array()) {
    const json::object& o = row.as_object();
    for (const char* key :
         {"name", "value", "unit", "ceiling", "ratio", "target",
          "lower_is_better", "peer_ratio", "best_peer"})
      ASSERT_TRUE(o.contains(key)) << key << " missing in " << row;
    EXPECT_TRUE(o.at("name").is_string() && o.at("unit").is_string()) << row;
    EXPECT_TRUE(o.at("lower_is_better").is_bool()) << row;
    for (const char* key :
         {"value", "ceiling", "ratio", "target", "peer_ratio"})
      EXPECT_TRUE(NumberOrNull(o.at(key))) << key << " in " << row;
    const std::string name(o.at("name").as_string());
    const bool skipped = o.contains("skipped");
    if (skipped) {
      EXPECT_TRUE(o.at("skipped").is_string() &&
                  !o.at("skipped").as_string().empty())
          << row;
      EXPECT_TRUE(o.at("value").is_null()) << row;
    }
    if (peers.count(name)) {
      // A peer row is measured (value > 0, latencies) or says why not.
      ASSERT_TRUE(o.contains("peer") && o.contains("clients")) << row;
      EXPECT_EQ(o.at("clients").as_int64(), 4) << row;
      if (!skipped) {
        ASSERT_TRUE(o.at("value").is_number()) << row;
        EXPECT_GT(o.at("value").to_number<double>(), 0) << row;
        EXPECT_TRUE(o.at("p50_ms").is_number() && o.at("p99_ms").is_number())
            << row;
      }
    } else if (!o.at("best_peer").as_string().empty()) {
      // A ledger row compared with a peer has its ratio to it.
      EXPECT_TRUE(skipped || o.at("peer_ratio").is_number()) << row;
    } else if (name.find("_enroll_per_s_at_") != std::string::npos) {
      // A closed-loop enroll row has no ceiling but the peers.
      EXPECT_TRUE(skipped || o.at("p99_ms").is_number()) << row;
    } else {
      // Any other row is either measured (value and ceiling) or says why not.
      EXPECT_TRUE(skipped ||
                  (!o.at("value").is_null() && !o.at("ceiling").is_null()))
          << row;
    }
    seen.insert(name);
  }
  EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace cityid
