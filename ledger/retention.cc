#include "ledger/retention.h"

#include <algorithm>

#include "ledger/rocksdb_log.h"
#include "ledger/state_codec.h"
#include "schemas/event_codec.h"

namespace cityid {

Micros CoverageEnd(const ResidentState& resident,
                   const std::vector<CardState>& cards, Micros now) {
  if (cards.empty()) return resident.enrolled_at;
  Micros live_end = 0, any_end = 0;
  bool any_unrevoked = false;
  for (const CardState& c : cards) {
    any_end = std::max(any_end, c.expires_at);
    if (c.status == CardStatus::kRevoked) continue;
    any_unrevoked = true;
    live_end = std::max(live_end, c.expires_at);
  }
  if (any_unrevoked) return live_end;
  return std::min(now, any_end);
}

bool RetentionDue(Micros coverage_end, int retention_days, Micros now) {
  if (retention_days <= 0) return false;
  return now >= coverage_end + retention_days * kMicrosPerDay;
}

std::string RetentionCoverageKey(Micros coverage_end,
                                 std::string_view resident_id) {
  // Times before 1970 do not occur; clamp so the big-endian order holds.
  std::string key(1, kRetentionByCoverage);
  key += BigEndian64(static_cast<uint64_t>(std::max<Micros>(0, coverage_end)));
  key += resident_id;
  return key;
}

std::string RetentionResidentKey(std::string_view resident_id) {
  return kRetentionByResident + std::string(resident_id);
}

Status ParseRetentionCoverageKey(std::string_view key, Micros* coverage_end,
                                 std::string* resident_id) {
  if (key.size() <= 9 || key[0] != kRetentionByCoverage)
    return Corruption("malformed retention index key");
  *coverage_end = static_cast<Micros>(ReadBigEndian64(key.substr(1, 8)));
  *resident_id = std::string(key.substr(9));
  return Status::Ok();
}

namespace {

// recorded_at of the event with `seq`, or 0 when it cannot be read.
Micros RecordedAt(const RocksLog& log, uint64_t seq) {
  if (seq == 0) return 0;
  auto events = log.ReadEvents(seq - 1, 1);
  if (!events.ok() || events->empty()) return 0;
  auto event = DecodeEvent(events->front().bytes);
  return event.ok() ? event->recorded_at : 0;
}

Result<std::vector<CardState>> CardsFromLog(const RocksLog& log,
                                            const ResidentState& r) {
  std::vector<CardState> cards;
  for (const std::string& id : r.card_ids) {
    CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                            log.Get(Cf::kCards, id));
    if (!raw)
      return Corruption("resident " + r.resident_id + " lists missing card");
    CITYID_ASSIGN_OR_RETURN(CardState card, DecodeCardState(*raw));
    cards.push_back(std::move(card));
  }
  return cards;
}

}  // namespace

Status BackfillRetentionIndex(RocksLog& log) {
  rocksdb::WriteBatch wb;
  Status scanned = log.ForEach(
      Cf::kResidents, "",
      [&](std::string_view, std::string_view value) -> Status {
        CITYID_ASSIGN_OR_RETURN(ResidentState r, DecodeResidentState(value));
        if (r.erased) return Status::Ok();
        CITYID_ASSIGN_OR_RETURN(std::vector<CardState> cards,
                                CardsFromLog(log, r));
        Micros last_revoked = 0;
        for (const CardState& c : cards) {
          if (c.status == CardStatus::kRevoked)
            last_revoked = std::max(last_revoked, RecordedAt(log, c.version));
        }
        const Micros end = CoverageEnd(r, cards, last_revoked);
        wb.Put(log.handle(Cf::kRetention),
               RetentionCoverageKey(end, r.resident_id), "")
            .PermitUncheckedError();
        wb.Put(log.handle(Cf::kRetention), RetentionResidentKey(r.resident_id),
               BigEndian64(static_cast<uint64_t>(std::max<Micros>(0, end))))
            .PermitUncheckedError();
        return Status::Ok();
      });
  CITYID_RETURN_IF_ERROR(scanned);
  wb.Put(log.handle(Cf::kMeta), "retention_index", "1").PermitUncheckedError();
  return log.Write(wb);
}

}  // namespace cityid
