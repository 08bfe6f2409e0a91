// The vault topic <prefix>vault (SPEC §1, §6): a compacted topic holding,
// per resident, the latest vault entry — never plaintext, only the wrapped
// data key and the ciphertext — and a tombstone once the resident is erased,
// so that compaction removes the bytes from the brokers' disks within
// max.compaction.lag.ms and `cityid restore` can rebuild the vault.
//
// Record: key = resident_id; value = EncodeVaultValue (below) or null for a
// tombstone; header content-type = application/vnd.cityid.vault+bin.
// Value: u8 version (1) | u32 BE length of the wrapped key | wrapped key |
// ciphertext (both exactly as in the ledger's vault column families).
//
// KafkaVaultPublisher is the ledger's VaultSink in Kafka mode: an idempotent
// producer (enable.idempotence, acks=all) outside the events transaction;
// records of one resident keep their order (one partition per key), and the
// ledger always sends a resident's current entry, so the last record of a
// key is its truth. Publish() blocks the ledger's writer until every record
// is acknowledged or options.commit_timeout_ms passes.
//
// Threading: Publish from one thread at a time (the ledger's writer).
// ReadVaultTopic blocks its caller.
#ifndef CITYID_LEDGER_KAFKA_KAFKA_VAULT_H_
#define CITYID_LEDGER_KAFKA_KAFKA_VAULT_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ledger/ledger.h"
#include "stream/kafka/kafka_common.h"

namespace RdKafka {
class Producer;
}

namespace cityid {

inline constexpr char kVaultContentType[] = "application/vnd.cityid.vault+bin";

std::string EncodeVaultValue(std::string_view wrapped_key,
                             std::string_view ciphertext);
// kCorruption for a value that does not decode.
Status DecodeVaultValue(std::string_view value, VaultRecord* record);

class KafkaVaultPublisher final : public VaultSink {
 public:
  // kInvalidArgument for a rejected client property. Contacts no broker.
  static Result<std::unique_ptr<KafkaVaultPublisher>> Create(
      const KafkaOptions& options);
  ~KafkaVaultPublisher() override;

  // OK once every record is acknowledged by the broker (acks=all);
  // kUnavailable when one failed or the wait timed out (the ledger sends
  // the residents' current entries again later).
  Status Publish(const std::vector<VaultRecord>& records) override;

 private:
  class DeliveryReports;
  KafkaVaultPublisher(const KafkaOptions& options,
                      std::unique_ptr<DeliveryReports> reports);

  const KafkaOptions options_;
  std::unique_ptr<DeliveryReports> reports_;
  std::unique_ptr<RdKafka::Producer> producer_;
};

// The whole vault topic as it stands: for each resident whose last record
// is not a tombstone, that record. Reads every partition from its start to
// its end. kNotFound when the topic does not exist; kUnavailable when the
// cluster cannot be reached; kCorruption for an undecodable value.
Result<std::map<std::string, VaultRecord>> ReadVaultTopic(
    const KafkaOptions& options);

class Vault;

struct VaultRestoreReport {
  size_t restored = 0;         // residents whose vault entry was written
  size_t erased_skipped = 0;   // topic records of residents erased since
  size_t unknown_skipped = 0;  // topic records of residents the log lacks
  size_t digest_mismatch = 0;  // ciphertext does not match pii_digest
  size_t missing = 0;          // live residents without a topic record
};

// Rebuilds the vault (vault_keys, vault_data and the blind index) of a
// stopped ledger's store, e.g. one `cityid restore` rebuilt from the events
// topic, from the vault topic. A record is written only for a resident the
// store knows, has not erased, and whose latest pii_digest is the SHA-256 of
// the record's ciphertext; each is decrypted in memory (never written in
// clear) to recompute its blind index. Entries already in the store are
// overwritten. One synced batch. kUnavailable when the store is in use or
// the cluster unreachable; kInvalidArgument when `vault`'s KEK is not the
// store's (meta kek_id) or does not open a record.
Result<VaultRestoreReport> RestoreVaultFromKafka(const KafkaOptions& options,
                                                 const std::string& data_dir,
                                                 const Vault& vault);

}  // namespace cityid

#endif  // CITYID_LEDGER_KAFKA_KAFKA_VAULT_H_
