// HTTP tests of the integrity routes (SPEC §3, §7, §10) over a real Ledger
// with the Merkle extension: proofs fetched over HTTP verify with the
// library's verifiers and with the RFC 9162 reference verifier, and the
// checkpoint verifies with the key GET /v1/keys serves (also with the C2SP
// reference verifier).
#include "api/integrity_routes.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>

#include "api/backup_routes.h"
#include "api/http_server.h"
#include "api/ledger_routes.h"
#include "api/openapi_testing.h"
#include "base/bytes.h"
#include "base/http_client.h"
#include "ledger/integrity/checkpointer.h"
#include "ledger/integrity/merkle_log_extension.h"
#include "ledger/integrity/merkle_reference_test.h"
#include "ledger/integrity/signed_note_reference_test.h"
#include "ledger/ledger_test_util.h"

namespace cityid {
namespace {

namespace json = boost::json;
constexpr char kOrigin[] = "cityid.example/ledger";

class IntegrityRoutesTest : public ::testing::Test {
 protected:
  IntegrityRoutesTest() : clock_(testing_util::kTestNow) {
    LedgerOptions o;
    o.data_dir = dir_.path() + "/data";
    o.kek_file = testing_util::WriteKeyFile(dir_.path(), "kek");
    o.blind_index_key_file = testing_util::WriteKeyFile(dir_.path(), "blind");
    o.clock = &clock_;
    o.status_list_size = 4096;
    o.extensions = {&merkle_};
    ledger_ = std::move(Ledger::Open(o)).value();
    signer_ = std::move(NoteSigner::Generate(kOrigin)).value();
    checkpointer_ =
        std::move(Checkpointer::Create(merkle_.tree(), {kOrigin, signer_,
                                                        merkle_.checkpoints()}))
            .value();
    RegisterIntegrityRoutes(router_, *merkle_.tree(), *checkpointer_);
    server_ =
        std::make_unique<HttpServer>(HttpServerOptions{}, router_.AsHandler());
    EXPECT_TRUE(server_->Start().ok());
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  }
  ~IntegrityRoutesTest() override {
    checkpointer_->Stop();
    server_->Stop();
    ledger_->Close();
  }

  // Enrolls n residents at once (group commit), then signs the new head.
  void Grow(int n) {
    std::vector<std::promise<bool>> done(n);
    for (int i = 0; i < n; ++i) {
      ledger_->Submit(
          testing_util::MakeEnroll("G", "F" + std::to_string(next_++)),
          testing_util::Ctx(),
          [&done, i](Result<CommandResult> r) { done[i].set_value(r.ok()); });
    }
    for (auto& d : done) ASSERT_TRUE(d.get_future().get());
    ASSERT_TRUE(checkpointer_->SignLatest().ok());
  }

  HttpResponse Get(const std::string& target) {
    auto res = client_->Get(target);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? *res : HttpResponse{};
  }
  json::object GetJson(const std::string& target) {
    HttpResponse res = Get(target);
    EXPECT_EQ(res.status, 200) << target << ": " << res.body;
    EXPECT_EQ(res.Header("Content-Type"), "application/json");
    return json::parse(res.body).as_object();
  }
  static std::vector<MerkleHash> Decode(const json::value& hashes) {
    std::vector<MerkleHash> out;
    for (const auto& h : hashes.as_array())
      out.push_back(MerkleHashFromBase64(h.as_string()).value());
    return out;
  }
  static std::vector<std::string> Raw(const std::vector<MerkleHash>& hashes) {
    std::vector<std::string> out;
    for (const auto& h : hashes) out.push_back(MerkleHashBytes(h));
    return out;
  }
  // The checkpoint served now, verified with the key served now.
  Checkpoint ServedCheckpoint() {
    HttpResponse key = Get("/v1/keys");
    EXPECT_EQ(key.status, 200);
    EXPECT_EQ(key.Header("Content-Type"), "text/plain; charset=utf-8");
    NoteVerifier verifier = NoteVerifier::Parse(key.body).value();
    HttpResponse note = Get("/v1/checkpoint");
    EXPECT_EQ(note.status, 200);
    auto opened = OpenCheckpoint(
        note.body, std::span<const NoteVerifier>(&verifier, 1), kOrigin);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    std::string text;
    EXPECT_TRUE(reference::VerifyNote(note.body, verifier.name(),
                                      verifier.public_key(), &text));
    EXPECT_EQ(text, FormatCheckpoint(*opened).value());
    return *opened;
  }
  void ExpectProblem(const std::string& target, int status) {
    HttpResponse res = Get(target);
    EXPECT_EQ(res.status, status) << target << ": " << res.body;
    EXPECT_EQ(res.Header("Content-Type"), "application/problem+json") << target;
  }

