// Kafka mode under faults, against a real broker (SPEC §3, §8; issue 3):
//   - the ledger SIGKILLed at random moments under concurrent load, 20 times:
//     every acknowledged event is in Kafka (already when the ledger dies) and
//     in RocksDB, exactly once, in seq order, byte-identical;
//   - the broker killed and restarted under load: the ledger answers 503 and
//     is not ready while it is down, loses nothing acknowledged, and recovers
//     by itself;
//   - each projection SIGKILLed during catch-up from Kafka, 10 times: its
//     final state equals a clean replay's.
// One broker for the binary, owned by it (restarted by the broker test).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "schemas/event_codec.h"
#include "stream/kafka/kafka_reader.h"
#include "tests/harness/kafka_services.h"
#include "tests/kafka/kafka_test_util.h"

namespace cityid::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

CITYID_KAFKA_TEST_ENVIRONMENT();

// One enrollment a client sent, and what became of it.
struct Attempt {
  std::string key;  // Idempotency-Key
  std::string body;
  int status = 0;  // 0: no answer
  Clock::time_point sent;
  std::string resident_id;
  uint64_t seq = 0;
  bool acked() const { return status == 201; }
};

class KafkaFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    shard_ = NewKafkaShard();
    data_ = dir_.Sub("ledger");
    InitDataDir(data_);
    clerk_ = Token(data_, "clerk");
    auditor_ = Token(data_, "auditor");
  }

  void StartLedger(const std::vector<std::string>& extra = {}) {
    port_ = FreePort();
    std::vector<std::string> args = shard_.Args();
    args.insert(args.end(), extra.begin(), extra.end());
    ledger_ = cityid::testing::StartLedger(data_, port_, args);
    ASSERT_TRUE(WaitForHttp(port_, "/readyz", seconds(90)))
        << ReadFile(data_ + "/ledger.log");
  }

  // Client threads, stopped and joined by Join() or at the end of the scope
  // (also when an assertion returns early).
  struct Clients {
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    void Join() {
      stop = true;
      for (auto& t : threads) {
        if (t.joinable()) t.join();
      }
    }
    ~Clients() { Join(); }
  };

  // `n` threads enroll until told to stop; every attempt is recorded.
  void StartClients(int n, const std::string& tag, Clients* clients) {
    std::atomic<bool>* stop = &clients->stop;
    for (int c = 0; c < n; ++c) {
      clients->threads.emplace_back([this, c, tag, stop] {
        HttpClient client("127.0.0.1", port_);
        for (int i = 0; !stop->load(); ++i) {
          Attempt a;
          a.key = tag + "-" + std::to_string(c) + "-" + std::to_string(i);
          a.body = EnrollBody("Fault", "Tester" + a.key);
          a.sent = Clock::now();
          Reply r = Call(client, "POST", "/v1/residents", clerk_, a.body,
                         {{"Idempotency-Key", a.key}});
          a.status = r.status;
          if (r.status == 201) {
            a.resident_id = std::string(r.body.at("resident_id").as_string());
            a.seq = r.body.at("seq").to_number<uint64_t>();
          } else if (r.status != 0 && r.status != 503) {
            ADD_FAILURE() << "unexpected status " << r.status << ": " << r.raw;
          }
          // As a client honouring Retry-After would, only faster.
          if (r.status == 503) std::this_thread::sleep_for(milliseconds(250));
          const bool gone = r.status == 0;
          {
            std::lock_guard<std::mutex> lock(mu_);
            attempts_.push_back(std::move(a));
          }
          if (gone) break;  // the ledger is gone
        }
      });
    }
  }

  // Retries every attempt that was not acknowledged, with its key: each must
  // now land exactly once. Returns how many were retried.
  size_t RetryUnacknowledged() {
    HttpClient client("127.0.0.1", port_);
    size_t retried = 0;
    for (Attempt& a : attempts_) {
      if (a.acked()) continue;
      Reply r = Call(client, "POST", "/v1/residents", clerk_, a.body,
                     {{"Idempotency-Key", a.key}});
      EXPECT_EQ(r.status, 201) << r.raw;
      if (r.status != 201) continue;
      a.status = 201;
      a.resident_id = std::string(r.body.at("resident_id").as_string());
      a.seq = r.body.at("seq").to_number<uint64_t>();
      ++retried;
    }
    return retried;
  }

  // The final check: Kafka == RocksDB byte for byte, every attempt's event in
  // both exactly once at the seq it was acknowledged with. Returns
  // {acknowledged before the retry pass, events}.
  void ExpectExactlyOnce(size_t* events) {
    HttpClient client("127.0.0.1", port_);
    const std::vector<StoredEvent> local = FeedEvents(client, auditor_);
    const std::vector<KafkaRecord> kafka = ReadTopic(shard_);
    *events = ExpectSameHistory(kafka, local);
    std::map<std::string, uint64_t> by_key;  // idempotency key -> seq
    std::map<uint64_t, std::string> resident_at;
    for (const KafkaRecord& r : kafka) {
      auto e = DecodeEvent(r.event.bytes);
      ASSERT_TRUE(e.ok());
      ASSERT_TRUE(std::holds_alternative<ResidentEnrolled>(e->payload));
      EXPECT_TRUE(by_key.emplace(e->idempotency_key, e->seq).second)
          << "key " << e->idempotency_key << " enrolled twice";
      resident_at[e->seq] = e->resident_id();
    }
    for (const Attempt& a : attempts_) {
      ASSERT_TRUE(a.acked()) << a.key;
      auto it = by_key.find(a.key);
      ASSERT_NE(it, by_key.end()) << "acknowledged " << a.key << " lost";
      EXPECT_EQ(it->second, a.seq) << "seq changed for " << a.key;
      EXPECT_EQ(resident_at[a.seq], a.resident_id);
    }
    EXPECT_EQ(by_key.size(), attempts_.size()) << "an event without an attempt";
  }

  TempDir dir_;
  KafkaShard shard_;
  std::string data_, clerk_, auditor_;
  uint16_t port_ = 0;
  std::unique_ptr<Process> ledger_;
  std::mutex mu_;
  std::vector<Attempt> attempts_;
};

