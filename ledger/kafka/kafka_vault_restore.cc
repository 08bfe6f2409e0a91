// RestoreVaultFromKafka (ledger/kafka/kafka_vault.h).
#include <filesystem>

#include "base/bytes.h"
#include "ledger/kafka/kafka_vault.h"
#include "ledger/ledger_batch.h"
#include "ledger/rocksdb_log.h"
#include "ledger/state_codec.h"
#include "ledger/vault/vault.h"

namespace cityid {
namespace {

// Checks the store is under `vault`'s KEK (or records it when new).
Status CheckKekId(RocksLog& log, const Vault& vault, rocksdb::WriteBatch& wb) {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          log.Get(Cf::kMeta, "kek_id"));
  if (stored && *stored != vault.KekId())
    return InvalidArgument("the KEK is not this ledger's (kek_id " + *stored +
                           ")");
  if (!stored)
    wb.Put(log.handle(Cf::kMeta), "kek_id", vault.KekId())
        .PermitUncheckedError();
  return Status::Ok();
}

}  // namespace

Result<VaultRestoreReport> RestoreVaultFromKafka(const KafkaOptions& options,
                                                 const std::string& data_dir,
                                                 const Vault& vault) {
  CITYID_ASSIGN_OR_RETURN(auto records, ReadVaultTopic(options));
  CITYID_ASSIGN_OR_RETURN(
      std::unique_ptr<RocksLog> log,
      RocksLog::Open((std::filesystem::path(data_dir) / "ledger").string(),
                     {}));
  rocksdb::WriteBatch wb;
  CITYID_RETURN_IF_ERROR(CheckKekId(*log, vault, wb));
  VaultRestoreReport report;
  std::map<std::string, std::string> buckets;  // blind bucket key -> value
  Status scan = log->ForEach(
      Cf::kResidents, "",
      [&](std::string_view key, std::string_view value) -> Status {
        CITYID_ASSIGN_OR_RETURN(ResidentState r, DecodeResidentState(value));
        auto it = records.find(std::string(key));
        if (r.erased) {
          if (it != records.end()) ++report.erased_skipped;
          return Status::Ok();
        }
        if (it == records.end()) {
          ++report.missing;
          return Status::Ok();
        }
        const VaultRecord& rec = it->second;
        if (Sha256String(*rec.ciphertext) != r.pii_digest) {
          ++report.digest_mismatch;
          return Status::Ok();
        }
        Result<PiiRecord> pii =
            vault.Unseal(r.resident_id, *rec.wrapped_key, *rec.ciphertext);
        if (!pii.ok()) {
          return InvalidArgument("the KEK does not open the vault record of " +
                                 r.resident_id);
        }
        const std::string index = vault.BlindIndex(*pii);
        if (!index.empty()) {
          const std::string bucket = BlindBucketKey(index);
          if (!buckets.count(bucket)) {
            CITYID_ASSIGN_OR_RETURN(std::optional<std::string> old,
                                    log->Get(Cf::kVaultBlind, bucket));
            buckets[bucket] = old.value_or("");
          }
          buckets[bucket] = BucketWith(buckets[bucket], index, r.resident_id);
          wb.Put(log->handle(Cf::kVaultBlind), kBlindByResident + r.resident_id,
                 index)
              .PermitUncheckedError();
        }
        wb.Put(log->handle(Cf::kVaultKeys), r.resident_id, *rec.wrapped_key)
            .PermitUncheckedError();
        wb.Put(log->handle(Cf::kVaultData), r.resident_id, *rec.ciphertext)
            .PermitUncheckedError();
        ++report.restored;
        records.erase(it);
        return Status::Ok();
      });
  CITYID_RETURN_IF_ERROR(scan);
  // What is left belongs to residents erased since (handled) or unknown.
  for (const auto& [rid, rec] : records) {
    CITYID_ASSIGN_OR_RETURN(std::optional<std::string> known,
                            log->Get(Cf::kResidents, rid));
    if (!known) ++report.unknown_skipped;
  }
  for (const auto& [key, value] : buckets)
    wb.Put(log->handle(Cf::kVaultBlind), key, value).PermitUncheckedError();
  CITYID_RETURN_IF_ERROR(log->Write(wb));
  return report;
}

}  // namespace cityid
