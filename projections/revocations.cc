#include "projections/revocations.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <type_traits>
#include <variant>

#include "base/bytes.h"

namespace cityid {
namespace json = boost::json;
using statuslist::EntryStatus;
using statuslist::StatusArray;
namespace {

constexpr uint32_t kChunkEntries = 1024;
constexpr uint32_t kChunkBytes = kChunkEntries / 4;
constexpr size_t kChangeBytes = 6;  // index u32 BE, old, new

struct ListMeta {
  uint32_t size = 0;
  uint64_t version = 0;
};

// --- keys and values ---

std::string CardKey(std::string_view card_id) {
  return "card/" + std::string(card_id);
}
std::string ListPrefix(std::string_view id) {
  return "list/" + std::string(id) + "/";
}
std::string MetaKey(std::string_view id) { return ListPrefix(id) + "m"; }
std::string ChunkKey(std::string_view id, uint32_t chunk) {
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", chunk);
  return ListPrefix(id) + "c/" + hex;
}
std::string ChangeKey(std::string_view id, uint64_t version) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx",
                static_cast<unsigned long long>(version));
  return "change/" + std::string(id) + "/" + hex;
}

// List ids are what the ledger's StatusSlots names them: "1", "2", ...
std::optional<uint64_t> ListNumber(std::string_view id) {
  if (id.empty() || id.size() > 19 || id[0] == '0') return std::nullopt;
  uint64_t n = 0;
  for (char c : id) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

// "c/0000002a" -> 42.
std::optional<uint32_t> ChunkNumber(std::string_view rest) {
  if (rest.size() != 10 || rest.substr(0, 2) != "c/") return std::nullopt;
  uint32_t n = 0;
  for (char c : rest.substr(2)) {
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                             : -1;
    if (digit < 0) return std::nullopt;
    n = (n << 4) | static_cast<uint32_t>(digit);
  }
  return n;
}

std::string EncodeMeta(const ListMeta& m) {
  json::object o;
  o["size"] = m.size;
  o["version"] = m.version;
  return json::serialize(o);
}

Result<ListMeta> DecodeMeta(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Corruption("revocations: bad list meta");
  try {
    return ListMeta{v.at("size").to_number<uint32_t>(),
                    v.at("version").to_number<uint64_t>()};
  } catch (const std::exception&) {
    return Corruption("revocations: malformed list meta");
  }
}

Result<CardSlot> DecodeSlot(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos)
    return Corruption("revocations: bad card record");
  CardSlot slot{std::string(text.substr(0, slash)), 0};
  try {
    slot.index =
        static_cast<uint32_t>(std::stoul(std::string(text.substr(slash + 1))));
  } catch (const std::exception&) {
    return Corruption("revocations: bad card record index");
  }
  return slot;
}

// Bytes of chunk `chunk` of a list of `size` entries.
uint32_t ChunkLength(uint32_t size, uint32_t chunk) {
  const uint32_t total = (size + 3) / 4;
  return std::min(kChunkBytes, total - chunk * kChunkBytes);
}

uint8_t EntryIn(const std::string& chunk, uint32_t index) {
  const uint32_t offset = index % kChunkEntries;
  return static_cast<uint8_t>(
      (static_cast<uint8_t>(chunk[offset / 4]) >> ((offset % 4) * 2)) & 3u);
}

void SetEntryIn(std::string& chunk, uint32_t index, uint8_t value) {
  const uint32_t offset = index % kChunkEntries;
  const unsigned shift = (offset % 4) * 2;
  auto byte = static_cast<uint8_t>(chunk[offset / 4]);
  byte = static_cast<uint8_t>((byte & ~(3u << shift)) | (value << shift));
  chunk[offset / 4] = static_cast<char>(byte);
}

// --- reads and writes inside a batch ---

Status HistoryError(const Event& ev, const std::string& what) {
  return Corruption("revocations: " + std::string(ev.type()) + " at seq " +
                    std::to_string(ev.seq) + ": " + what);
}