TEST_F(KafkaFaultTest, AcknowledgedEventsSurviveLedgerSigkillExactlyOnce) {
  const auto started = Clock::now();
  std::mt19937 rng(20260311);
  constexpr int kCycles = 20;
  auto reader = KafkaEventReader::Open(shard_.Options());
  ASSERT_TRUE(reader.ok());
  std::map<uint64_t, std::string> in_kafka;  // seq -> record key (resident)
  size_t acked_at_kill = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    StartLedger();
    const size_t before = attempts_.size();
    // The first command of a fresh process sets up the producers' broker
    // connections and transaction state (about 1-2 s); let one client do it
    // before the clock for the kill starts.
    {
      Clients warm_up;
      StartClients(1, "w" + std::to_string(cycle), &warm_up);
      WaitFor(
          [&] {
            std::lock_guard<std::mutex> lock(mu_);
            return attempts_.size() > before;
          },
          seconds(30));
    }
    Clients clients;
    StartClients(6, "c" + std::to_string(cycle), &clients);
    std::this_thread::sleep_for(milliseconds(200 + rng() % 800));
    ledger_->Signal(SIGKILL);
    ledger_->Wait(seconds(10));
    clients.Join();

    // The ledger is dead, so nothing more reaches Kafka from it: whatever it
    // acknowledged must be committed there already.
    Status s = (*reader)->ReadAfter(
        in_kafka.empty() ? 0 : in_kafka.rbegin()->first, [&](KafkaRecord&& r) {
          in_kafka[r.event.seq] = r.key;
          return Status::Ok();
        });
    ASSERT_TRUE(s.ok()) << s.ToString();
    for (size_t i = before; i < attempts_.size(); ++i) {
      const Attempt& a = attempts_[i];
      if (!a.acked()) continue;
      ++acked_at_kill;
      auto it = in_kafka.find(a.seq);
      ASSERT_NE(it, in_kafka.end())
          << "seq " << a.seq << " acknowledged but not in Kafka";
      EXPECT_EQ(it->second, a.resident_id);
    }
  }
  StartLedger();
  const size_t retried = RetryUnacknowledged();
  size_t events = 0;
  ExpectExactlyOnce(&events);
  EXPECT_GT(acked_at_kill, 100u) << "the load was too light to mean anything";
  const double secs =
      std::chrono::duration<double>(Clock::now() - started).count();
  RecordProperty("acknowledged", static_cast<int>(acked_at_kill));
  std::printf(
      "kafka ledger SIGKILL: %d cycles, %zu acknowledged, %zu retried after "
      "the kills, "
      "%zu events in Kafka and RocksDB, 0 lost, 0 duplicated, %.1f s\n",
      kCycles, acked_at_kill, retried, events, secs);
}

