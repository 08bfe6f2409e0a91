// Auditor: the replay engine of `cityid audit` (SPEC §7). It is fed every
// event of a ledger's history as read from its RocksDB log or its Kafka topic
// and checks, without trusting the operator:
//
//   framing      length, CRC32C and envelope version of every frame
//   continuity   seqs gap-free from 1; the seq inside each event equals the
//                seq it is stored under (RocksDB key or cityid_seq header)
//   schema       every event decodes (every schema version) and its JSON
//                form obeys the field registry (schemas/field_classes.h):
//                every field classified, every value of its shape
//   merkle       the RFC 9162 tree of the replayed bytes: its root at every
//                checkpoint's size equals that checkpoint's root; the stored
//                leaf hashes (when a stored tree is given) equal the replayed
//                ones; the stored tree's consistency proofs between every
//                earlier checkpoint and the latest verify
//   checkpoints  every stored checkpoint is a well-formed tlog-checkpoint
//                signed by one of the given verifier keys (and origin)
//   pii          no field of class pii and no free text that looks like PII
//                (a calendar date, an e-mail address) in any event or Kafka
//                header; no header outside the registry
//   state        no event names a resident or card the log never created,
//                and nothing happens to a resident after its erasure
//   erasure      no vault entry (data key, ciphertext, blind index) is left
//                for an erased resident                 (with CheckVault)
//   vault        every live resident's vault ciphertext hashes to its latest
//                pii_digest; no entry for a resident never enrolled
//   retention    no resident past retention_days + grace without a live card
//                is left unerased (when retention_days > 0)
// and counts pii.accessed events by actor and purpose.
//
// The first altered seq is the smallest seq whose stored bytes differ from
// what was committed: a stored leaf hash that differs from the replayed one,
// a missing seq, an event stored under another seq, or a frame that fails
// its checksum. Without stored leaves (Kafka) only checkpoints can tell: the
// report then names the range between the last matching checkpoint and the
// first mismatching one.
//
// Findings never quote a value that may be PII: they name the seq, the field
// path and the kind of problem.
//
// Usage, on one thread:
//   Auditor a(options);
//   a.SetCheckpoints(history);  a.SetStoredTree(tree);     // optional
//   for (each event in read order) a.AddEvent({seq, bytes});
//   a.CheckVault(vault);                                    // optional
//   AuditReport report = a.Finish();
#ifndef CITYID_LEDGER_AUDIT_AUDIT_H_
#define CITYID_LEDGER_AUDIT_AUDIT_H_

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "ledger/integrity/checkpoint.h"
#include "ledger/integrity/checkpoint_store.h"
#include "ledger/integrity/merkle_tree.h"
#include "ledger/integrity/signed_note.h"

namespace cityid {

struct AuditOptions {
  // Checkpoint verifier keys (rotated keys included). With checkpoints to
  // check and no key, the checkpoints check fails.
  std::vector<NoteVerifier> verifiers;
  std::string origin;      // expected checkpoint origin; empty: any
  int retention_days = 0;  // 0: retention check off
  Micros now = 0;          // reference time of the retention check
  Micros retention_grace = kMicrosPerDay;  // the ledger sweeps periodically
  size_t max_issues_per_check = 20;        // samples kept per check
  size_t max_consistency_proofs = 1000;    // stored-tree proofs checked
};

// One finding. seq 0: not about one event (a checkpoint, a resident).
struct AuditIssue {
  uint64_t seq = 0;
  std::string detail;
};

struct AuditCheck {
  enum class State { kPass, kFail, kSkipped };
  State state = State::kPass;
  std::string note;                // why skipped, or a summary
  uint64_t count = 0;              // findings in total
  std::vector<AuditIssue> issues;  // the first max_issues_per_check
};

std::string_view AuditCheckStateName(AuditCheck::State state);

struct AuditReport {
  std::string source;  // "rocksdb <path>" or "kafka <bootstrap> <topic>"
  uint64_t events = 0;
  uint64_t bytes = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  std::vector<std::pair<uint64_t, uint64_t>> gaps;  // missing [from, to]
  std::map<std::string, uint64_t> by_type;
  std::map<uint32_t, uint64_t> by_envelope_version;