Result<std::optional<ListMeta>> FindList(const StateBatch& b,
                                         std::string_view id) {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw, b.Get(MetaKey(id)));
  if (!raw) return std::optional<ListMeta>();
  CITYID_ASSIGN_OR_RETURN(ListMeta meta, DecodeMeta(*raw));
  return std::optional<ListMeta>(meta);
}

Result<std::string> ReadChunk(const StateBatch& b, std::string_view id,
                              uint32_t size, uint32_t index) {
  const uint32_t chunk = index / kChunkEntries;
  const uint32_t length = ChunkLength(size, chunk);
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          b.Get(ChunkKey(id, chunk)));
  if (!raw) return std::string(length, '\0');
  if (raw->size() != length) return Corruption("revocations: bad chunk size");
  return std::move(*raw);
}

Result<std::optional<CardSlot>> FindSlot(const StateBatch& b,
                                         std::string_view card_id) {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          b.Get(CardKey(card_id)));
  if (!raw) return std::optional<CardSlot>();
  CITYID_ASSIGN_OR_RETURN(CardSlot slot, DecodeSlot(*raw));
  return std::optional<CardSlot>(std::move(slot));
}

// Gives a new card its slot; creates the list on first use.
Status CreateCard(const Event& ev, const std::string& card_id,
                  const std::string& list_id, uint32_t index,
                  const RevocationsOptions& opt, StateBatch& b) {
  CITYID_ASSIGN_OR_RETURN(std::optional<CardSlot> existing,
                          FindSlot(b, card_id));
  if (existing) return HistoryError(ev, "card " + card_id + " created twice");
  if (!ListNumber(list_id))
    return HistoryError(ev, "status list id '" + list_id + "' is not a number");
  CITYID_ASSIGN_OR_RETURN(std::optional<ListMeta> meta, FindList(b, list_id));
  if (!meta) {
    meta = ListMeta{opt.list_size, 1};
    b.Put(MetaKey(list_id), EncodeMeta(*meta));
  }
  if (index >= meta->size) {
    return HistoryError(
        ev, "index " + std::to_string(index) + " is outside list " + list_id +
                " of " + std::to_string(meta->size) +
                " entries (status_list.size differs from the ledger's?)");
  }
  CITYID_ASSIGN_OR_RETURN(std::string chunk,
                          ReadChunk(b, list_id, meta->size, index));
  if (EntryIn(chunk, index) != 0) {
    return HistoryError(ev, "slot " + list_id + "/" + std::to_string(index) +
                                " given to card " + card_id +
                                " is not valid (a reused slot)");
  }
  b.Put(CardKey(card_id), list_id + "/" + std::to_string(index));
  return Status::Ok();
}

