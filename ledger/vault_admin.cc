#include "ledger/vault_admin.h"

#include <filesystem>

#include "ledger/ledger_batch.h"
#include "ledger/rocksdb_log.h"

namespace cityid {
namespace {

constexpr char kKekIdKey[] = "kek_id";

Result<std::unique_ptr<RocksLog>> OpenStore(const std::string& data_dir) {
  const std::string path =
      (std::filesystem::path(data_dir) / "ledger").string();
  if (!std::filesystem::exists(path))
    return NotFound("no ledger store at " + path);
  return RocksLog::Open(path, {});
}

Status CompactWhole(RocksLog& log, Cf cf) {
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  return FromRocksStatus(
      log.db()->CompactRange(compact, log.handle(cf), nullptr, nullptr),
      "compact");
}

}  // namespace

Result<KekRotationReport> RewrapVault(const std::string& data_dir,
                                      const Vault& from, const Vault& to) {
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<RocksLog> log, OpenStore(data_dir));
  KekRotationReport report;
  report.old_kek_id = from.KekId();
  report.new_kek_id = to.KekId();
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          log->Get(Cf::kMeta, kKekIdKey));
  if (stored && *stored == report.new_kek_id) {
    report.already_done = true;
    return report;
  }
  if (stored && *stored != report.old_kek_id) {
    return InvalidArgument("the vault's kek_id " + *stored +
                           " is neither the current KEK's (" +
                           report.old_kek_id + ") nor the new one's");
  }
  rocksdb::WriteBatch wb;
  CITYID_RETURN_IF_ERROR(log->ForEach(
      Cf::kVaultKeys, "",
      [&](std::string_view rid, std::string_view wrapped) -> Status {
        Result<std::string> rewrapped = from.Rewrap(rid, wrapped, to);
        if (!rewrapped.ok()) {
          return InvalidArgument(
              "the current KEK does not open the data key "
              "of resident " +
              std::string(rid));
        }
        wb.Put(log->handle(Cf::kVaultKeys), rid, *rewrapped)
            .PermitUncheckedError();
        ++report.rewrapped;
        return Status::Ok();
      }));
  wb.Put(log->handle(Cf::kMeta), kKekIdKey, report.new_kek_id)
      .PermitUncheckedError();
  CITYID_RETURN_IF_ERROR(log->Write(wb));
  // The old wrapped keys must leave the WAL and every table file.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> all = log->ExtraHandles();
  for (int cf = 0; cf < static_cast<int>(Cf::kCount); ++cf)
    all.push_back(log->handle(static_cast<Cf>(cf)));
  // Every column family: a WAL is deleted only once nothing in it is
  // unflushed.
  CITYID_RETURN_IF_ERROR(
      FromRocksStatus(log->db()->Flush(flush, all), "flush"));
  CITYID_RETURN_IF_ERROR(CompactWhole(*log, Cf::kVaultKeys));
  CITYID_RETURN_IF_ERROR(CompactWhole(*log, Cf::kMeta));
  return report;
}

Result<VaultEntryBytes> InspectVaultEntry(const std::string& data_dir,
                                          const std::string& resident_id) {
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<RocksLog> log, OpenStore(data_dir));
  VaultEntryBytes out;
  CITYID_ASSIGN_OR_RETURN(out.wrapped_key,
                          log->Get(Cf::kVaultKeys, resident_id));
  CITYID_ASSIGN_OR_RETURN(out.ciphertext,
                          log->Get(Cf::kVaultData, resident_id));
  CITYID_ASSIGN_OR_RETURN(
      out.blind_index,
      log->Get(Cf::kVaultBlind, kBlindByResident + resident_id));
  return out;
}

}  // namespace cityid