  uint64_t tree_size = 0;  // leaves replayed
  MerkleHash root{};       // replayed root
  std::optional<uint64_t> stored_tree_size;
  std::optional<Checkpoint> latest_checkpoint;  // latest that verified
  bool latest_checkpoint_matches = false;
  uint64_t checkpoints = 0;           // stored checkpoints seen
  uint64_t checkpoints_verified = 0;  // signature and format good
  uint64_t checkpoints_matching = 0;  // root equals the replayed root
  uint64_t consistency_proofs = 0;    // stored-tree proofs that verified
  std::optional<uint64_t> first_altered_seq;
  // Without stored leaves: altered somewhere in (after, up_to].
  std::optional<std::pair<uint64_t, uint64_t>> altered_range;

  uint64_t residents = 0;
  uint64_t erased_residents = 0;
  uint64_t cards = 0;
  // (actor, purpose) -> pii.accessed events. A purpose that looks like PII
  // is replaced by "<redacted: ...>".
  std::map<std::pair<std::string, std::string>, uint64_t> pii_accessed;

  std::map<std::string, AuditCheck> checks;  // by name, see above
  double seconds = 0;

  bool Passed() const;
};

// What the auditor needs from a vault: every entry, by resident.
enum class VaultPart { kDataKey, kCiphertext, kBlindIndex, kBlindBucket };
std::string_view VaultPartName(VaultPart part);

class VaultContents {
 public:
  virtual ~VaultContents() = default;
  // Calls fn for every vault entry (kBlindBucket: once per resident named in
  // a bucket, value empty). Storage errors as Status.
  virtual Status ForEachEntry(
      const std::function<void(std::string_view resident_id, VaultPart part,
                               std::string_view value)>& fn) const = 0;
};

// One event as read, with what the source adds.
struct AuditInput {
  uint64_t seq = 0;        // the RocksDB key, or the cityid_seq header
  std::string_view bytes;  // the stored frame
  // Kafka only: the record key and headers (null: not from Kafka).
  const std::string* kafka_key = nullptr;
  const std::vector<std::pair<std::string, std::string>>* kafka_headers =
      nullptr;
  // The stored leaf hash of this seq, when the source read it alongside
  // (stored_leaf_given; nullopt: none stored). Otherwise the Auditor looks
  // it up in the stored tree.
  bool stored_leaf_given = false;
  std::optional<MerkleHash> stored_leaf = std::nullopt;
};

class Auditor {
 public:
  explicit Auditor(AuditOptions options);
  ~Auditor();
  Auditor(const Auditor&) = delete;
  Auditor& operator=(const Auditor&) = delete;

  // Before the events: the stored checkpoint history, ascending by size.
  // Each note is verified now; an unverifiable one fails `checkpoints` and is
  // not used for the root comparison.
  void SetCheckpoints(const std::vector<StoredCheckpoint>& history);
  // Before the events, optional: the ledger's stored tree (borrowed, must
  // outlive Finish()).
  void SetStoredTree(const MerkleTree* tree);
  // Called with the JSON form of every event that decodes, or with
  // {"seq": N, "error": "..."} for one that does not (--export jsonl).
  void SetExport(std::function<void(const boost::json::object&)> sink);

  void AddEvent(const AuditInput& input);
  // After the events, optional. A storage error is recorded as a failure of
  // the erasure check.
  void CheckVault(const VaultContents& vault);
  // A source error that ended reading early (e.g. Kafka found a gap or a
  // record that does not decode). `seq`: the seq the failure stands at (a
  // bad record's own seq); default: the one after the last event added.
  // The finding names that seq; the first altered seq is at most it.
  void ReadFailed(const Status& status,
                  std::optional<uint64_t> seq = std::nullopt);

  AuditReport Finish();

  struct State;  // internal: ledger/audit/internal/audit_internal.h

 private:
  std::unique_ptr<State> s_;
};

// Text report for a terminal, and the JSON report (--json).
std::string AuditReportText(const AuditReport& report);
boost::json::object AuditReportJson(const AuditReport& report);

}  // namespace cityid

#endif  // CITYID_LEDGER_AUDIT_AUDIT_H_