// Sets the card's entry; a change makes the list's next version.
Status SetCardStatus(const Event& ev, const std::string& card_id,
                     EntryStatus status, const RevocationsOptions& opt,
                     StateBatch& b) {
  CITYID_ASSIGN_OR_RETURN(std::optional<CardSlot> slot, FindSlot(b, card_id));
  if (!slot) return HistoryError(ev, "unknown card " + card_id);
  CITYID_ASSIGN_OR_RETURN(std::optional<ListMeta> meta,
                          FindList(b, slot->list_id));
  if (!meta) return Corruption("revocations: card of a missing list");
  CITYID_ASSIGN_OR_RETURN(std::string chunk,
                          ReadChunk(b, slot->list_id, meta->size, slot->index));
  const uint8_t old_value = EntryIn(chunk, slot->index);
  const auto new_value = static_cast<uint8_t>(status);
  if (old_value == new_value) return Status::Ok();
  if (old_value == static_cast<uint8_t>(EntryStatus::kRevoked))
    return HistoryError(ev, "card " + card_id + " is revoked (final)");
  SetEntryIn(chunk, slot->index, new_value);
  b.Put(ChunkKey(slot->list_id, slot->index / kChunkEntries), chunk);
  ++meta->version;
  b.Put(MetaKey(slot->list_id), EncodeMeta(*meta));
  std::string change(kChangeBytes, '\0');
  for (int i = 0; i < 4; ++i)
    change[i] = static_cast<char>(slot->index >> (24 - 8 * i));
  change[4] = static_cast<char>(old_value);
  change[5] = static_cast<char>(new_value);
  b.Put(ChangeKey(slot->list_id, meta->version), change);
  if (meta->version > opt.delta_history)
    b.Delete(ChangeKey(slot->list_id, meta->version - opt.delta_history));
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Revocations>> Revocations::Create(
    ProjectionStore* store, RevocationsOptions options) {
  if (options.list_size < kMinStatusListSize) {
    return InvalidArgument("status lists hold at least " +
                           std::to_string(kMinStatusListSize) +
                           " entries (herd privacy)");
  }
  if (options.list_size > statuslist::kMaxListEntries)
    return InvalidArgument("status list size over the format's limit");
  if (options.delta_history == 0)
    return InvalidArgument("delta_history must be positive");
  return std::unique_ptr<Revocations>(new Revocations(store, options));
}

Status Revocations::Apply(const Event& event, const StoredEvent& /*stored*/,
                          StateBatch& batch) {
  const RevocationsOptions& opt = options_;
  return std::visit(
      [&](const auto& e) -> Status {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, CardIssued>) {
          return CreateCard(event, e.card_id, e.status_list, e.status_index,
                            opt, batch);
        } else if constexpr (std::is_same_v<T, CardReplaced>) {
          CITYID_RETURN_IF_ERROR(SetCardStatus(
              event, e.old_card_id, EntryStatus::kRevoked, opt, batch));
          return CreateCard(event, e.new_card_id, e.status_list, e.status_index,
                            opt, batch);
        } else if constexpr (std::is_same_v<T, CardSuspended>) {
          return SetCardStatus(event, e.card_id, EntryStatus::kSuspended, opt,
                               batch);
        } else if constexpr (std::is_same_v<T, CardReinstated>) {
          return SetCardStatus(event, e.card_id, EntryStatus::kValid, opt,
                               batch);
        } else if constexpr (std::is_same_v<T, CardRevoked>) {
          return SetCardStatus(event, e.card_id, EntryStatus::kRevoked, opt,
                               batch);
        } else {
          // Enrolment, updates, renewals, PII reads change no entry; erasure
          // comes after the ledger's own card.revoked events.
          return Status::Ok();
        }
      },
      event.payload);
}

Result<CardSlot> Revocations::GetCardSlot(const std::string& card_id) const {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          store_->Get(CardKey(card_id)));
  if (!raw) return NotFound("card " + card_id + " not found");
  return DecodeSlot(*raw);
}

Result<std::vector<std::string>> Revocations::ListIds() const {
  std::vector<std::string> ids;
  CITYID_RETURN_IF_ERROR(
      store_->Scan("list/", [&](std::string_view key, std::string_view) {
        std::string_view rest = key.substr(5);
        if (rest.size() > 2 && rest.substr(rest.size() - 2) == "/m")
          ids.emplace_back(rest.substr(0, rest.size() - 2));
        return true;
      }));
  return ids;
}

Result<uint64_t> Revocations::ListVersion(std::string_view list_id) const {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          store_->Get(MetaKey(list_id)));
  if (!raw || !ListNumber(list_id))
    return NotFound("status list " + std::string(list_id) + " not found");
  CITYID_ASSIGN_OR_RETURN(ListMeta meta, DecodeMeta(*raw));
  return meta.version;
}

