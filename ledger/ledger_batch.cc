#include "ledger/ledger_batch.h"

#include <type_traits>

#include "ledger/ids.h"
#include "schemas/event_codec.h"

namespace cityid {
namespace {

constexpr int kCardIdAttempts = 16;
constexpr size_t kBlindIndexSize = 32;

// Fetches a key through an overlay map, decoding RocksDB's value with
// `decode`; the map remembers absence too.
template <typename T, typename Decode>
Result<const std::optional<T>*> Lookup(
    std::map<std::string, std::optional<T>>& overlay, const RocksLog& log,
    Cf cf, const std::string& key, Decode decode) {
  auto it = overlay.find(key);
  if (it != overlay.end()) return &it->second;
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw, log.Get(cf, key));
  std::optional<T> value;
  if (raw) {
    Result<T> decoded = decode(*raw);
    if (!decoded.ok()) return decoded.status();
    value = std::move(decoded).value();
  }
  return &overlay.emplace(key, std::move(value)).first->second;
}

// Events after which a resident's retention coverage may differ.
bool ChangesCoverage(const Payload& p) {
  return !std::holds_alternative<ResidentUpdated>(p) &&
         !std::holds_alternative<PiiAccessed>(p);
}

}  // namespace

bool ChangesResident(const Payload& p) {
  return std::holds_alternative<ResidentEnrolled>(p) ||
         std::holds_alternative<ResidentUpdated>(p) ||
         std::holds_alternative<ResidentErased>(p) ||
         std::holds_alternative<CardIssued>(p) ||
         std::holds_alternative<CardReplaced>(p);
}

std::string BlindBucketKey(std::string_view index) {
  return kBlindByIndex + std::string(index.substr(0, 2));
}

// Calls fn(index, resident_id, entry_offset, entry_size) per bucket entry
// until it returns true; stops at a truncated entry.
template <typename Fn>
void ForEachBucketEntry(std::string_view bucket, Fn fn) {
  size_t pos = 0;
  while (pos + kBlindIndexSize + 1 <= bucket.size()) {
    size_t len = static_cast<uint8_t>(bucket[pos + kBlindIndexSize]);
    size_t size = kBlindIndexSize + 1 + len;
    if (pos + size > bucket.size()) return;
    if (fn(bucket.substr(pos, kBlindIndexSize),
           bucket.substr(pos + kBlindIndexSize + 1, len), pos, size)) {
      return;
    }
    pos += size;
  }
}

std::string BucketFind(std::string_view bucket, std::string_view index) {
  std::string owner;
  ForEachBucketEntry(bucket, [&](auto idx, auto rid, size_t, size_t) {
    if (idx != index) return false;
    owner = std::string(rid);
    return true;
  });
  return owner;
}

std::string BucketWith(std::string_view bucket, std::string_view index,
                       std::string_view resident_id) {
  std::string out = BucketWithout(bucket, index);
  out.append(index);
  out.push_back(static_cast<char>(resident_id.size()));
  out.append(resident_id);
  return out;
}

std::string BucketWithout(std::string_view bucket, std::string_view index) {
  std::string out;
  ForEachBucketEntry(bucket, [&](auto idx, auto, size_t pos, size_t size) {
    if (idx != index) out.append(bucket.substr(pos, size));
    return false;
  });
  return out;
}

std::string IdempotencyKey(const CommandContext& ctx) {
  return ctx.actor + '\0' + ctx.idempotency_key;
}

LedgerBatch::LedgerBatch(const RocksLog& log, const Vault& vault,
                         StatusSlots& slots, DecideEnv env, uint64_t last_seq)
    : log_(log),
      vault_(vault),
      slots_(slots),
      env_(std::move(env)),
      next_seq_(last_seq + 1) {}

Result<CommandResult> LedgerBatch::Execute(const Command& command,
                                           const CommandContext& ctx,
                                           const PreparedCommand* prepared) {
  // Reads carry PII in their result: never stored, never replayed.
  bool idempotent = !ctx.idempotency_key.empty() &&
                    !std::holds_alternative<ReadResidentCommand>(command);
  std::string key = idempotent ? IdempotencyKey(ctx) : "";
  if (idempotent) {
    CITYID_ASSIGN_OR_RETURN(std::optional<IdempotencyRecord> seen,
                            Idempotency(key));
    if (seen) {
      if (seen->request_hash != ctx.request_hash) {
        return Status(Code::kIdempotencyMismatch,
                      "Idempotency-Key was already used with another request");
      }
      CommandResult replay = seen->result;
      replay.replayed = true;
      return replay;
    }
  }
  CITYID_ASSIGN_OR_RETURN(CommandResult result,
                          Dispatch(command, ctx, prepared));
  if (idempotent) {
    idempotency_[key] = IdempotencyRecord{ctx.request_hash, result};
    dirty_idempotency_.insert(key);
  }
  return result;
}

