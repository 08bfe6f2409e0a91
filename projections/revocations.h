// Revocations: the projection behind `cityid project revocations` (SPEC §4,
// §5). It folds the card events into the two-bit revocation status lists
// that verifiers pull: 0 valid, 1 revoked, 2 suspended.
//
// What it tracks:
//   - card id -> its slot (list id, index), from card.issued and the new card
//     of card.replaced (the ledger picks a random free slot, never reused);
//   - per list: its size (RevocationsOptions::list_size when the first card
//     names it; every slot starts valid), its version, the entries, and the
//     recent changes (for deltas).
// Status changes: card.revoked -> 1, card.suspended -> 2, card.reinstated ->
// 0, card.replaced -> the old card's entry 1. resident.erased changes nothing
// itself: the ledger revokes each live card with card.revoked first
// (DecideErase). Issuance and renewal change no entry (a new slot is valid
// already), so they change no version either: a list reveals neither
// issuance order nor issuance times.
//
// Versions: a list is created at version 1 (all valid); every event that
// changes one of its entries makes the next version, which records that
// change. Versions therefore depend on the history alone, never on how the
// runner cut it into batches (crash tests compare fingerprints). The last
// `delta_history` changes of each list are kept; a delta since an older
// version is not available and the full list is served instead.
//
// Refused histories (kCorruption, the runner commits nothing of the batch):
// a card event for an unknown card, a card created twice, a list id that is
// not a decimal number, an index outside the list (status_list.size differs
// from the ledger's), a new card on a slot that is not valid (a reused
// slot), or a revoked card changing status (revocation is final).
//
// Keys (RocksDB default column family of data_dir/revocations):
//   "card/<card_id>"              "<list id>/<index>"
//   "list/<id>/m"                 {"size":N,"version":V}
//   "list/<id>/c/<chunk, 8 hex>"  256 packed bytes: entries chunk*1024 ...
//                                 (absent: all valid), packed as the draft
//   "change/<id>/<version, 16 hex>"  6 bytes per changed entry: index (u32
//                                 BE), old status, new status
// A list's meta and entries share the "list/<id>/" prefix, so one Scan reads
// them in one consistent snapshot.
//
// Threading: Apply() runs on the runner thread; the read calls may run on
// any thread and see committed state. The store must outlive the object.
#ifndef CITYID_PROJECTIONS_REVOCATIONS_H_
#define CITYID_PROJECTIONS_REVOCATIONS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "projections/projection.h"
#include "projections/status_list/status_array.h"
#include "schemas/event.h"

namespace cityid {

// SPEC §5: no list is smaller (herd privacy).
inline constexpr uint32_t kMinStatusListSize = 131072;

struct RevocationsOptions {
  // Entries of each new list: the ledger's status_list.size.
  uint32_t list_size = kMinStatusListSize;
  // Changes kept per list for deltas. Part of the state: changing it makes
  // the fingerprint differ from a replay with the old value.
  uint64_t delta_history = 16384;
};

struct CardSlot {
  std::string list_id;
  uint32_t index = 0;
  bool operator==(const CardSlot&) const = default;
};

// One committed version of one list.
struct ListSnapshot {
  std::string list_id;       // "1"
  uint64_t list_number = 0;  // the same, as a number (the compact list id)
  uint64_t version = 0;
  statuslist::StatusArray statuses;
};

// The net changes of one list from `from_version` to `to_version`: each
// entry whose status differs between the two, by its status at to_version.
// Sorted, disjoint.
struct ListChanges {
  std::string list_id;
  uint64_t list_number = 0;
  uint32_t size = 0;
  uint64_t from_version = 0;
  uint64_t to_version = 0;
  std::vector<uint32_t> became_valid;
  std::vector<uint32_t> became_revoked;
  std::vector<uint32_t> became_suspended;
};

class Revocations final : public Projection {
 public:
  static constexpr char kName[] = "revocations";

  // kInvalidArgument when list_size < kMinStatusListSize or over
  // statuslist::kMaxListEntries, or delta_history is 0.
  static Result<std::unique_ptr<Revocations>> Create(
      ProjectionStore* store, RevocationsOptions options = {});

  Status Apply(const Event& event, const StoredEvent& stored,
               StateBatch& batch) override;

  // The card's slot; kNotFound for an unknown card.
  Result<CardSlot> GetCardSlot(const std::string& card_id) const;
  // Ids of every list, in key order.
  Result<std::vector<std::string>> ListIds() const;
  // The committed version of a list; kNotFound for an unknown list.
  Result<uint64_t> ListVersion(std::string_view list_id) const;
  // The whole list, meta and entries from one snapshot; kNotFound for an
  // unknown list; kCorruption for an undecodable record.
  Result<ListSnapshot> ReadList(std::string_view list_id) const;
  // The net changes since `since`, up to the committed version. nullopt when
  // no delta can say it: since >= the current version (nothing to send but
  // a fresh full list), since == 0, or since is older than the changes kept.
  // kNotFound for an unknown list.
  Result<std::optional<ListChanges>> ChangesSince(std::string_view list_id,
                                                  uint64_t since) const;

  const RevocationsOptions& options() const { return options_; }
  // The store's fingerprint (projections/projection.h).
  Result<std::string> Fingerprint() const;
  // Every record, one "key value" line each (binary values in hex), the
  // position first. Holds card ids: for tests and debugging only.
  Result<std::string> Dump() const;

 private:
  Revocations(ProjectionStore* store, RevocationsOptions options)
      : store_(store), options_(options) {}

  ProjectionStore* store_;
  const RevocationsOptions options_;
};

}  // namespace cityid

#endif  // CITYID_PROJECTIONS_REVOCATIONS_H_