  testing_util::TempDir dir_;
  FakeClock clock_;
  MerkleLogExtension merkle_;
  std::unique_ptr<Ledger> ledger_;
  NoteSigner signer_;
  std::unique_ptr<Checkpointer> checkpointer_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
  int next_ = 0;
};

TEST_F(IntegrityRoutesTest, CheckpointVerifiesWithTheServedKey) {
  Grow(5);
  Checkpoint cp = ServedCheckpoint();
  EXPECT_EQ(cp.origin, kOrigin);
  EXPECT_EQ(cp.size, 5u);
  EXPECT_EQ(cp.root, merkle_.tree()->RootAt(5).value());
  EXPECT_EQ(Get("/v1/keys").body, signer_.Verifier().ToString());
}

TEST_F(IntegrityRoutesTest, EveryInclusionProofVerifiesAgainstTheCheckpoint) {
  Grow(37);
  const Checkpoint cp = ServedCheckpoint();
  auto events = ledger_->ReadEvents(0, 100).value();
  ASSERT_EQ(events.size(), 37u);
  for (const StoredEvent& e : events) {
    json::object proof = GetJson(
        "/v1/proofs/inclusion?seq=" + std::to_string(e.seq) + "&size=37");
    EXPECT_EQ(proof.at("leaf_index").to_number<uint64_t>(), e.seq - 1);
    EXPECT_EQ(proof.at("tree_size").to_number<uint64_t>(), 37u);
    const auto path = Decode(proof.at("hashes"));
    EXPECT_TRUE(
        VerifyInclusion(e.seq - 1, 37, MerkleLeafHash(e.bytes), path, cp.root)
            .ok())
        << e.seq;
    EXPECT_TRUE(reference::VerifyInclusion(e.seq - 1, 37,
                                           reference::LeafHash(e.bytes),
                                           Raw(path), MerkleHashBytes(cp.root)))
        << e.seq;
  }
  // Without size: the latest checkpoint's size.
  json::object proof = GetJson("/v1/proofs/inclusion?seq=3");
  EXPECT_EQ(proof.at("tree_size").to_number<uint64_t>(), 37u);
}

TEST_F(IntegrityRoutesTest, ConsistencyProofsLinkEveryEarlierCheckpoint) {
  std::vector<Checkpoint> history;
  for (int n : {1, 2, 5, 8, 13}) {
    Grow(n);
    history.push_back(ServedCheckpoint());
  }
  const Checkpoint& latest = history.back();
  for (const Checkpoint& old : history) {
    json::object proof =
        GetJson("/v1/proofs/consistency?from=" + std::to_string(old.size) +
                "&to=" + std::to_string(latest.size));
    EXPECT_EQ(proof.at("from").to_number<uint64_t>(), old.size);
    EXPECT_EQ(proof.at("to").to_number<uint64_t>(), latest.size);
    const auto path = Decode(proof.at("hashes"));
    EXPECT_TRUE(
        VerifyConsistency(old.size, latest.size, old.root, latest.root, path)
            .ok())
        << old.size;
    if (old.size < latest.size) {
      EXPECT_TRUE(reference::VerifyConsistency(
          old.size, latest.size, MerkleHashBytes(old.root),
          MerkleHashBytes(latest.root), Raw(path)))
          << old.size;
    }
  }
  // Without to: the latest checkpoint.
  json::object proof = GetJson("/v1/proofs/consistency?from=3");
  EXPECT_EQ(proof.at("to").to_number<uint64_t>(), latest.size);
}

TEST_F(IntegrityRoutesTest, AlteredProofsFailToVerify) {
  Grow(9);
  const Checkpoint cp = ServedCheckpoint();
  auto events = ledger_->ReadEvents(0, 100).value();
  auto path = Decode(GetJson("/v1/proofs/inclusion?seq=4&size=9").at("hashes"));
  path[1][0] ^= 1;
  EXPECT_FALSE(
      VerifyInclusion(3, 9, MerkleLeafHash(events[3].bytes), path, cp.root)
          .ok());
  // The right path for another leaf does not prove this one.
  auto other =
      Decode(GetJson("/v1/proofs/inclusion?seq=5&size=9").at("hashes"));
  EXPECT_FALSE(
      VerifyInclusion(3, 9, MerkleLeafHash(events[3].bytes), other, cp.root)
          .ok());
}

TEST_F(IntegrityRoutesTest, BadParametersAnswerProblems) {
  Grow(4);
  ExpectProblem("/v1/proofs/inclusion", 400);
  ExpectProblem("/v1/proofs/inclusion?seq=abc", 400);
  ExpectProblem("/v1/proofs/inclusion?seq=-1", 400);
  ExpectProblem("/v1/proofs/inclusion?seq=1&seq=2", 400);
  ExpectProblem("/v1/proofs/inclusion?seq=0&size=4", 422);
  ExpectProblem("/v1/proofs/inclusion?seq=5&size=4", 422);
  ExpectProblem("/v1/proofs/inclusion?seq=1&size=5", 404);
  ExpectProblem("/v1/proofs/consistency", 400);
  ExpectProblem("/v1/proofs/consistency?from=x&to=4", 400);
  ExpectProblem("/v1/proofs/consistency?from=4&to=3", 422);
  ExpectProblem("/v1/proofs/consistency?from=1&to=99", 404);
  // Edge sizes the verifier accepts with an empty path.
  EXPECT_TRUE(GetJson("/v1/proofs/consistency?from=0&to=4")
                  .at("hashes")
                  .as_array()
                  .empty());
  EXPECT_TRUE(GetJson("/v1/proofs/consistency?from=4&to=4")
                  .at("hashes")
                  .as_array()
                  .empty());
}

// The ledger's whole route table, registered as `cityid ledger` does.
TEST_F(IntegrityRoutesTest, TheLedgersRoutesMatchOpenApi) {
  TokenStore tokens;
  Metrics metrics;
  Router router(&metrics);
  RegisterLedgerRoutes(router, *ledger_, tokens, metrics);
  RegisterIntegrityRoutes(router, *merkle_.tree(), *checkpointer_);
  BackupRoutes backups([](const std::string&) -> Result<std::string> {
    return Unavailable("not in this test");
  });
  backups.Register(router, tokens);
  testing_util::ExpectRoutesMatchOpenApi(router, "ledger");
}

}  // namespace
}  // namespace cityid