TEST_F(KafkaFaultTest, BrokerDownMeans503AndNotReadyThenRecoversLosingNothing) {
  if (!KafkaBrokerEnvironment::Owned()) GTEST_SKIP() << "external broker";
  const auto started = Clock::now();
  // A transaction timeout well below the outage: the coordinator aborts the
  // commit pending when the broker died, which librdkafka reports as
  // fencing; the ledger must tell that from a takeover and carry on.
  StartLedger({"--set", "kafka.transaction_timeout_ms=6000"});
  Clients clients;
  StartClients(4, "b", &clients);
  std::this_thread::sleep_for(seconds(1));

  ASSERT_TRUE(KafkaBrokerEnvironment::Stop(/*kill=*/true).ok());
  const auto down = Clock::now();
  ASSERT_TRUE(
      WaitFor([&] { return Readyz(port_).status == 503; }, seconds(30)));
  const auto not_ready = Clock::now();
  const std::string why = Detail(Readyz(port_));
  EXPECT_NE(why.find("kafka"), std::string::npos) << why;
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(Readyz(port_).status, 503);

  const auto restart = Clock::now();
  ASSERT_TRUE(KafkaBrokerEnvironment::Start().ok());
  ASSERT_TRUE(WaitForHttp(port_, "/readyz", seconds(120)))
      << ReadFile(data_ + "/ledger.log");
  const auto recovered = Clock::now();
  std::this_thread::sleep_for(seconds(1));
  clients.Join();

  size_t acked = 0, refused_while_down = 0, acked_while_down = 0;
  for (const Attempt& a : attempts_) {
    acked += a.acked();
    if (a.sent > not_ready && a.sent < restart) {
      refused_while_down += a.status == 503;
      acked_while_down += a.acked();
    }
  }
  EXPECT_GT(refused_while_down, 0u)
      << "no command was refused while the broker was down";
  EXPECT_EQ(acked_while_down, 0u) << "acknowledged while the broker was down";
  const size_t retried = RetryUnacknowledged();
  size_t events = 0;
  ExpectExactlyOnce(&events);
  auto sec = [](auto d) { return std::chrono::duration<double>(d).count(); };
  const bool reinit =
      ReadFile(data_ + "/ledger.log").find("new producer") != std::string::npos;
  std::printf(
      "kafka broker kill: not ready %.1f s after the kill (\"%s\"), ready "
      "again %.1f s after the restart%s; %zu acknowledged, %zu refused with "
      "503 while down, %zu retried, %zu events, 0 lost, 0 duplicated, "
      "%.1f s\n",
      sec(not_ready - down), why.c_str(), sec(recovered - restart),
      reinit ? " (after the timed-out transaction's fence)" : "", acked,
      refused_while_down, retried, events, sec(Clock::now() - started));
}

TEST_F(KafkaFaultTest, IdleLedgerSeesTheBrokerGoAndComeBack) {
  if (!KafkaBrokerEnvironment::Owned()) GTEST_SKIP() << "external broker";
  StartLedger();
  HttpClient client("127.0.0.1", port_);
  ASSERT_EQ(Call(client, "POST", "/v1/residents", clerk_,
                 EnrollBody("Idle", "Before"))
                .status,
            201);
  ASSERT_TRUE(KafkaBrokerEnvironment::Stop(/*kill=*/true).ok());
  const auto down = Clock::now();
  // No command is sent: the ledger finds out by itself.
  ASSERT_TRUE(
      WaitFor([&] { return Readyz(port_).status == 503; }, seconds(60)));
  const std::string why = Detail(Readyz(port_));
  EXPECT_NE(why.find("kafka is unreachable"), std::string::npos) << why;
  const double noticed =
      std::chrono::duration<double>(Clock::now() - down).count();
  ASSERT_TRUE(KafkaBrokerEnvironment::Start().ok());
  ASSERT_TRUE(WaitForHttp(port_, "/readyz", seconds(120)))
      << Detail(Readyz(port_));
  // Ready means reachable; the restarted broker may still need a moment
  // before a transaction commits (the command then answers 503 and is
  // retried with its key, as a client honouring Retry-After would).
  Reply after;
  int refused = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        after =
            Call(client, "POST", "/v1/residents", clerk_,
                 EnrollBody("Idle", "After"), {{"Idempotency-Key", "idle"}});
        refused += after.status == 503;
        return after.status != 503;
      },
      seconds(60), milliseconds(500)));
  ASSERT_EQ(after.status, 201) << after.raw;
  EXPECT_EQ(ExpectSameHistory(ReadTopic(shard_), FeedEvents(client, auditor_)),
            2u);
  std::printf(
      "kafka idle broker kill: not ready %.1f s after the kill; after the "
      "restart %d command(s) answered 503 before the first 201\n",
      noticed, refused);
}

