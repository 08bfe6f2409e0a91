// The Auditor's view of residents and cards (ledger/audit/audit.h): the field
// registry and Kafka headers (pii, schema), references and activity after
// erasure (state), the vault (erasure, vault) and retention.
//
// The retention rule is re-derived here from SPEC §6 as ledger/retention.h
// words it (coverage end; due at coverage end + retention_days), on purpose
// without calling the ledger's code: the audit must not trust it.
#include <algorithm>
#include <boost/json.hpp>

#include "base/bytes.h"
#include "ledger/audit/internal/audit_internal.h"
#include "schemas/field_classes.h"
#include "stream/kafka/kafka_common.h"

namespace cityid {
namespace {

std::string Str(uint64_t v) { return std::to_string(v); }
std::string Seq(uint64_t seq) { return "seq " + Str(seq) + ": "; }

// A vault key is quoted only when it is shaped like a resident id.
std::string Who(std::string_view resident_id) {
  return MatchesShape(FieldShape::kResidentId, resident_id)
             ? "resident " + std::string(resident_id)
             : "a key that is not a resident id";
}

// The header values RecordFor (stream/kafka/kafka_common.h) gives an event; the
// source is deployment-specific and only shape-checked.
std::vector<std::pair<std::string_view, std::string>> ExpectedHeaders(
    const Event& e) {
  return {{kHeaderSpecVersion, "1.0"},
          {kHeaderId, e.event_id},
          {kHeaderType, std::string(e.type())},
          {kHeaderTime, FormatRfc3339(e.occurred_at)},
          {kHeaderContentType, kEventContentType},
          {kHeaderSeq, Str(e.seq)}};
}

}  // namespace

std::optional<IdIndex::Key> IdIndex::Pack(std::string_view id) {
  auto hex = [](std::string_view h, uint64_t* out) {
    *out = 0;
    for (char c : h) {
      const int v = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                           : -1;
      if (v < 0) return false;
      *out = (*out << 4) | static_cast<uint64_t>(v);
    }
    return true;
  };
  Key k;
  if (id.size() == 26 && id.starts_with("r_") && hex(id.substr(2, 16), &k.a) &&
      hex(id.substr(18), &k.b)) {
    k.b |= uint64_t{1} << 40;  // tag: resident id
    return k;
  }
  if (id.size() == 13 && MatchesShape(FieldShape::kDecimal, id)) {
    k.b = std::stoull(std::string(id)) | (uint64_t{2} << 60);  // tag: card
    return k;
  }
  return std::nullopt;
}

std::optional<uint32_t> IdIndex::Find(std::string_view id) const {
  if (std::optional<Key> k = Pack(id)) {
    auto it = packed_.find(*k);
    if (it == packed_.end()) return std::nullopt;
    return it->second;
  }
  auto it = other_.find(std::string(id));
  if (it == other_.end()) return std::nullopt;
  return it->second;
}

bool IdIndex::Insert(std::string_view id, uint32_t value) {
  if (std::optional<Key> k = Pack(id)) return packed_.emplace(*k, value).second;
  return other_.emplace(std::string(id), value).second;
}

void Auditor::State::CheckFields(const Event& event,
                                 const boost::json::object& json,
                                 const AuditInput& in) {
  for (const FieldFinding& f : CheckEventJson(event.type(), json)) {
    Fail(f.pii ? kCheckPii : kCheckSchema, in.seq,
         Seq(in.seq) + "field " + f.path + ": " + f.problem);
  }
  if (in.kafka_key != nullptr && *in.kafka_key != event.resident_id()) {
    Fail(kCheckSchema, in.seq,
         Seq(in.seq) + "the record key is not the event's resident_id");
  }
  if (in.kafka_headers == nullptr) return;
  std::map<std::string_view, std::string_view> seen;
  for (const auto& [name, value] : *in.kafka_headers) {
    if (auto f = CheckKafkaHeader(name, value)) {
      // An unknown header name may itself be data: quote it only if short
      // and code-like.
      const std::string shown =
          MatchesShape(FieldShape::kToken, name) ? name : "(unnamed)";
      Fail(f->pii ? kCheckPii : kCheckSchema, in.seq,
           Seq(in.seq) + "header " + shown + ": " + f->problem);
    }
    seen[name] = value;
  }
  for (const auto& [name, expected] : ExpectedHeaders(event)) {
    auto it = seen.find(name);
    if (it == seen.end()) {
      Fail(kCheckSchema, in.seq,
           Seq(in.seq) + "header " + std::string(name) + " is missing");
    } else if (it->second != expected) {
      Fail(kCheckSchema, in.seq,
           Seq(in.seq) + "header " + std::string(name) +
               " differs from the event");
    }
  }
}

namespace {

// Resolves the resident an event names; records a state finding when the log
// never enrolled it or erased it before.
ResidentTrack* Concerned(Auditor::State& s, const Event& e) {
  const std::string& rid = e.resident_id();
  const std::optional<uint32_t> it = s.resident_index.Find(rid);
  if (!it) {
    s.Fail(kCheckState, e.seq,
           Seq(e.seq) + std::string(e.type()) + " names " + Who(rid) +
               ", which the log never enrolled");
    return nullptr;
  }
  ResidentTrack& r = s.residents[*it];
  if (r.erased_seq != 0) {
    s.Fail(kCheckState, e.seq,
           Seq(e.seq) + std::string(e.type()) + " for resident " + rid +
               " after its erasure at seq " + Str(r.erased_seq));
  }
  return &r;
}

CardTrack* CardOf(Auditor::State& s, const Event& e, const std::string& id) {
  const std::optional<uint32_t> it = s.card_index.Find(id);
  if (!it) {
    s.Fail(kCheckState, e.seq,
           Seq(e.seq) + std::string(e.type()) + " names card " + id +
               ", which the log never issued");
    return nullptr;
  }
  CardTrack& c = s.cards[*it];
  if (s.residents[c.resident].resident_id != e.resident_id()) {
    s.Fail(kCheckState, e.seq,
           Seq(e.seq) + "card " + id + " belongs to another resident");
  }
  return &c;
}

void NewCard(Auditor::State& s, const Event& e, const std::string& id,
             Micros expires_at) {
  const std::optional<uint32_t> owner = s.resident_index.Find(e.resident_id());
  if (!owner) return;  // reported by Concerned
  const auto index = static_cast<uint32_t>(s.cards.size());
  if (!s.card_index.Insert(id, index)) {
    s.Fail(kCheckState, e.seq, Seq(e.seq) + "card " + id + " issued twice");
    return;
  }
  s.residents[*owner].cards.push_back(index);
  s.cards.push_back({*owner, expires_at, 0, false});
}

void Revoke(CardTrack* c, Micros at) {
  if (c == nullptr || c->revoked) return;
  c->revoked = true;
  c->revoked_at = at;
}

void CountAccess(Auditor::State& s, const Event& e, const PiiAccessed& p) {
  if (p.accessor != e.actor) {
    s.Fail(kCheckState, e.seq,
           Seq(e.seq) + "pii.accessed names an accessor other than its actor");
  }
  std::string purpose = p.purpose;
  if (auto why = LooksLikePii(purpose)) purpose = "<redacted: " + *why + ">";
  ++s.report.pii_accessed[{p.accessor, std::move(purpose)}];
}

}  // namespace

void Auditor::State::FoldEvent(const Event& e) {
  if (const auto* p = std::get_if<ResidentEnrolled>(&e.payload)) {
    if (!resident_index.Insert(p->resident_id,
                               static_cast<uint32_t>(residents.size()))) {
      Fail(kCheckState, e.seq,
           Seq(e.seq) + "resident " + p->resident_id + " enrolled twice");
      return;
    }
    residents.push_back({p->resident_id, p->pii_digest, e.occurred_at, 0, {}});
    return;
  }
  ResidentTrack* r = Concerned(*this, e);
  if (r == nullptr) return;
  std::visit(
      [&](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, ResidentUpdated>) {
          if (!p.pii_digest.empty()) r->pii_digest = p.pii_digest;
        } else if constexpr (std::is_same_v<T, CardIssued>) {
          NewCard(*this, e, p.card_id, p.expires_at);
        } else if constexpr (std::is_same_v<T, CardRenewed>) {
          if (CardTrack* c = CardOf(*this, e, p.card_id))
            c->expires_at = p.expires_at;
        } else if constexpr (std::is_same_v<T, CardReplaced>) {
          Revoke(CardOf(*this, e, p.old_card_id), e.recorded_at);
          NewCard(*this, e, p.new_card_id, p.expires_at);
        } else if constexpr (std::is_same_v<T, CardRevoked>) {
          Revoke(CardOf(*this, e, p.card_id), e.recorded_at);
        } else if constexpr (std::is_base_of_v<CardStatusChange, T>) {
          CardOf(*this, e, p.card_id);  // suspension keeps the card live
        } else if constexpr (std::is_same_v<T, ResidentErased>) {
          if (r->erased_seq == 0) {
            r->erased_seq = e.seq;
            r->pii_digest.clear();
            ++report.erased_residents;
          }
        } else if constexpr (std::is_same_v<T, PiiAccessed>) {
          CountAccess(*this, e, p);
        }
      },
      e.payload);
}