Result<CommandResult> LedgerBatch::Dispatch(const Command& command,
                                            const CommandContext& ctx,
                                            const PreparedCommand* prepared) {
  return std::visit(
      [&](const auto& c) -> Result<CommandResult> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, EnrollCommand> ||
                      std::is_same_v<T, UpdateResidentCommand>) {
          return Do(c, ctx, prepared);
        } else {
          return Do(c, ctx);
        }
      },
      command);
}

// ---- overlay reads ----

Result<const ResidentState*> LedgerBatch::Resident(const std::string& id) {
  CITYID_ASSIGN_OR_RETURN(auto* slot, Lookup(residents_, log_, Cf::kResidents,
                                             id, DecodeResidentState));
  return slot->has_value() ? &slot->value() : nullptr;
}

Result<const CardState*> LedgerBatch::Card(const std::string& id) {
  CITYID_ASSIGN_OR_RETURN(
      auto* slot, Lookup(cards_, log_, Cf::kCards, id, DecodeCardState));
  return slot->has_value() ? &slot->value() : nullptr;
}

Result<std::vector<CardState>> LedgerBatch::CardsOf(const ResidentState& r) {
  std::vector<CardState> cards;
  for (const std::string& id : r.card_ids) {
    CITYID_ASSIGN_OR_RETURN(const CardState* c, Card(id));
    if (c == nullptr)
      return Corruption("resident " + r.resident_id + " lists missing card");
    cards.push_back(*c);
  }
  return cards;
}

Result<std::optional<std::string>> LedgerBatch::Blind(const std::string& key) {
  auto identity = [](const std::string& v) -> Result<std::string> { return v; };
  CITYID_ASSIGN_OR_RETURN(auto* slot,
                          Lookup(blind_, log_, Cf::kVaultBlind, key, identity));
  return *slot;
}

Result<std::optional<std::string>> LedgerBatch::RetentionEntry(
    const std::string& key) {
  auto identity = [](const std::string& v) -> Result<std::string> { return v; };
  CITYID_ASSIGN_OR_RETURN(
      auto* slot, Lookup(retention_, log_, Cf::kRetention, key, identity));
  return *slot;
}

Result<std::optional<LedgerBatch::Sealed>> LedgerBatch::VaultEntry(
    const std::string& rid) {
  auto it = sealed_.find(rid);
  if (it != sealed_.end()) return it->second;
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> wrapped,
                          log_.Get(Cf::kVaultKeys, rid));
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> data,
                          log_.Get(Cf::kVaultData, rid));
  std::optional<Sealed> entry;
  if (wrapped && data) entry = Sealed{std::move(*wrapped), std::move(*data)};
  return sealed_.emplace(rid, std::move(entry)).first->second;
}

Result<std::optional<IdempotencyRecord>> LedgerBatch::Idempotency(
    const std::string& key) {
  CITYID_ASSIGN_OR_RETURN(auto* slot,
                          Lookup(idempotency_, log_, Cf::kIdempotency, key,
                                 DecodeIdempotencyRecord));
  return *slot;
}

// ---- staging ----

uint64_t LedgerBatch::Append(Payload payload, const CommandContext& ctx) {
  Event e;
  e.seq = next_seq_++;
  e.event_id = NewEventId();
  e.occurred_at = env_.now;
  e.recorded_at = env_.now;
  e.actor = ctx.actor;
  e.office = ctx.office;
  e.idempotency_key = ctx.idempotency_key;
  e.payload = std::move(payload);
  events_.push_back({e.seq, EncodeEvent(e)});

  if (ChangesResident(e.payload)) {
    const std::string& rid = e.resident_id();
    std::optional<ResidentState>& r = residents_[rid];
    if (!r) r.emplace();
    ApplyToResident(*r, e);
    dirty_residents_.insert(rid);
  }
  if (ChangesCoverage(e.payload)) retention_residents_.insert(e.resident_id());
  for (const std::string& id : CardsChangedBy(e.payload)) {
    std::optional<CardState>& c = cards_[id];
    if (!c) {
      c.emplace();
      c->card_id = id;
    }
    ApplyToCard(*c, e);
    dirty_cards_.insert(id);
  }
  return e.seq;
}