// `cityid project <name>` in Kafka mode on `shard`, its own data dir.
std::unique_ptr<Process> StartProjection(const std::string& name,
                                         const std::string& dir, uint16_t port,
                                         const KafkaShard& shard,
                                         const std::string& ledger_dir) {
  std::vector<std::string> argv = {CityidBinary(), "project", name, "--data",
                                   dir, "--port", std::to_string(port), "--set",
                                   "auth.file=" + ledger_dir + "/auth.json",
                                   "--set", "projection.batch_limit=50",
                                   // No ledger there: only Kafka can serve.
                                   "--ledger-url", "http://127.0.0.1:9"};
  for (const std::string& a : shard.Args()) argv.push_back(a);
  return std::make_unique<Process>(argv, dir + "." + name + ".log");
}

// "<position> <fingerprint>" of a stopped projection.
std::string Fingerprint(const std::string& name, const std::string& dir,
                        int n) {
  const std::string out = dir + ".fp" + std::to_string(n);
  Process fp(
      {CityidBinary(), "project", name, "--data", dir, "--print-fingerprint"},
      out);
  fp.Wait(seconds(60));
  return ReadFile(out);
}

uint64_t ProjectionPosition(uint16_t port) {
  HttpClient client("127.0.0.1", port);
  Reply r = Call(client, "GET", "/v1/position", "");
  return r.status == 200 && r.body.is_object() &&
                 r.body.as_object().contains("seq")
             ? r.body.at("seq").to_number<uint64_t>()
             : 0;
}

// Runs the projection until it reaches `head`, stops it, and fingerprints it.
std::string CatchUp(const std::string& name, const std::string& dir,
                    const KafkaShard& shard, const std::string& ledger_dir,
                    uint64_t head) {
  const uint16_t port = FreePort();
  auto p = StartProjection(name, dir, port, shard, ledger_dir);
  EXPECT_TRUE(
      WaitFor([&] { return ProjectionPosition(port) >= head; }, seconds(120)))
      << ReadFile(p->log_path());
  p->Signal(SIGTERM);
  p->Wait(seconds(30));
  return Fingerprint(name, dir, 1000);
}

TEST_F(KafkaFaultTest, ProjectionsKilledDuringCatchUpConvergeToACleanReplay) {
  const auto started = Clock::now();
  StartLedger();
  const uint64_t head =
      LoadSmallCity(port_, clerk_, Token(data_, "supervisor"), 500);
  ASSERT_GT(head, 1000u);
  std::mt19937 rng(31);
  for (const std::string name : {"registry", "revocations", "stats"}) {
    const std::string crashed = dir_.Sub(name + "-crashed");
    int mid_catch_up = 0, cycles = 0;
    uint64_t committed = 0;
    for (; cycles < 10; ++cycles) {
      // Kill at a random point of the catch-up: once the served position
      // passes a random target between the committed position and the head
      // (polled every 2 ms, so the kill lands a little after it).
      const uint64_t target = committed + 1 + rng() % (head - committed - 1);
      const uint16_t port = FreePort();
      auto p = StartProjection(name, crashed, port, shard_, data_);
      WaitFor([&] { return ProjectionPosition(port) >= target; }, seconds(60),
              milliseconds(2));
      p->Signal(SIGKILL);
      p->Wait(seconds(10));
      const std::string fp = Fingerprint(name, crashed, cycles);
      const uint64_t now = std::stoull("0" + fp.substr(0, fp.find(' ')));
      EXPECT_GE(now, committed) << "committed position went backwards";
      if (now > committed && now < head) ++mid_catch_up;
      std::printf("  %s cycle %d: killed at position %llu of %llu\n",
                  name.c_str(), cycles, static_cast<unsigned long long>(now),
                  static_cast<unsigned long long>(head));
      committed = now;
      if (committed + 1 >= head) {
        // Caught up already: start over from nothing so every kill can land
        // in a catch-up.
        std::filesystem::remove_all(crashed);
        committed = 0;
      }
    }
    const std::string a = CatchUp(name, crashed, shard_, data_, head);
    const std::string b =
        CatchUp(name, dir_.Sub(name + "-clean"), shard_, data_, head);
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(a, b) << name
                    << ": the killed projection diverged from a clean replay";
    EXPECT_EQ(a.substr(0, a.find(' ')), std::to_string(head));
    EXPECT_GE(mid_catch_up, 4) << name << ": too few kills landed mid catch-up";
    std::printf(
        "kafka %s SIGKILL: %d cycles, %d mid catch-up, %llu events, "
        "fingerprints %s, "
        "%.1f s so far\n",
        name.c_str(), cycles, mid_catch_up,
        static_cast<unsigned long long>(head), a == b ? "equal" : "DIFFER",
        std::chrono::duration<double>(Clock::now() - started).count());
  }
}

}  // namespace
}  // namespace cityid::testing