Result<ListSnapshot> Revocations::ReadList(std::string_view list_id) const {
  const std::optional<uint64_t> number = ListNumber(list_id);
  if (!number)
    return NotFound("status list " + std::string(list_id) + " not found");
  const std::string prefix = ListPrefix(list_id);
  std::optional<std::string> meta_raw;
  std::map<uint32_t, std::string> chunks;
  Status bad;
  CITYID_RETURN_IF_ERROR(
      store_->Scan(prefix, [&](std::string_view key, std::string_view value) {
        std::string_view rest = key.substr(prefix.size());
        if (rest == "m") {
          meta_raw.emplace(value);
        } else if (std::optional<uint32_t> chunk = ChunkNumber(rest)) {
          chunks[*chunk] = value;
        } else {
          bad = Corruption("revocations: unexpected key in a list");
          return false;
        }
        return true;
      }));
  CITYID_RETURN_IF_ERROR(bad);
  if (!meta_raw)
    return NotFound("status list " + std::string(list_id) + " not found");
  CITYID_ASSIGN_OR_RETURN(ListMeta meta, DecodeMeta(*meta_raw));
  std::string packed((meta.size + 3) / 4, '\0');
  for (const auto& [chunk, bytes] : chunks) {
    if (static_cast<uint64_t>(chunk) * kChunkBytes >= packed.size() ||
        bytes.size() != ChunkLength(meta.size, chunk)) {
      return Corruption("revocations: bad chunk in list " +
                        std::string(list_id));
    }
    packed.replace(chunk * kChunkBytes, bytes.size(), bytes);
  }
  CITYID_ASSIGN_OR_RETURN(
      StatusArray statuses,
      StatusArray::FromPacked(std::move(packed), meta.size));
  return ListSnapshot{std::string(list_id), *number, meta.version,
                      std::move(statuses)};
}

Result<std::optional<ListChanges>> Revocations::ChangesSince(
    std::string_view list_id, uint64_t since) const {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          store_->Get(MetaKey(list_id)));
  if (!raw || !ListNumber(list_id))
    return NotFound("status list " + std::string(list_id) + " not found");
  CITYID_ASSIGN_OR_RETURN(ListMeta meta, DecodeMeta(*raw));
  if (since == 0 || since >= meta.version ||
      meta.version - since > options_.delta_history) {
    return std::optional<ListChanges>();
  }
  // index -> (status at `since`, status at meta.version)
  std::map<uint32_t, std::pair<uint8_t, uint8_t>> net;
  for (uint64_t v = since + 1; v <= meta.version; ++v) {
    CITYID_ASSIGN_OR_RETURN(std::optional<std::string> change,
                            store_->Get(ChangeKey(list_id, v)));
    if (!change) return std::optional<ListChanges>();  // pruned meanwhile
    if (change->empty() || change->size() % kChangeBytes != 0)
      return Corruption("revocations: bad change record");
    for (size_t at = 0; at < change->size(); at += kChangeBytes) {
      uint32_t index = 0;
      for (size_t i = 0; i < 4; ++i)
        index = (index << 8) | static_cast<uint8_t>((*change)[at + i]);
      const auto old_value = static_cast<uint8_t>((*change)[at + 4]);
      const auto new_value = static_cast<uint8_t>((*change)[at + 5]);
      auto [it, fresh] = net.try_emplace(index, old_value, new_value);
      if (!fresh) it->second.second = new_value;
    }
  }
  ListChanges out{std::string(list_id),
                  *ListNumber(list_id),
                  meta.size,
                  since,
                  meta.version,
                  {},
                  {},
                  {}};
  for (const auto& [index, statuses] : net) {
    if (statuses.first == statuses.second) continue;
    switch (static_cast<EntryStatus>(statuses.second)) {
      case EntryStatus::kValid:
        out.became_valid.push_back(index);
        break;
      case EntryStatus::kRevoked:
        out.became_revoked.push_back(index);
        break;
      case EntryStatus::kSuspended:
        out.became_suspended.push_back(index);
        break;
      default:
        return Corruption("revocations: bad status in a change");
    }
  }
  return std::optional<ListChanges>(std::move(out));
}

Result<std::string> Revocations::Fingerprint() const {
  return store_->Fingerprint();
}

Result<std::string> Revocations::Dump() const {
  std::string out = "position " + std::to_string(store_->position()) + "\n";
  CITYID_RETURN_IF_ERROR(
      store_->Scan("", [&](std::string_view key, std::string_view value) {
        const bool binary = key.rfind("change/", 0) == 0 ||
                            key.find("/c/") != std::string_view::npos;
        out.append(key).append(" ");
        out.append(binary ? HexEncode(value) : std::string(value)).append("\n");
        return true;
      }));
  return out;
}

}  // namespace cityid