void LedgerBatch::StageVault(const std::string& rid,
                             std::optional<Sealed> sealed) {
  sealed_[rid] = std::move(sealed);
  dirty_sealed_.insert(rid);
}

void LedgerBatch::StageBlind(const std::string& key,
                             std::optional<std::string> value) {
  blind_[key] = std::move(value);
  dirty_blind_.insert(key);
}

Result<std::string> LedgerBatch::BlindOwner(const std::string& blind_index) {
  if (blind_index.empty()) return std::string();
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> bucket,
                          Blind(BlindBucketKey(blind_index)));
  return bucket ? BucketFind(*bucket, blind_index) : std::string();
}

// Points the resident's blind index at `new_index` (empty: none), dropping
// the old one.
Status LedgerBatch::ReplaceBlindIndex(const std::string& rid,
                                      const std::string& new_index) {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> old,
                          Blind(kBlindByResident + rid));
  if (old) {
    std::string key = BlindBucketKey(*old);
    CITYID_ASSIGN_OR_RETURN(std::optional<std::string> bucket, Blind(key));
    std::string rest = BucketWithout(bucket.value_or(""), *old);
    StageBlind(key,
               rest.empty() ? std::nullopt : std::optional<std::string>(rest));
  }
  if (new_index.empty()) {
    StageBlind(kBlindByResident + rid, std::nullopt);
    return Status::Ok();
  }
  std::string key = BlindBucketKey(new_index);
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> bucket, Blind(key));
  StageBlind(key, BucketWith(bucket.value_or(""), new_index, rid));
  StageBlind(kBlindByResident + rid, new_index);
  return Status::Ok();
}

Result<NewCard> LedgerBatch::FreshCard() {
  for (int i = 0; i < kCardIdAttempts; ++i) {
    std::string id = NewCardId();
    CITYID_ASSIGN_OR_RETURN(const CardState* existing, Card(id));
    if (existing != nullptr) continue;
    StatusSlot slot = slots_.Reserve();
    return NewCard{std::move(id), std::to_string(slot.list), slot.index};
  }
  return Internal("could not find an unused card id");
}

CardView LedgerBatch::View(const std::string& card_id) {
  return ToCardView(*cards_.at(card_id), env_.now);
}

void LedgerBatch::Build(rocksdb::WriteBatch& wb) {
  auto put = [&](Cf cf, const std::string& k, const std::string& v) {
    wb.Put(log_.handle(cf), k, v).PermitUncheckedError();
  };
  auto del = [&](Cf cf, const std::string& k) {
    wb.Delete(log_.handle(cf), k).PermitUncheckedError();
  };
  for (const StoredEvent& e : events_)
    put(Cf::kEvents, BigEndian64(e.seq), e.bytes);
  for (const auto& id : dirty_residents_) {
    put(Cf::kResidents, id, EncodeResidentState(*residents_.at(id)));
  }
  for (const auto& id : dirty_cards_)
    put(Cf::kCards, id, EncodeCardState(*cards_.at(id)));
  for (const auto& rid : dirty_sealed_) {
    const std::optional<Sealed>& v = sealed_.at(rid);
    if (v) {
      put(Cf::kVaultKeys, rid, v->first);
      put(Cf::kVaultData, rid, v->second);
    } else {
      del(Cf::kVaultKeys, rid);
      del(Cf::kVaultData, rid);
    }
  }
  for (const auto& k : dirty_blind_) {
    const std::optional<std::string>& v = blind_.at(k);
    v ? put(Cf::kVaultBlind, k, *v) : del(Cf::kVaultBlind, k);
  }
  for (const auto& k : dirty_retention_) {
    const std::optional<std::string>& v = retention_.at(k);
    v ? put(Cf::kRetention, k, *v) : del(Cf::kRetention, k);
  }
  for (const auto& k : dirty_idempotency_) {
    put(Cf::kIdempotency, k, EncodeIdempotencyRecord(*idempotency_.at(k)));
  }
  slots_.AddToBatch(log_, wb);
  put(Cf::kMeta, "last_seq", BigEndian64(last_seq()));
}

}  // namespace cityid
