// BenchRow arithmetic: peer ratios and the JSON form of the peer fields.
#include "tools/bench/bench.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace cityid::bench {
namespace {

BenchRow Peer(const std::string& name, int clients, std::optional<double> v) {
  BenchRow r{name, "appends/s"};
  r.peer = name;
  r.clients = clients;
  r.value = v;
  if (!v) r.skipped = "not here";
  return r;
}

BenchRow Ledger(const std::string& name, int clients, double v) {
  BenchRow r{name, "commands/s"};
  r.clients = clients;
  r.vs_peers = true;
  r.value = v;
  return r;
}

TEST(ApplyPeerRatiosTest, BestMeasuredPeerAtTheSameClients) {
  std::vector<BenchRow> rows = {
      Ledger("ledger_at_16", 16, 500),   Ledger("ledger_at_64", 64, 900),
      Ledger("ledger_at_256", 256, 10),  Peer("a_at_16", 16, 1000),
      Peer("b_at_16", 16, 250),          Peer("a_at_64", 64, 300),
      Peer("b_at_64", 64, std::nullopt), Peer("b_at_256", 256, std::nullopt)};
  ApplyPeerRatios(&rows);
  EXPECT_EQ(rows[0].best_peer, "a_at_16");
  EXPECT_DOUBLE_EQ(*rows[0].peer_ratio, 0.5);
  EXPECT_DOUBLE_EQ(*rows[0].ceiling, 1000);  // no ceiling of its own
  EXPECT_EQ(rows[1].best_peer, "a_at_64");
  EXPECT_DOUBLE_EQ(*rows[1].peer_ratio, 3);
  // Only skipped peers at 256: nothing to compare with.
  EXPECT_EQ(rows[2].best_peer, "");
  EXPECT_FALSE(rows[2].peer_ratio);
  EXPECT_FALSE(rows[2].ceiling);
  EXPECT_FALSE(rows[3].peer_ratio);  // peers are not compared
}

TEST(ApplyPeerRatiosTest, KeepsARowsOwnCeiling) {
  BenchRow mix = Ledger("mix", 16, 400);
  mix.ceiling = 4000;
  mix.ceiling_name = "synced RocksDB";
  std::vector<BenchRow> rows = {mix, Peer("p", 16, 800)};
  ApplyPeerRatios(&rows);
  EXPECT_DOUBLE_EQ(*rows[0].ceiling, 4000);
  EXPECT_DOUBLE_EQ(*rows[0].ratio(), 0.1);
  EXPECT_DOUBLE_EQ(*rows[0].peer_ratio, 0.5);
}

TEST(FormatJsonTest, PeerAndClosedLoopFields) {
  std::vector<BenchRow> rows = {Ledger("l", 4, 10), Peer("p", 4, 20),
                                BenchRow{"plain", "ms"}};
  rows[0].p50_ms = 1.5;
  rows[0].p99_ms = 9;
  ApplyPeerRatios(&rows);
  const boost::json::value doc = boost::json::parse(FormatJson(rows));
  const auto& out = doc.at("rows").as_array();
  EXPECT_EQ(out[0].at("best_peer").as_string(), "p");
  EXPECT_DOUBLE_EQ(out[0].at("peer_ratio").as_double(), 0.5);
  EXPECT_EQ(out[0].at("clients").as_int64(), 4);
  EXPECT_DOUBLE_EQ(out[0].at("p99_ms").as_double(), 9);
  EXPECT_EQ(out[1].at("peer").as_string(), "p");
  EXPECT_TRUE(out[2].at("peer_ratio").is_null());
  EXPECT_FALSE(out[2].as_object().contains("clients"));
  EXPECT_NE(FormatTable(rows).find("clients: p"), std::string::npos);
}

}  // namespace
}  // namespace cityid::bench
