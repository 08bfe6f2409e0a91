// Fault injection without a filesystem (issue 9): a LogExtension that, on
// demand, refuses to add its writes to the ledger's WriteBatch with
// kUnavailable (what the ledger answers for a failed RocksDB write), inside a
// real Ledger behind the real ledger routes and HTTP server. While the fault
// is on, enrollments answer 503 and leave no event and no trace in the
// extension's column family; once it is off, service resumes with gap-free
// seqs and exactly the acknowledged events. Runs without root; the real
// full-disk case is disk_fault_test.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <boost/json.hpp>
#include <memory>
#include <set>
#include <string>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/ledger_routes.h"
#include "api/ledger_write_metrics.h"
#include "api/metrics.h"
#include "api/router.h"
#include "base/http_client.h"
#include "ledger/ledger_test_util.h"
#include "ledger/rocksdb_log.h"
#include "schemas/event_codec.h"

namespace cityid {
namespace {

namespace json = boost::json;

// Writes the last seq of each batch into its own column family; fails the
// batch while `failing` is set.
class FaultyExtension : public LogExtension {
 public:
  std::atomic<bool> failing{false};
  std::atomic<int> refused{0};

  std::vector<std::string> ColumnFamilies() const override {
    return {"robust_fault"};
  }
  Status OnOpen(rocksdb::DB* db,
                const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                uint64_t) override {
    db_ = db;
    cf_ = handles.at(0);
    return Status::Ok();
  }
  Status AddToBatch(const std::vector<StoredEvent>& events,
                    rocksdb::WriteBatch& batch) override {
    if (failing.load()) {
      ++refused;
      return Unavailable("injected fault: no space left on device");
    }
    const std::string seq = std::to_string(events.back().seq);
    if (!batch.Put(cf_, "seq/" + seq, seq).ok()) return Internal("put");
    return Status::Ok();
  }
  void OnBatchDone(bool) override {}
  // Seqs recorded in the column family.
  std::set<uint64_t> Recorded() const {
    std::set<uint64_t> out;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), cf_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.insert(std::stoull(it->value().ToString()));
    }
    return out;
  }

 private:
  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* cf_ = nullptr;
};

class DiskFaultInjectionTest : public ::testing::Test {
 protected:
  DiskFaultInjectionTest() {
    LedgerOptions o;
    o.data_dir = dir_.path() + "/data";
    o.kek_file = testing_util::WriteKeyFile(dir_.path(), "kek");
    o.blind_index_key_file = testing_util::WriteKeyFile(dir_.path(), "blind");
    o.status_list_size = 4096;
    o.extensions = {&fault_, &write_metrics_};
    auto ledger = Ledger::Open(o);
    EXPECT_TRUE(ledger.ok()) << ledger.status().ToString();
    ledger_ = std::move(ledger).value();
    MintedToken clerk = MintToken("clerk-1", {Role::kClerk, Role::kAuditor});
    token_ = clerk.token;
    tokens_ = std::move(TokenStore::FromRecords({clerk.record})).value();
    RegisterLedgerRoutes(router_, *ledger_, tokens_, metrics_);
    server_ =
        std::make_unique<HttpServer>(HttpServerOptions{}, router_.AsHandler());
    EXPECT_TRUE(server_->Start().ok());
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  }
  ~DiskFaultInjectionTest() override {
    server_->Stop();
    ledger_->Close();
  }

  int Enroll(int i) {
    const std::string body =
        R"({"pii": {"given_name": "Fault", "family_name": "F)" +
        std::to_string(i) +
        R"(", "date_of_birth": "1990-04-01"}, "attributes": {"district":
        "north", "age_band": "30-39", "language": "es"}})";
    auto res = client_->Post("/v1/residents", body,
                             {{"Authorization", "Bearer " + token_},
                              {"Content-Type", "application/json"}});
    EXPECT_TRUE(res.ok());
    if (!res.ok()) return 0;
    if (res->status == 201) {
      json::value v = json::parse(res->body);
      acked_.insert(std::string(v.at("resident_id").as_string()));
    }
    return res->status;
  }

  testing_util::TempDir dir_;
  FaultyExtension fault_;
  Metrics metrics_;
  LedgerWriteMetrics write_metrics_{metrics_};
  std::unique_ptr<Ledger> ledger_;
  std::string token_;
  TokenStore tokens_;
  Router router_{&metrics_};
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
  std::set<std::string> acked_;
};

TEST_F(DiskFaultInjectionTest, FailedWritesAnswer503LeaveNoEventAndResume) {
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Enroll(i), 201);
  const uint64_t before = ledger_->LastSeq();

  fault_.failing = true;
  for (int i = 10; i < 30; ++i) ASSERT_EQ(Enroll(i), 503);
  EXPECT_GE(fault_.refused.load(), 1);
  EXPECT_EQ(ledger_->LastSeq(), before) << "a refused batch advanced the log";
  auto during = ledger_->ReadEvents(0, 1000);
  ASSERT_TRUE(during.ok());
  EXPECT_EQ(during->size(), before);

  fault_.failing = false;
  for (int i = 30; i < 40; ++i) ASSERT_EQ(Enroll(i), 201);

  auto events = ledger_->ReadEvents(0, 1000);
  ASSERT_TRUE(events.ok());
  for (size_t k = 0; k < events->size(); ++k) {
    const StoredEvent& e = (*events)[k];
    ASSERT_EQ(e.seq, k + 1) << "gap in the log";
    auto decoded = DecodeEvent(e.bytes);
    ASSERT_TRUE(decoded.ok()) << "partial or corrupt event at seq " << e.seq;
  }
  EXPECT_EQ(events->size(), 20u) << "exactly the 20 acknowledged enrollments";
  EXPECT_EQ(acked_.size(), 20u);
  // The extension's column family saw only durable batches.
  for (uint64_t seq : fault_.Recorded()) EXPECT_LE(seq, events->size());

  // /metrics: events appended count only durable events; every durable
  // group commit observed its synced write; refused commands show as 503.
  auto page = client_->Get("/metrics");
  ASSERT_TRUE(page.ok());
  const std::string& m = page->body;
  EXPECT_NE(m.find("cityid_ledger_events_appended_total 20\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("cityid_ledger_fsync_seconds_bucket{le=\"+Inf\"}"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("cityid_http_requests_total{route=\"/v1/residents\","
                   "method=\"POST\",status=\"503\"} 20"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("cityid_http_request_duration_seconds_bucket{route=\"/v1/"
                   "residents\""),
            std::string::npos)
      << m;
}

}  // namespace
}  // namespace cityid
