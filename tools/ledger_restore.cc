#include "tools/ledger_restore.h"

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "ledger/aggregates.h"
#include "ledger/integrity/merkle_log_extension.h"
#include "ledger/ledger_batch.h"
#include "ledger/rocksdb_log.h"
#include "ledger/state_codec.h"
#include "schemas/event_codec.h"
#include "stream/kafka/kafka_reader.h"

namespace cityid {
namespace {

constexpr uint32_t kSlotsPerChunk = 512;  // 64-byte chunks (ledger/FORMAT.md)

std::string Be32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(v >> (24 - 8 * i));
  return out;
}

// Folds events into the column families, one synced WriteBatch per flush.
// States are cached only until the next flush; misses read the DB.
class Restorer {
 public:
  Restorer(RocksLog& log, uint32_t list_size)
      : log_(log), list_size_(list_size) {}

  Status Add(StoredEvent&& stored) {
    if (stored.seq != last_seq_ + 1) {
      return Corruption("events topic skips from seq " +
                        std::to_string(last_seq_) + " to " +
                        std::to_string(stored.seq));
    }
    CITYID_ASSIGN_OR_RETURN(Event e, DecodeEvent(stored.bytes));
    if (e.seq != stored.seq) {
      return Corruption("record of seq " + std::to_string(stored.seq) +
                        " holds an event with seq " + std::to_string(e.seq));
    }
    CITYID_RETURN_IF_ERROR(Fold(e));
    last_seq_ = stored.seq;
    events_.push_back(std::move(stored));
    return Status::Ok();
  }

  size_t pending() const { return events_.size(); }
  uint64_t last_seq() const { return last_seq_; }
  uint64_t residents() const { return residents_seen_.size(); }
  uint64_t cards() const { return cards_seen_.size(); }

  Status Flush() {
    rocksdb::WriteBatch wb;
    auto put = [&](Cf cf, const std::string& k, const std::string& v) {
      wb.Put(log_.handle(cf), k, v).PermitUncheckedError();
    };
    for (const StoredEvent& e : events_)
      put(Cf::kEvents, BigEndian64(e.seq), e.bytes);
    for (const auto& [id, r] : residents_)
      put(Cf::kResidents, id, EncodeResidentState(r));
    for (const auto& [id, c] : cards_) put(Cf::kCards, id, EncodeCardState(c));
    for (const auto& [list, chunk] : dirty_chunks_)
      put(Cf::kStatusSlots, Be32(list) + Be32(chunk), ChunkBytes(list, chunk));
    put(Cf::kMeta, "last_seq", BigEndian64(last_seq_));
    CITYID_RETURN_IF_ERROR(log_.Write(wb));
    events_.clear();
    residents_.clear();
    cards_.clear();
    dirty_chunks_.clear();
    return Status::Ok();
  }

 private:
  Status Fold(const Event& e) {
    if (ChangesResident(e.payload)) {
      CITYID_ASSIGN_OR_RETURN(ResidentState * r, Resident(e.resident_id()));
      ApplyToResident(*r, e);
    }
    for (const std::string& id : CardsChangedBy(e.payload)) {
      CITYID_ASSIGN_OR_RETURN(CardState * c, Card(id));
      ApplyToCard(*c, e);
    }
    if (const auto* issued = std::get_if<CardIssued>(&e.payload))
      return TakeSlot(issued->status_list, issued->status_index, e.seq);
    if (const auto* replaced = std::get_if<CardReplaced>(&e.payload))
      return TakeSlot(replaced->status_list, replaced->status_index, e.seq);
    return Status::Ok();
  }

  Result<ResidentState*> Resident(const std::string& id) {
    residents_seen_.insert(id);
    auto it = residents_.find(id);
    if (it != residents_.end()) return &it->second;
    ResidentState state;
    CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                            log_.Get(Cf::kResidents, id));
    if (raw) {
      CITYID_ASSIGN_OR_RETURN(state, DecodeResidentState(*raw));
    }
    return &residents_.emplace(id, std::move(state)).first->second;
  }