void Auditor::State::CheckVaultEntries(const VaultContents& vault) {
  constexpr uint8_t kHasKey = 1, kHasData = 2;
  std::vector<uint8_t> parts(residents.size(), 0);
  Status scanned = vault.ForEachEntry([&](std::string_view rid, VaultPart part,
                                          std::string_view value) {
    const std::string what(VaultPartName(part));
    const std::optional<uint32_t> it = resident_index.Find(rid);
    if (!it) {
      Fail(kCheckVault, 0,
           "the vault holds a " + what + " for " + Who(rid) +
               ", which the log never enrolled");
      return;
    }
    const ResidentTrack& r = residents[*it];
    if (r.erased_seq != 0) {
      Fail(kCheckErasure, r.erased_seq,
           "resident " + r.resident_id + ", erased at seq " +
               Str(r.erased_seq) + ", still has its " + what + " in the vault");
      return;
    }
    if (part == VaultPart::kDataKey) parts[*it] |= kHasKey;
    if (part != VaultPart::kCiphertext) return;
    parts[*it] |= kHasData;
    if (Sha256String(value) != r.pii_digest) {
      Fail(kCheckVault, 0,
           "the vault ciphertext of resident " + r.resident_id +
               " does not hash to its latest pii_digest");
    }
  });
  if (!scanned.ok()) Fail(kCheckErasure, 0, "vault: " + scanned.ToString());
  for (size_t i = 0; i < residents.size(); ++i) {
    if (residents[i].erased_seq != 0 || parts[i] == (kHasKey | kHasData))
      continue;
    Fail(kCheckVault, 0,
         "resident " + residents[i].resident_id + " has no " +
             ((parts[i] & kHasKey) ? "ciphertext" : "data key") +
             " in the vault");
  }
}

