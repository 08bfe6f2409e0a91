// The Auditor's replay: framing, continuity, decoding, the replayed Merkle
// tree against checkpoints and the stored tree. Residents, cards, vault,
// retention and field checks are in audit_state.cc.
#include <algorithm>
#include <boost/json.hpp>

#include "base/bytes.h"
#include "ledger/audit/internal/audit_internal.h"
#include "schemas/event_codec.h"
#include "schemas/event_json.h"

namespace cityid {
namespace {

std::string Str(uint64_t v) { return std::to_string(v); }

uint32_t Le32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// The frame's problem (schemas/FORMAT.md), or nullopt when length, CRC32C
// and envelope version are sound.
std::optional<std::string> FramingProblem(std::string_view b) {
  if (b.size() < kFrameHeaderSize) return "frame shorter than its header";
  const uint32_t length = Le32(b.data());
  const uint32_t crc = Le32(b.data() + 4);
  const uint16_t version = static_cast<uint16_t>(
      static_cast<uint8_t>(b[8]) | (static_cast<uint8_t>(b[9]) << 8));
  if (length > kMaxEventBodySize) return "body length over the limit";
  if (b.size() != kFrameHeaderSize + length) {
    return "length field says " + Str(length) + " body bytes, frame has " +
           Str(b.size() - kFrameHeaderSize);
  }
  if (Crc32c(b.substr(8)) != crc) return "CRC32C mismatch";
  if (version == 0 || version > kEnvelopeVersion)
    return "unknown envelope version " + Str(version);
  return std::nullopt;
}

std::string CheckpointError(const Status& s) {
  switch (s.code()) {
    case Code::kNotFound:
      return "not signed by any of the given keys";
    case Code::kCorruption:
      return "bad signature";
    default:
      return s.message();
  }
}

}  // namespace

std::string_view AuditCheckStateName(AuditCheck::State state) {
  switch (state) {
    case AuditCheck::State::kPass:
      return "pass";
    case AuditCheck::State::kFail:
      return "fail";
    case AuditCheck::State::kSkipped:
      return "skipped";
  }
  return "?";
}

bool AuditReport::Passed() const {
  return std::none_of(checks.begin(), checks.end(), [](const auto& c) {
    return c.second.state == AuditCheck::State::kFail;
  });
}

void Auditor::State::Fail(const std::string& check, uint64_t seq,
                          std::string detail) {
  AuditCheck& c = report.checks[check];
  c.state = AuditCheck::State::kFail;
  ++c.count;
  if (c.issues.size() < options.max_issues_per_check)
    c.issues.push_back({seq, std::move(detail)});
}

Auditor::Auditor(AuditOptions options) : s_(std::make_unique<State>()) {
  s_->options = std::move(options);
  s_->start = std::chrono::steady_clock::now();
  // Opening a tree over an empty store cannot fail.
  s_->replay = std::move(MerkleTree::Open(&s_->discard)).value();
}

Auditor::~Auditor() = default;

void Auditor::SetCheckpoints(const std::vector<StoredCheckpoint>& history) {
  State& s = *s_;
  s.checkpoints_given = true;
  for (const StoredCheckpoint& stored : history) {
    ++s.report.checkpoints;
    if (s.options.verifiers.empty()) continue;
    Result<Checkpoint> cp =
        OpenCheckpoint(stored.note, s.options.verifiers, s.options.origin);
    if (!cp.ok()) {
      s.Fail(kCheckCheckpoints, 0,
             "checkpoint " + Str(stored.size) + ": " +
                 CheckpointError(cp.status()));
      continue;
    }
    if (cp->size != stored.size) {
      s.Fail(kCheckCheckpoints, 0,
             "checkpoint stored under size " + Str(stored.size) +
                 " signs size " + Str(cp->size));
      continue;
    }
    ++s.report.checkpoints_verified;
    s.planned.push_back({cp->size, *cp, std::nullopt});
  }
  if (s.options.verifiers.empty() && !history.empty()) {
    s.Fail(kCheckCheckpoints, 0,
           Str(history.size()) +
               " checkpoints cannot be verified: no verifier key given");
  }
  std::sort(s.planned.begin(), s.planned.end(),
            [](const auto& a, const auto& b) { return a.size < b.size; });
  if (!s.planned.empty())
    s.report.latest_checkpoint = s.planned.back().checkpoint;
  // The empty tree is compared at once.
  while (s.next_planned < s.planned.size() &&
         s.planned[s.next_planned].size == 0) {
    PlannedCheckpoint& p = s.planned[s.next_planned++];
    p.matches = p.checkpoint.root == MerkleEmptyRoot();
    if (*p.matches) ++s.report.checkpoints_matching;
  }
}

void Auditor::SetStoredTree(const MerkleTree* tree) {
  s_->stored = tree;
  s_->stored_size = tree == nullptr ? 0 : tree->size();
  if (tree != nullptr) s_->report.stored_tree_size = s_->stored_size;
}

void Auditor::SetExport(std::function<void(const boost::json::object&)> sink) {
  s_->export_sink = std::move(sink);
}

void Auditor::ReadFailed(const Status& status, std::optional<uint64_t> seq) {
  const uint64_t at = seq.value_or(s_->expected_seq);
  s_->Fail(kCheckContinuity, at,
           "reading stopped at seq " + Str(at) + ": " + status.ToString());
  // A record claiming a later seq still stands where expected_seq belongs.
  s_->Altered(std::min(at, s_->expected_seq));
}

namespace {

// Continuity of the seqs the source stores events under.
void CheckSeq(Auditor::State& s, uint64_t seq) {
  if (seq > s.expected_seq) {
    s.report.gaps.emplace_back(s.expected_seq, seq - 1);
    s.Fail(kCheckContinuity, s.expected_seq,
           seq - 1 == s.expected_seq
               ? "seq " + Str(s.expected_seq) + " is missing"
               : "seqs " + Str(s.expected_seq) + ".." + Str(seq - 1) +
                     " are missing");
    s.Altered(s.expected_seq);
  } else if (seq < s.expected_seq) {
    s.Fail(
        kCheckContinuity, seq,
        "seq " + Str(seq) + " read again after seq " + Str(s.expected_seq - 1));
    s.Altered(seq);
  }
  s.expected_seq = std::max(s.expected_seq, seq + 1);
}

// Appends the leaf to the replay tree; compares checkpoints of that size and
// the stored leaf hash.
void CheckLeaf(Auditor::State& s, const AuditInput& in) {
  const uint64_t seq = in.seq;
  const MerkleHash leaf = MerkleLeafHash(in.bytes);
  if (Status st = s.replay->AppendLeafHash(leaf); !st.ok()) {
    s.Fail(kCheckMerkle, seq, "replay tree: " + st.ToString());
    return;
  }
  const uint64_t size = s.replay->pending_size();
  while (s.next_planned < s.planned.size() &&
         s.planned[s.next_planned].size == size) {
    PlannedCheckpoint& p = s.planned[s.next_planned++];
    p.matches = p.checkpoint.root == s.replay->PendingRoot();
    if (*p.matches) {
      ++s.report.checkpoints_matching;
    } else {
      s.Fail(kCheckMerkle, 0,
             "checkpoint " + Str(size) +
                 ": its root differs from the root of the replayed log");
    }
  }
  if (s.stored == nullptr || seq == 0 || seq > s.stored_size) return;
  Result<MerkleHash> stored =
      !in.stored_leaf_given ? s.stored->LeafHash(seq - 1)
      : in.stored_leaf      ? Result<MerkleHash>(*in.stored_leaf)
                            : Result<MerkleHash>(NotFound("no stored leaf"));
  if (!stored.ok()) {
    s.Fail(kCheckMerkle, seq,
           "stored leaf " + Str(seq) + ": " + stored.status().ToString());
  } else if (*stored != leaf) {
    s.Fail(kCheckMerkle, seq,
           "event bytes at seq " + Str(seq) +
               " differ from the stored Merkle leaf: altered");
    s.Altered(seq);
  }
}

boost::json::object ErrorLine(uint64_t seq, const std::string& error) {
  return {{"seq", seq}, {"error", error}};
}

}  // namespace

void Auditor::AddEvent(const AuditInput& in) {
  State& s = *s_;
  AuditReport& r = s.report;
  if (r.events == 0) r.first_seq = in.seq;
  ++r.events;
  r.bytes += in.bytes.size();
  r.last_seq = std::max(r.last_seq, in.seq);
  CheckSeq(s, in.seq);
  CheckLeaf(s, in);

  // DecodeEvent checks the frame too; the frame is examined on its own only
  // to say what is wrong (one CRC pass per event, not two).
  Result<Event> event = DecodeEvent(in.bytes);
  if (!event.ok()) {
    if (auto problem = FramingProblem(in.bytes)) {
      s.Fail(kCheckFraming, in.seq, "seq " + Str(in.seq) + ": " + *problem);
      s.Altered(in.seq);
      if (s.export_sink) s.export_sink(ErrorLine(in.seq, *problem));
      return;
    }
    s.Fail(
        kCheckSchema, in.seq,
        "seq " + Str(in.seq) + " does not decode: " + event.status().message());
    if (s.export_sink) s.export_sink(ErrorLine(in.seq, "does not decode"));
    return;
  }
  if (event->seq != in.seq) {
    s.Fail(kCheckContinuity, in.seq,
           "the event stored at seq " + Str(in.seq) + " encodes seq " +
               Str(event->seq));
    s.Altered(in.seq);
  }
  ++r.by_type[std::string(event->type())];
  ++r.by_envelope_version[event->schema_version];
  const boost::json::object json = EventToJson(*event);
  s.CheckFields(*event, json, in);
  s.FoldEvent(*event);
  if (s.export_sink) s.export_sink(json);
}

void Auditor::CheckVault(const VaultContents& vault) {
  s_->vault_checked = true;
  s_->CheckVaultEntries(vault);
}

namespace {

// The stored tree against the log's end, and its consistency proofs between
// the verified checkpoints (at most max_consistency_proofs, evenly spread).
void CheckStoredTree(Auditor::State& s) {
  const uint64_t log_end = s.expected_seq - 1;
  if (s.stored_size > log_end) {
    s.Fail(kCheckMerkle, log_end + 1,
           "the stored tree has " + Str(s.stored_size) +
               " leaves but the log ends at seq " + Str(log_end) +
               ": events were removed");
    s.Altered(log_end + 1);
  } else if (s.stored_size < log_end) {
    s.Fail(kCheckMerkle, s.stored_size + 1,
           "events from seq " + Str(s.stored_size + 1) +
               " have no stored Merkle leaf: written outside the ledger");
    s.Altered(s.stored_size + 1);
  }
  if (s.planned.empty()) return;
  const PlannedCheckpoint& latest = s.planned.back();
  if (latest.size > s.stored_size) return;
  const size_t n = s.planned.size() - 1;
  const size_t step = std::max<size_t>(
      1, n / std::max<size_t>(1, s.options.max_consistency_proofs));
  for (size_t i = 0; i < n; i += step) {
    const PlannedCheckpoint& old = s.planned[i];
    auto proof = s.stored->ConsistencyProof(old.size, latest.size);
    Status ok = proof.ok() ? VerifyConsistency(old.size, latest.size,
                                               old.checkpoint.root,
                                               latest.checkpoint.root, *proof)
                           : proof.status();
    if (ok.ok()) {
      ++s.report.consistency_proofs;
    } else {
      s.Fail(kCheckMerkle, 0,
             "checkpoint " + Str(old.size) + " is not consistent with " +
                 "checkpoint " + Str(latest.size) + ": " + ok.message());
    }
  }
}

// Checkpoints the replay never reached, the latest match, and where the log
// was altered when only checkpoints can tell.
void FinishCheckpoints(Auditor::State& s) {
  AuditReport& r = s.report;
  for (size_t i = s.next_planned; i < s.planned.size(); ++i) {
    s.planned[i].matches = false;
    s.Fail(kCheckMerkle, 0,
           "checkpoint " + Str(s.planned[i].size) +
               " is beyond the log, which has " + Str(r.tree_size) +
               " events: events were removed");
    s.Altered(r.tree_size + 1);
  }
  if (s.planned.empty()) {
    if (s.checkpoints_given && r.events > 0) {
      s.Fail(kCheckCheckpoints, 0, "no verified checkpoint covers the log");
    }
    return;
  }
  r.latest_checkpoint_matches = s.planned.back().matches.value_or(false);
  if (s.planned.back().size < r.tree_size) {
    r.checks[kCheckMerkle].note =
        Str(r.tree_size - s.planned.back().size) +
        " events after the latest checkpoint are not yet covered by one";
  }
  if (s.first_altered) return;
  for (size_t i = 0; i < s.planned.size(); ++i) {
    if (s.planned[i].matches.value_or(false)) continue;
    r.altered_range = {i == 0 ? 0 : s.planned[i - 1].size, s.planned[i].size};
    break;
  }
}

void SetSkipped(AuditReport& r, const char* check, std::string why) {
  AuditCheck& c = r.checks[check];
  if (c.state == AuditCheck::State::kFail) return;
  c.state = AuditCheck::State::kSkipped;
  c.note = std::move(why);
}

}  // namespace

AuditReport Auditor::Finish() {
  State& s = *s_;
  AuditReport& r = s.report;
  r.tree_size = s.replay->pending_size();
  r.root = s.replay->PendingRoot();
  FinishCheckpoints(s);
  if (s.stored != nullptr) CheckStoredTree(s);
  s.CheckRetention();
  r.first_altered_seq = s.first_altered;
  if (r.first_altered_seq) r.altered_range.reset();
  r.residents = s.residents.size();
  r.cards = s.cards.size();
  for (const char* name :
       {kCheckFraming, kCheckContinuity, kCheckSchema, kCheckMerkle,
        kCheckCheckpoints, kCheckPii, kCheckState, kCheckErasure, kCheckVault,
        kCheckRetention}) {
    r.checks[name];  // every check is reported, passed unless failed
  }
  if (!s.checkpoints_given)
    SetSkipped(r, kCheckCheckpoints, "no checkpoint history given");
  if (!s.checkpoints_given && s.stored == nullptr)
    SetSkipped(r, kCheckMerkle, "no checkpoint or stored tree to compare with");
  if (!s.vault_checked) {
    SetSkipped(r, kCheckErasure, "no vault to inspect");
    SetSkipped(r, kCheckVault, "no vault to inspect");
  }
  if (s.options.retention_days <= 0)
    SetSkipped(r, kCheckRetention, "retention.days is 0 (off)");
  r.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - s.start)
          .count();
  return r;
}

}  // namespace cityid
