// The vault topic against a real broker (issue 4, SPEC §6): a Ledger whose
// VaultSink is a KafkaVaultPublisher writes each resident's wrapped key and
// ciphertext (never plaintext) to the compacted <prefix>vault topic and a
// tombstone on erasure; once the broker's log cleaner has run, neither the
// ciphertext nor the wrapped key of the erased resident is in any file
// under the broker's log directory, while a kept resident's still is.
// The broker is this test's own (tests/kafka/kafka.sh in a temp dir), so
// its log directory is known.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "ledger/kafka/kafka_vault.h"
#include "ledger/ledger_test_util.h"
#include "ledger/rocksdb_log.h"
#include "ledger/vault/vault.h"
#include "tests/harness/harness.h"
#include "tests/kafka/kafka_test_util.h"

namespace cityid::testing {
namespace {

using testing_util::Ctx;
using testing_util::MakeEnroll;

class OwnBroker {
 public:
  explicit OwnBroker(std::string dir) : dir_(std::move(dir)) {}
  ~OwnBroker() { Script("stop " + dir_ + " --kill"); }
  bool Start() {
    if (!Script("start " + dir_)) return false;
    std::ifstream in(dir_ + "/bootstrap");
    std::getline(in, bootstrap_);
    return !bootstrap_.empty();
  }
  const std::string& bootstrap() const { return bootstrap_; }
  std::string data() const { return dir_ + "/data"; }

 private:
  bool Script(const std::string& args) {
    const std::string cmd = "KAFKA_WATCH_PID=" + std::to_string(getpid()) +
                            " bash '" + CITYID_KAFKA_SH + "' " + args +
                            " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  std::string dir_, bootstrap_;
};

TEST(PrivacyKafkaVaultTest, ErasedVaultBytesLeaveTheBrokerAfterCompaction) {
  TempDir dir;
  OwnBroker broker(dir.Sub("broker"));
  ASSERT_TRUE(broker.Start()) << ReadFile(dir.Sub("broker/logs/server.log"));
  KafkaOptions kafka;
  kafka.bootstrap = broker.bootstrap();
  kafka.topic_prefix = "privacy.";
  // Compaction within seconds instead of the production bound of a day.
  ASSERT_TRUE(CreateTopic(kafka, kafka.VaultTopic(), 1,
                          {{"cleanup.policy", "compact"},
                           {"segment.ms", "500"},
                           {"min.cleanable.dirty.ratio", "0.01"},
                           {"min.compaction.lag.ms", "0"},
                           {"max.compaction.lag.ms", "1000"},
                           {"delete.retention.ms", "1000"},
                           {"file.delete.delay.ms", "100"}})
                  .ok());
  auto publisher = KafkaVaultPublisher::Create(kafka);
  ASSERT_TRUE(publisher.ok()) << publisher.status().ToString();

  LedgerOptions options;
  options.data_dir = dir.Sub("ledger");
  std::filesystem::create_directories(dir.Sub("keys"));
  options.kek_file = testing_util::WriteKeyFile(dir.Sub("keys"), "kek");
  options.blind_index_key_file =
      testing_util::WriteKeyFile(dir.Sub("keys"), "blind");
  options.status_list_size = 131072;
  options.vault_sink = publisher->get();
  auto ledger = Ledger::Open(options);
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();

  auto erased =
      (*ledger)->Execute(MakeEnroll("Qwertzuiopa", "Kafkaerase"), Ctx());
  auto kept = (*ledger)->Execute(MakeEnroll("Asdfghjklo", "Kafkakeep"), Ctx());
  ASSERT_TRUE(erased.ok() && kept.ok());
  auto topic = ReadVaultTopic(kafka);
  ASSERT_TRUE(topic.ok()) << topic.status().ToString();
  ASSERT_EQ(topic->count(erased->resident_id), 1u);
  const VaultRecord before = topic->at(erased->resident_id);
  const VaultRecord control = topic->at(kept->resident_id);
  // The topic holds the vault's encryption, which the KEK opens.
  auto vault = Vault::Open(options.kek_file, options.blind_index_key_file);
  ASSERT_TRUE(vault.ok());
  auto pii = (*vault)->Unseal(erased->resident_id, *before.wrapped_key,
                              *before.ciphertext);
  ASSERT_TRUE(pii.ok());
  EXPECT_EQ(pii->at("given_name"), "Qwertzuiopa");
  EXPECT_FALSE(FilesContaining(broker.data(), *before.ciphertext).empty())
      << "positive control: the ciphertext is in the broker's log";
  EXPECT_EQ(FilesContaining(broker.data(), "Qwertzuiopa"),
            std::vector<std::string>{})
      << "plaintext never reaches the broker";

  ASSERT_TRUE(
      (*ledger)
          ->Execute(EraseResidentCommand{erased->resident_id, "request"}, Ctx())
          .ok());
  topic = ReadVaultTopic(kafka);
  ASSERT_TRUE(topic.ok());
  EXPECT_EQ(topic->count(erased->resident_id), 0u) << "tombstone";

  // Keep appending so segments roll and the cleaner has work; wait for it.
  bool gone = false;
  for (int i = 0; i < 120 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(750));
    ASSERT_TRUE(
        (*ledger)
            ->Execute(MakeEnroll("Filler" + std::to_string(i), "Roll"), Ctx())
            .ok());
    gone = FilesContaining(broker.data(), *before.ciphertext).empty() &&
           FilesContaining(broker.data(), *before.wrapped_key).empty();
  }
  EXPECT_TRUE(gone) << "the erased resident's vault bytes are still in "
                    << broker.data() << " after compaction";
  EXPECT_FALSE(FilesContaining(broker.data(), *control.ciphertext).empty())
      << "the kept resident's ciphertext must survive compaction";
  (*ledger)->Close();
  ledger->reset();

  // Restore: a store that lost its vault (as one `cityid restore` rebuilt
  // from the events topic) gets it back from the vault topic.
  {
    auto log = RocksLog::Open(options.data_dir + "/ledger", {});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    rocksdb::WriteBatch wb;
    for (Cf cf : {Cf::kVaultKeys, Cf::kVaultData, Cf::kVaultBlind}) {
      ASSERT_TRUE((*log)
                      ->ForEach(cf, "",
                                [&](std::string_view k, std::string_view) {
                                  wb.Delete((*log)->handle(cf),
                                            rocksdb::Slice(k.data(), k.size()))
                                      .PermitUncheckedError();
                                  return Status::Ok();
                                })
                      .ok());
    }
    ASSERT_TRUE((*log)->Write(wb).ok());
  }
  auto report = RestoreVaultFromKafka(kafka, options.data_dir, **vault);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_GE(report->restored, 2u);  // the kept resident and the fillers
  EXPECT_EQ(report->missing, 0u);
  EXPECT_EQ(report->digest_mismatch, 0u);
  ledger = Ledger::Open(options);
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
  auto read = (*ledger)->Execute(
      ReadResidentCommand{kept->resident_id, "restore_check"}, Ctx());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->resident->pii.at("given_name"), "Asdfghjklo");
  auto duplicate =
      (*ledger)->Execute(MakeEnroll("asdfghjklo", "KAFKAKEEP"), Ctx());
  EXPECT_EQ(duplicate.status().code(), Code::kConflict)
      << "the blind index is rebuilt";
  auto read_erased = (*ledger)->Execute(
      ReadResidentCommand{erased->resident_id, "restore_check"}, Ctx());
  EXPECT_EQ(read_erased.status().code(), Code::kGone);
  (*ledger)->Close();
}

}  // namespace
}  // namespace cityid::testing
