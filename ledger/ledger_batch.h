// LedgerBatch: one group commit under construction (ledger_impl.h).
//
// The writer thread creates one per batch, calls Execute() for each queued
// command in order, then Build() to turn everything the successful commands
// staged into ONE rocksdb::WriteBatch: events, aggregate states, vault
// entries, blind index, idempotency records, status slots and meta.
//
// Reads go through an overlay of the aggregates this batch already touched,
// over RocksDB, so later commands in a batch see earlier ones; nothing is
// cached beyond the batch (memory stays flat however many residents exist).
// A command whose decision fails stages nothing.
//
// Threading: writer thread only. Borrows log, vault, slots; outlives none.
#ifndef CITYID_LEDGER_LEDGER_BATCH_H_
#define CITYID_LEDGER_LEDGER_BATCH_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ledger/aggregates.h"
#include "ledger/rocksdb_log.h"
#include "ledger/state_codec.h"
#include "ledger/status_slots.h"
#include "ledger/vault/vault.h"

namespace cityid {

// The part of a command's work that does not depend on the order of
// commands, done before the command reaches the writer (LedgerImpl::Submit,
// on the submitting thread): the writer keeps only the decision against
// current state, the seq, the batch write and the Merkle append.
struct PreparedCommand {
  // Enroll: the new resident's id (random, ids.h); update: the resident's.
  std::string resident_id;
  std::string blind_index;  // Vault::BlindIndex of the command's PII
  SealedPii sealed;         // the PII sealed for resident_id
};

// The prepared work of an enrollment or of an update carrying PII that
// passes validation under `env`; nullopt for any other command, and for one
// that validation refuses (the writer then refuses it in order, with the
// same error, so a refusal's place among the answers does not change).
// A failure to seal (kInternal) also yields nullopt: the writer retries it.
// Thread-safe (Vault is).
std::optional<PreparedCommand> PrepareCommand(const Command& command,
                                              const Vault& vault,
                                              const DecideEnv& env);
// The blind index of `pii` and `pii` sealed for `resident_id`; errors of
// Vault::Seal.
Result<PreparedCommand> PreparePii(const Vault& vault, std::string resident_id,
                                   const PiiRecord& pii);

class LedgerBatch {
 public:
  LedgerBatch(const RocksLog& log, const Vault& vault, StatusSlots& slots,
              DecideEnv env, uint64_t last_seq);

  // Decides `command` against the overlay; on success stages its events and
  // writes and returns its result (replayed from the idempotency store when
  // the same actor+key+hash was seen). Error codes as in ledger/ledger.h.
  // `prepared`: PrepareCommand's work for this command, or null (it is then
  // done here).
  Result<CommandResult> Execute(const Command& command,
                                const CommandContext& ctx,
                                const PreparedCommand* prepared = nullptr);

  bool empty() const { return events_.empty(); }
  // Recomputes the retention index entries (ledger/retention.h) of every
  // resident whose cards or enrollment changed in this batch. Call once,
  // after the last Execute and before Build; a non-OK status (a failed
  // read) means the batch must not be written.
  Status StageRetention();
  // Adds every staged write to `wb` (including the status slot chunks).
  void Build(rocksdb::WriteBatch& wb);

  const std::vector<StoredEvent>& events() const { return events_; }
  uint64_t last_seq() const { return next_seq_ - 1; }
  // Residents whose vault entry this batch wrote or deleted.
  std::vector<std::string> vault_changed() const {
    return {dirty_sealed_.begin(), dirty_sealed_.end()};
  }
  // Vault keys deleted by this batch, to compact once it is durable.
  const std::vector<std::pair<Cf, std::string>>& erased_keys() const {
    return erased_keys_;
  }

 private:
  using Sealed =
      std::pair<std::string, std::string>;  // wrapped key, ciphertext