namespace {

// When the resident stopped holding a live card (ledger/retention.h).
Micros CoverageEnd(const Auditor::State& s, const ResidentTrack& r) {
  if (r.cards.empty()) return r.enrolled_at;
  Micros live_end = 0, any_end = 0, last_revoked = 0;
  bool any_unrevoked = false;
  for (uint32_t i : r.cards) {
    const CardTrack& c = s.cards[i];
    any_end = std::max(any_end, c.expires_at);
    if (c.revoked) {
      last_revoked = std::max(last_revoked, c.revoked_at);
      continue;
    }
    any_unrevoked = true;
    live_end = std::max(live_end, c.expires_at);
  }
  return any_unrevoked ? live_end : std::min(last_revoked, any_end);
}

}  // namespace

void Auditor::State::CheckRetention() {
  const int days = options.retention_days;
  if (days <= 0) return;
  for (const ResidentTrack& r : residents) {
    if (r.erased_seq != 0) continue;
    const Micros end = CoverageEnd(*this, r);
    const Micros due = end + days * kMicrosPerDay;
    if (options.now < due + options.retention_grace) continue;
    Fail(kCheckRetention, 0,
         "resident " + r.resident_id + ": no live card since " +
             FormatDate(end) + ", due for erasure since " + FormatDate(due));
  }
}

std::string_view VaultPartName(VaultPart part) {
  switch (part) {
    case VaultPart::kDataKey:
      return "data key";
    case VaultPart::kCiphertext:
      return "ciphertext";
    case VaultPart::kBlindIndex:
      return "blind index";
    case VaultPart::kBlindBucket:
      return "blind-index bucket entry";
  }
  return "?";
}

}  // namespace cityid
