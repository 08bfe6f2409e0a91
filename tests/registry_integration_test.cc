// The embedded pipeline in one process: a real Ledger behind the real ledger
// HTTP routes, a FeedSource reading its feed over loopback HTTP, and the
// registry projection. Checks that the registry converges to the ledger's own
// state, survives a stop-and-reopen in the middle of catch-up with the
// fingerprint of a clean replay, and that the feed's token checks reach the
// runner as the right codes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/ledger_routes.h"
#include "api/metrics.h"
#include "api/router.h"
#include "base/bytes.h"
#include "ledger/ledger.h"
#include "projections/projection_runner.h"
#include "projections/registry.h"
#include "stream/feed_source.h"

namespace cityid {
namespace {

constexpr Micros kNow = 1'779'926'400LL * kMicrosPerSecond;  // 2026-05-28

std::string WriteKey(const std::filesystem::path& dir, const char* name) {
  std::filesystem::path path = dir / name;
  std::ofstream(path, std::ios::binary) << RandomBytes(32);
  return path.string();
}

// A registry (store + projection + feed + runner) over one data dir.
struct RegistryService {
  RegistryService(const std::string& dir, uint16_t port,
                  const std::string& token, const Clock* clock,
                  size_t batch_limit = 1000)
      : store(ProjectionStore::Open(dir, Registry::kName).value()),
        registry(store.get(), clock),
        feed(FeedSourceOptions{.port = port, .token = token}),
        runner(store.get(), &registry, &feed,
               ProjectionRunnerOptions{.batch_limit = batch_limit,
                                       .wait = 100'000}) {}
  std::unique_ptr<ProjectionStore> store;
  Registry registry;
  FeedSource feed;
  ProjectionRunner runner;
};

class RegistryIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid_registry_it_" + std::to_string(::getpid()) + "_" +
            HexEncode(RandomBytes(4)));
    std::filesystem::create_directories(dir_);
    LedgerOptions options;
    options.data_dir = (dir_ / "ledger").string();
    options.kek_file = WriteKey(dir_, "kek");
    options.blind_index_key_file = WriteKey(dir_, "blind");
    options.clock = &clock_;
    options.status_list_size = 4096;
    ledger_ = Ledger::Open(options).value();

    MintedToken projection = MintToken("projection-1", {Role::kProjection});
    MintedToken clerk = MintToken("clerk-1", {Role::kClerk});
    projection_token_ = projection.token;
    clerk_token_ = clerk.token;
    tokens_ =
        TokenStore::FromRecords({projection.record, clerk.record}).value();
    RegisterLedgerRoutes(router_, *ledger_, tokens_, metrics_);
    server_ =
        std::make_unique<HttpServer>(HttpServerOptions{}, router_.AsHandler());
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    server_.reset();
    ledger_->Close();
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }

  Result<CommandResult> Run(Command command) {
    CommandContext ctx;
    ctx.actor = "clerk-1";
    return ledger_->Execute(std::move(command), ctx);
  }

  // A small city: `count` residents, each with a card; some renewed,
  // suspended, reinstated, replaced, revoked, erased, read (pii.accessed).
  // Returns every card id.
  std::vector<std::string> Workload(int first, int count) {
    std::vector<std::string> cards;
    for (int i = first; i < first + count; ++i) {
      auto enrolled =
          Run(EnrollCommand{{{"given_name", "Given" + std::to_string(i)},
                             {"family_name", "Family" + std::to_string(i)},
                             {"date_of_birth", "1990-04-01"}},
                            {"north", "25-34", "es"},
                            {"passport"}});
      EXPECT_TRUE(enrolled.ok()) << enrolled.status().ToString();
      const std::string rid = enrolled->resident_id;
      residents_.push_back(rid);
      auto issued = Run(IssueCardCommand{rid, i % 3 ? "standard" : "youth"});
      EXPECT_TRUE(issued.ok()) << issued.status().ToString();
      std::string card = issued->card->card_id;
      cards.push_back(card);
      auto act = [&](CardAction a, const char* reason) {
        auto r = Run(CardActionCommand{card, a, reason});
        EXPECT_TRUE(r.ok()) << r.status().ToString();
      };
      if (i % 2 == 0) act(CardAction::kRenew, "");
      if (i % 5 == 1) {
        act(CardAction::kSuspend, "fraud_review");
        if (i % 10 == 1) act(CardAction::kReinstate, "cleared");
      }
      if (i % 4 == 3) {
        auto replaced = Run(ReplaceCardCommand{card, "lost"});
        EXPECT_TRUE(replaced.ok()) << replaced.status().ToString();
        card = replaced->card->card_id;
        cards.push_back(card);
      }
      if (i % 7 == 2) act(CardAction::kRevoke, "fraud");
      if (i % 6 == 5) {
        EXPECT_TRUE(Run(ReadResidentCommand{rid, "pickup"}).ok());
      }
      if (i % 9 == 4) {
        EXPECT_TRUE(Run(EraseResidentCommand{rid, "request"}).ok());
      }
    }
    return cards;
  }

