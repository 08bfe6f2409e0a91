// Registry: the projection behind `cityid project registry` (SPEC §4, §10).
// Folds every event into the current residents and cards, by id. It holds no
// PII (events carry none): a resident is its coarse attributes, its card ids
// and an erased flag; a card is its type, dates, stored status and status
// list slot.
//
// Semantics follow the ledger's aggregates (ledger/aggregates.h):
//   - versions are the seq of the last event that changed the aggregate; a
//     resident changes with resident.enrolled/updated/erased only, a card
//     with the card events that name it;
//   - card.replaced revokes the old card and creates the new one;
//   - resident.erased marks the resident erased, clears its attributes (an
//     erased resident keeps only its id and card ids here) and revokes any
//     card of it still not revoked (the ledger revokes them first anyway);
//   - pii.accessed changes nothing;
//   - `expired` is never stored: it is computed at read time from the Clock.
// An event naming an unknown resident or card, or enrolling an existing
// resident, is a history the registry cannot make sense of: Apply returns
// kCorruption and the runner commits nothing of that batch.
//
// Keys: "card/<card_id>" and "resident/<resident_id>", values JSON objects
// with a fixed field order (so the state, and its fingerprint, is a function
// of the history alone).
//
// Threading: Apply() runs on the runner thread; GetCard(), GetResident(),
// Fingerprint() and Dump() may run on any thread and see committed state.
// The Registry does not own the store or the clock; both must outlive it.
#ifndef CITYID_PROJECTIONS_REGISTRY_H_
#define CITYID_PROJECTIONS_REGISTRY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "projections/projection.h"
#include "schemas/card_status.h"
#include "schemas/event.h"

namespace cityid {

// A card as the registry knows it. `status` is as of the read (expired
// computed from the registry's clock); `stored_status` is what the events
// set: kActive, kSuspended or kRevoked.
struct RegistryCard {
  std::string card_id;
  std::string resident_id;
  std::string card_type;
  CardStatus status = CardStatus::kActive;
  CardStatus stored_status = CardStatus::kActive;
  Micros issued_at = 0;
  Micros expires_at = 0;
  std::string status_list;  // list id; the HTTP path is /v1/status-lists/<id>
  uint32_t status_index = 0;
  uint64_t version = 0;
  bool operator==(const RegistryCard&) const = default;
};

struct RegistryResident {
  std::string resident_id;
  Attributes attributes;              // empty once erased
  std::vector<std::string> card_ids;  // in issue order
  bool erased = false;
  uint64_t version = 0;
  bool operator==(const RegistryResident&) const = default;
};

class Registry final : public Projection {
 public:
  static constexpr char kName[] = "registry";

  // `store` holds the registry's state (opened as data_dir/registry);
  // `clock` decides expiry at read time.
  Registry(ProjectionStore* store, const Clock* clock);

  Status Apply(const Event& event, const StoredEvent& stored,
               StateBatch& batch) override;

  // kNotFound for an unknown id; kCorruption/kUnavailable when the store
  // fails or holds an undecodable record.
  Result<RegistryCard> GetCard(const std::string& card_id) const;
  Result<RegistryResident> GetResident(const std::string& resident_id) const;

  // The store's fingerprint (projections/projection.h).
  Result<std::string> Fingerprint() const;
  // Every record, one "key value" line each in key order, and the position
  // first: a human-readable form of what Fingerprint() hashes, for tests
  // and debugging. Contains no PII.
  Result<std::string> Dump() const;

 private:
  ProjectionStore* store_;
  const Clock* clock_;
};

}  // namespace cityid

#endif  // CITYID_PROJECTIONS_REGISTRY_H_