  Result<CardState*> Card(const std::string& id) {
    cards_seen_.insert(id);
    auto it = cards_.find(id);
    if (it != cards_.end()) return &it->second;
    CardState state;
    state.card_id = id;
    CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                            log_.Get(Cf::kCards, id));
    if (raw) {
      CITYID_ASSIGN_OR_RETURN(state, DecodeCardState(*raw));
    }
    return &cards_.emplace(id, std::move(state)).first->second;
  }

  Status TakeSlot(const std::string& list_id, uint32_t index, uint64_t seq) {
    uint32_t list = 0;
    try {
      list = static_cast<uint32_t>(std::stoul(list_id));
    } catch (const std::exception&) {
    }
    if (list == 0 || list > 1'000'000 || index >= list_size_) {
      return Corruption("seq " + std::to_string(seq) + " takes status slot " +
                        list_id + "/" + std::to_string(index) +
                        ", outside lists of " + std::to_string(list_size_) +
                        " (status_list.size differs from the ledger's?)");
    }
    std::vector<uint64_t>& words = slots_[list];
    if (words.empty()) words.assign((list_size_ + 63) / 64, 0);
    words[index / 64] |= uint64_t{1} << (index % 64);
    dirty_chunks_.emplace(list, index / kSlotsPerChunk);
    return Status::Ok();
  }

  // 64 bytes: eight little-endian u64 words of the list's bitmap.
  std::string ChunkBytes(uint32_t list, uint32_t chunk) const {
    const std::vector<uint64_t>& words = slots_.at(list);
    std::string value(kSlotsPerChunk / 8, '\0');
    for (uint32_t w = 0; w < kSlotsPerChunk / 64; ++w) {
      const size_t at = chunk * (kSlotsPerChunk / 64) + w;
      const uint64_t v = at < words.size() ? words[at] : 0;
      for (int b = 0; b < 8; ++b)
        value[w * 8 + b] = static_cast<char>(v >> (8 * b));
    }
    return value;
  }

  RocksLog& log_;
  const uint32_t list_size_;
  uint64_t last_seq_ = 0;
  std::vector<StoredEvent> events_;
  std::map<std::string, ResidentState> residents_;
  std::map<std::string, CardState> cards_;
  std::set<std::string> residents_seen_, cards_seen_;
  std::map<uint32_t, std::vector<uint64_t>> slots_;  // list -> bitmap
  std::set<std::pair<uint32_t, uint32_t>> dirty_chunks_;
};

Result<std::unique_ptr<RocksLog>> OpenEmptyLog(
    const std::string& data_dir, uint32_t list_size,
    const std::vector<std::string>& extra_cfs) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(data_dir) / "ledger";
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return Conflict(dir.string() +
                    " already holds a ledger; restore only writes into an "
                    "empty directory");
  }
  fs::create_directories(dir, ec);
  if (ec)
    return Unavailable("cannot create " + dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<RocksLog> log,
                          RocksLog::Open(dir.string(), extra_cfs));
  rocksdb::WriteBatch wb;
  wb.Put(log->handle(Cf::kMeta), "status_list_size", BigEndian64(list_size))
      .PermitUncheckedError();
  CITYID_RETURN_IF_ERROR(log->Write(wb));
  return log;
}

// The Merkle tree (SPEC §7) is derived from the events as well: built here,
// the way the ledger builds it for a log that lacks it, so that the restored
// ledger and `cityid audit` find it complete.
Status BuildMerkleTree(RocksLog& log, MerkleLogExtension& merkle,
                       uint64_t last_seq) {
  merkle.SetEventReader([&log](uint64_t after, size_t limit) {
    return log.ReadEvents(after, limit);
  });
  Status s = merkle.OnOpen(log.db(), log.ExtraHandles(), last_seq);
  if (s.ok()) merkle.OnClose();
  return s;
}

}  // namespace

Result<RestoreReport> RestoreLedgerFromKafka(const RestoreOptions& options) {
  if (options.status_list_size == 0 || options.batch_events == 0)
    return InvalidArgument("status_list_size and batch_events must be > 0");
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<KafkaEventReader> reader,
                          KafkaEventReader::Open(options.kafka));
  // Fails early (topic missing, cluster down) before any file is created.
  CITYID_RETURN_IF_ERROR(reader->LastCommittedSeq().status());
  MerkleLogExtension merkle;
  CITYID_ASSIGN_OR_RETURN(
      std::unique_ptr<RocksLog> log,
      OpenEmptyLog(options.data_dir, options.status_list_size,
                   merkle.ColumnFamilies()));
  Restorer restorer(*log, options.status_list_size);
  Status read = reader->ReadAfter(0, [&](KafkaRecord&& rec) -> Status {
    CITYID_RETURN_IF_ERROR(restorer.Add(std::move(rec.event)));
    if (restorer.pending() < options.batch_events) return Status::Ok();
    CITYID_RETURN_IF_ERROR(restorer.Flush());
    if (options.progress) options.progress(restorer.last_seq());
    return Status::Ok();
  });
  CITYID_RETURN_IF_ERROR(read);
  CITYID_RETURN_IF_ERROR(restorer.Flush());
  if (options.progress) options.progress(restorer.last_seq());
  CITYID_RETURN_IF_ERROR(BuildMerkleTree(*log, merkle, restorer.last_seq()));
  return RestoreReport{restorer.last_seq(), restorer.residents(),
                       restorer.cards()};
}

}  // namespace cityid
