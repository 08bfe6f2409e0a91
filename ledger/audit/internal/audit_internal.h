// Internal state of the Auditor (ledger/audit/audit.h), shared by audit.cc
// (replay, framing, Merkle, checkpoints) and audit_state.cc (residents, cards,
// vault, retention, PII). Not part of the public API.
#ifndef CITYID_LEDGER_AUDIT_INTERNAL_AUDIT_INTERNAL_H_
#define CITYID_LEDGER_AUDIT_INTERNAL_AUDIT_INTERNAL_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ledger/audit/audit.h"
#include "ledger/integrity/merkle_store.h"
#include "schemas/event.h"

namespace cityid {

// Check names, as they appear in reports.
inline constexpr char kCheckFraming[] = "framing";
inline constexpr char kCheckContinuity[] = "continuity";
inline constexpr char kCheckSchema[] = "schema";
inline constexpr char kCheckMerkle[] = "merkle";
inline constexpr char kCheckCheckpoints[] = "checkpoints";
inline constexpr char kCheckPii[] = "pii";
inline constexpr char kCheckState[] = "state";
inline constexpr char kCheckErasure[] = "erasure";
inline constexpr char kCheckVault[] = "vault";
inline constexpr char kCheckRetention[] = "retention";

// A node store that keeps nothing: the replay tree needs only its in-memory
// right edge (MerkleTree::PendingRoot), never a stored node.
class DiscardingMerkleStore final : public MerkleNodeStore {
 public:
  Result<MerkleHash> Get(uint32_t, uint64_t) const override {
    return NotFound("discarded");
  }
  Status Put(uint32_t, uint64_t, const MerkleHash&) override {
    return Status::Ok();
  }
  Result<uint64_t> GetSize() const override { return uint64_t{0}; }
  Status PutSize(uint64_t) override { return Status::Ok(); }
};

// Index of resident or card ids. Ids of the usual shapes (r_ + 24 hex; 13
// digits) are packed into 16 bytes, so a million-event audit keeps no heap
// string per entry; any other id (already a schema finding) keeps its text.
class IdIndex {
 public:
  std::optional<uint32_t> Find(std::string_view id) const;
  // False (and no change) when the id is present.
  bool Insert(std::string_view id, uint32_t value);

 private:
  struct Key {
    uint64_t a = 0, b = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return static_cast<size_t>(k.a * 0x9E3779B97F4A7C15ull ^ k.b);
    }
  };
  static std::optional<Key> Pack(std::string_view id);

  std::unordered_map<Key, uint32_t, KeyHash> packed_;
  std::unordered_map<std::string, uint32_t> other_;
};

struct PlannedCheckpoint {
  uint64_t size = 0;
  Checkpoint checkpoint;
  std::optional<bool> matches;  // set once the replay reaches its size
};

struct ResidentTrack {
  std::string resident_id;
  std::string pii_digest;  // latest, raw; empty once erased
  Micros enrolled_at = 0;
  uint64_t erased_seq = 0;  // 0: not erased
  std::vector<uint32_t> cards;
};

struct CardTrack {
  uint32_t resident = 0;  // index into residents
  Micros expires_at = 0;
  Micros revoked_at = 0;
  bool revoked = false;
};

struct Auditor::State {
  AuditOptions options;
  AuditReport report;
  std::chrono::steady_clock::time_point start;

  // Continuity and alteration.
  uint64_t expected_seq = 1;
  std::optional<uint64_t> first_altered;

  // Merkle: the replay tree and the checkpoints it is compared with.
  DiscardingMerkleStore discard;
  std::unique_ptr<MerkleTree> replay;
  bool checkpoints_given = false;
  std::vector<PlannedCheckpoint> planned;  // verified, ascending size
  size_t next_planned = 0;
  const MerkleTree* stored = nullptr;
  uint64_t stored_size = 0;
  std::function<void(const boost::json::object&)> export_sink;

  // Residents and cards, for state, erasure, vault and retention.
  IdIndex resident_index;
  std::vector<ResidentTrack> residents;
  IdIndex card_index;
  std::vector<CardTrack> cards;
  bool vault_checked = false;

  // Records a finding of `check` (and fails it).
  void Fail(const std::string& check, uint64_t seq, std::string detail);
  void Altered(uint64_t seq) {
    if (!first_altered || seq < *first_altered) first_altered = seq;
  }

  // audit_state.cc
  void FoldEvent(const Event& event);
  void CheckFields(const Event& event, const boost::json::object& json,
                   const AuditInput& input);
  void CheckVaultEntries(const VaultContents& vault);
  void CheckRetention();
};

}  // namespace cityid

#endif  // CITYID_LEDGER_AUDIT_INTERNAL_AUDIT_INTERNAL_H_