  static bool WaitFor(const ProjectionRunner& runner, uint64_t seq) {
    for (int i = 0; i < 1000 && runner.position() < seq; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return runner.position() >= seq;
  }

  // Every card and resident reads the same in the registry and the ledger.
  void ExpectSameAsLedger(const Registry& registry,
                          const std::vector<std::string>& cards) {
    for (const std::string& id : cards) {
      CardView want = ledger_->GetCard(id).value();
      Result<RegistryCard> got = registry.GetCard(id);
      ASSERT_TRUE(got.ok()) << id << ": " << got.status().ToString();
      EXPECT_EQ(got->resident_id, want.resident_id) << id;
      EXPECT_EQ(got->card_type, want.card_type) << id;
      EXPECT_EQ(got->status, want.status) << id;
      EXPECT_EQ(got->issued_at, want.issued_at) << id;
      EXPECT_EQ(got->expires_at, want.expires_at) << id;
      EXPECT_EQ(got->status_list, want.status_list) << id;
      EXPECT_EQ(got->status_index, want.status_index) << id;
      EXPECT_EQ(got->version, want.version) << id;
    }
    for (const std::string& id : residents_) {
      ResidentView want = ledger_->GetResidentState(id).value();
      Result<RegistryResident> got = registry.GetResident(id);
      ASSERT_TRUE(got.ok()) << id << ": " << got.status().ToString();
      EXPECT_EQ(got->card_ids, want.card_ids) << id;
      EXPECT_EQ(got->erased, want.erased) << id;
      EXPECT_EQ(got->version, want.version) << id;
      // The registry drops an erased resident's attributes; the ledger
      // keeps them.
      if (!want.erased) {
        EXPECT_EQ(got->attributes, want.attributes) << id;
      }
    }
  }

  std::filesystem::path dir_;
  FakeClock clock_{kNow};
  std::unique_ptr<Ledger> ledger_;
  std::string projection_token_, clerk_token_;
  TokenStore tokens_;
  Metrics metrics_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::string> residents_;
};

TEST_F(RegistryIntegrationTest, RegistryConvergesToLedgerStateWhileItWrites) {
  RegistryService service((dir_ / "registry").string(), server_->port(),
                          projection_token_, &clock_);
  service.runner.Start();
  std::vector<std::string> cards = Workload(0, 40);  // while the runner polls
  ASSERT_TRUE(WaitFor(service.runner, ledger_->LastSeq()));
  service.runner.Stop();
  EXPECT_EQ(service.runner.position(), ledger_->LastSeq());
  EXPECT_TRUE(service.runner.Ready().ok());
  ExpectSameAsLedger(service.registry, cards);

  clock_.Advance(6 * 365 * kMicrosPerDay);  // most cards are now expired
  ExpectSameAsLedger(service.registry, cards);
}

TEST_F(RegistryIntegrationTest, ReopenMidCatchUpEqualsCleanReplay) {
  std::vector<std::string> cards = Workload(0, 30);
  const std::string crashy = (dir_ / "crashy").string();
  {
    RegistryService service(crashy, server_->port(), projection_token_, &clock_,
                            /*batch_limit=*/9);
    ASSERT_TRUE(service.runner.RunOnce().ok());
    ASSERT_TRUE(service.runner.RunOnce().ok());
    EXPECT_EQ(service.runner.position(), 18u);
    // Stopped half way: the store closes with 18 events committed.
  }
  std::vector<std::string> more = Workload(30, 10);
  cards.insert(cards.end(), more.begin(), more.end());
  RegistryService resumed(crashy, server_->port(), projection_token_, &clock_,
                          /*batch_limit=*/9);
  EXPECT_EQ(resumed.runner.position(), 18u);
  resumed.runner.Start();
  ASSERT_TRUE(WaitFor(resumed.runner, ledger_->LastSeq()));
  resumed.runner.Stop();

  RegistryService clean((dir_ / "clean").string(), server_->port(),
                        projection_token_, &clock_);
  clean.runner.Start();
  ASSERT_TRUE(WaitFor(clean.runner, ledger_->LastSeq()));
  clean.runner.Stop();

  EXPECT_EQ(resumed.registry.Fingerprint().value(),
            clean.registry.Fingerprint().value());
  ExpectSameAsLedger(resumed.registry, cards);
}

TEST_F(RegistryIntegrationTest, FeedRefusesWrongTokensWithTheirCodes) {
  Workload(0, 1);
  FeedSource unknown(
      FeedSourceOptions{.port = server_->port(), .token = "cid_nope"});
  EXPECT_EQ(unknown.Fetch(0, 10, 0).status().code(), Code::kUnauthenticated);
  FeedSource clerk(
      FeedSourceOptions{.port = server_->port(), .token = clerk_token_});
  EXPECT_EQ(clerk.Fetch(0, 10, 0).status().code(), Code::kPermissionDenied);
  FeedSource good(
      FeedSourceOptions{.port = server_->port(), .token = projection_token_});
  Result<std::vector<StoredEvent>> events = good.Fetch(0, 10, 0);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  EXPECT_EQ(events->front().seq, 1u);
  EXPECT_EQ(good.HeadSeq(), ledger_->LastSeq());
}

}  // namespace
}  // namespace cityid