  Result<CommandResult> Dispatch(const Command& command,
                                 const CommandContext& ctx,
                                 const PreparedCommand* prepared);
  Result<CommandResult> Do(const EnrollCommand& c, const CommandContext& ctx,
                           const PreparedCommand* prepared);
  Result<CommandResult> Do(const UpdateResidentCommand& c,
                           const CommandContext& ctx,
                           const PreparedCommand* prepared);
  Result<CommandResult> Do(const IssueCardCommand& c,
                           const CommandContext& ctx);
  Result<CommandResult> Do(const CardActionCommand& c,
                           const CommandContext& ctx);
  Result<CommandResult> Do(const ReplaceCardCommand& c,
                           const CommandContext& ctx);
  Result<CommandResult> Do(const EraseResidentCommand& c,
                           const CommandContext& ctx);
  Result<CommandResult> Do(const ReadResidentCommand& c,
                           const CommandContext& ctx);
  Result<CommandResult> Do(const RetentionSweepCommand& c,
                           const CommandContext& ctx);
  // Residents whose retention index entry says they are due, with the
  // indexed coverage end; rechecked against the overlay by the sweep.
  Result<std::vector<std::pair<std::string, Micros>>> RetentionCandidates(
      size_t limit);
  // Coverage end of a resident from the overlay (ledger/retention.h);
  // `revoked_at`: when its last card was revoked, if all are.
  Result<Micros> CoverageOf(const ResidentState& r, Micros revoked_at);

  // Overlay reads: null when absent.
  Result<const ResidentState*> Resident(const std::string& id);
  Result<const CardState*> Card(const std::string& id);
  Result<std::vector<CardState>> CardsOf(const ResidentState& r);
  Result<std::optional<std::string>> Blind(const std::string& key);
  Result<std::optional<std::string>> RetentionEntry(const std::string& key);
  Result<std::optional<Sealed>> VaultEntry(const std::string& resident_id);
  Result<std::optional<IdempotencyRecord>> Idempotency(const std::string& key);

  Result<NewCard> FreshCard();
  // Assigns the next seq, encodes, stages and applies the event; returns seq.
  uint64_t Append(Payload payload, const CommandContext& ctx);
  void StageVault(const std::string& resident_id, std::optional<Sealed> sealed);
  void StageBlind(const std::string& key, std::optional<std::string> value);
  Result<std::string> BlindOwner(const std::string& blind_index);
  Status ReplaceBlindIndex(const std::string& resident_id,
                           const std::string& new_index);
  CardView View(const std::string& card_id);

  const RocksLog& log_;
  const Vault& vault_;
  StatusSlots& slots_;
  DecideEnv env_;
  uint64_t next_seq_;

  std::map<std::string, std::optional<ResidentState>> residents_;
  std::map<std::string, std::optional<CardState>> cards_;
  std::map<std::string, std::optional<std::string>> blind_;
  std::map<std::string, std::optional<Sealed>> sealed_;
  std::map<std::string, std::optional<IdempotencyRecord>> idempotency_;
  std::map<std::string, std::optional<std::string>> retention_;
  std::set<std::string> dirty_residents_, dirty_cards_, dirty_blind_,
      dirty_sealed_, dirty_idempotency_, dirty_retention_;
  std::set<std::string> retention_residents_;  // to recompute at the end
  std::vector<StoredEvent> events_;
  std::vector<std::pair<Cf, std::string>> erased_keys_;
};

// vault_blind key prefixes: bucket of blind indexes, blind index by resident.
inline constexpr char kBlindByIndex = 'b';
inline constexpr char kBlindByResident = 'r';

// A blind index never appears as a RocksDB key: the smallest and largest key
// of every table file are recorded in the MANIFEST, which erasure cannot
// rewrite. Indexes live instead in 65536 buckets keyed 'b' + the index's
// first 2 bytes; a bucket value is a run of entries
// [32-byte index][1-byte length][resident id].
std::string BlindBucketKey(std::string_view index);

// True for the events whose fold changes a resident's stored state
// (LedgerBatch::Append; restore rebuilds the same records).
bool ChangesResident(const Payload& p);
// The resident holding `index` in `bucket`, or "".
std::string BucketFind(std::string_view bucket, std::string_view index);
// `bucket` with (index -> resident_id) added / with `index` removed.
std::string BucketWith(std::string_view bucket, std::string_view index,
                       std::string_view resident_id);
std::string BucketWithout(std::string_view bucket, std::string_view index);

// The idempotency column family key: actor '\0' key.
std::string IdempotencyKey(const CommandContext& ctx);

}  // namespace cityid

#endif  // CITYID_LEDGER_LEDGER_BATCH_H_
