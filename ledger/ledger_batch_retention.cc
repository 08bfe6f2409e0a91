// LedgerBatch: the retention index and the retention sweep
// (ledger/retention.h, ledger/ledger_batch.h).
#include <spdlog/spdlog.h>

#include "ledger/ledger_batch.h"
#include "ledger/retention.h"

namespace cityid {

Result<Micros> LedgerBatch::CoverageOf(const ResidentState& r,
                                       Micros revoked_at) {
  CITYID_ASSIGN_OR_RETURN(std::vector<CardState> cards, CardsOf(r));
  return CoverageEnd(r, cards, revoked_at);
}

Status LedgerBatch::StageRetention() {
  auto stage = [this](const std::string& key,
                      std::optional<std::string> value) {
    retention_[key] = std::move(value);
    dirty_retention_.insert(key);
  };
  for (const std::string& rid : retention_residents_) {
    CITYID_ASSIGN_OR_RETURN(const ResidentState* r, Resident(rid));
    std::optional<std::string> now_value;
    Micros end = 0;
    if (r != nullptr && !r->erased) {
      // Only events of this batch led here: a last revocation is now.
      CITYID_ASSIGN_OR_RETURN(end, CoverageOf(*r, env_.now));
      end = std::max<Micros>(0, end);
      now_value = BigEndian64(static_cast<uint64_t>(end));
    }
    const std::string by_resident = RetentionResidentKey(rid);
    CITYID_ASSIGN_OR_RETURN(std::optional<std::string> old,
                            RetentionEntry(by_resident));
    if (old == now_value) continue;
    if (old && old->size() == 8) {
      stage(
          RetentionCoverageKey(static_cast<Micros>(ReadBigEndian64(*old)), rid),
          std::nullopt);
    }
    if (now_value) {
      stage(RetentionCoverageKey(end, rid), std::string());
      stage(by_resident, std::move(now_value));
    } else {
      stage(by_resident, std::nullopt);
    }
  }
  retention_residents_.clear();
  return Status::Ok();
}

Result<std::vector<std::pair<std::string, Micros>>>
LedgerBatch::RetentionCandidates(size_t limit) {
  std::vector<std::pair<std::string, Micros>> due;
  bool stopped = false;
  const std::string prefix(1, kRetentionByCoverage);
  Status s = log_.ForEach(
      Cf::kRetention, prefix,
      [&](std::string_view key, std::string_view) -> Status {
        Micros end = 0;
        std::string rid;
        CITYID_RETURN_IF_ERROR(ParseRetentionCoverageKey(key, &end, &rid));
        if (due.size() >= limit ||
            !RetentionDue(end, env_.retention_days, env_.now)) {
          stopped = true;  // keys are in coverage order: nothing later is due
          return Conflict("stop");
        }
        due.emplace_back(std::move(rid), end);
        return Status::Ok();
      });
  if (!s.ok() && !stopped) return s;
  return due;
}

Result<CommandResult> LedgerBatch::Do(const RetentionSweepCommand& c,
                                      const CommandContext& ctx) {
  if (env_.retention_days <= 0)
    return InvalidArgument("retention is off (retention.days = 0)");
  CITYID_ASSIGN_OR_RETURN(auto candidates, RetentionCandidates(c.limit));
  CommandResult result;
  for (const auto& [rid, indexed_end] : candidates) {
    // The index is read from RocksDB; recheck against this batch's overlay
    // (an earlier command of the batch may have renewed or erased).
    Result<const ResidentState*> r = Resident(rid);
    if (!r.ok()) break;
    if (*r == nullptr || (*r)->erased) continue;
    // A resident whose cards are all revoked keeps the coverage end the
    // index recorded at the last revocation.
    Result<Micros> end = CoverageOf(**r, indexed_end);
    if (!end.ok()) break;
    if (!RetentionDue(*end, env_.retention_days, env_.now)) continue;
    // Errors here are failed reads: stop, and keep what is already staged
    // (each erasure is complete on its own).
    Result<CommandResult> erased =
        Do(EraseResidentCommand{rid, "retention"}, ctx);
    if (!erased.ok()) {
      spdlog::warn("ledger: retention sweep stopped at resident {}: {}", rid,
                   erased.status().ToString());
      break;
    }
    result.seq = erased->seq;
    result.erased_residents.push_back(rid);
  }
  return result;
}

}  // namespace cityid
