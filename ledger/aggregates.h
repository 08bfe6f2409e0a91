// Resident and Card aggregates as explicit state machines (SPEC §2, §10).
//
// Each Decide* function is pure: it checks one command against the current
// state of the aggregates it touches and returns the event payload(s) to
// append, or the error Status to answer (codes as in ledger/ledger.h). It
// reads no clock, no randomness and no storage: the caller passes `now`, the
// fresh ids and status slot, and what it looked up (e.g. the blind-index
// match). The Apply* functions fold an appended event into state.
//
// Card lifecycle (stored status; `expired` is computed from the clock):
//
//   issued ──> active ──suspend──> suspended ──reinstate──> active
//                │  ╲                  │
//                │   ╲ (now >= expires_at: reads as expired; renewable
//                │    ╲  until expires_at + grace_days)
//                └──revoke / replace / erase──> revoked (final)
//
// Versions: an aggregate's version is the seq of the last event that changed
// it. A resident changes with resident.enrolled/updated/erased only (issuing
// a card adds to its card list but is a change of the card aggregate);
// pii.accessed changes nothing.
//
// Thread-compatible: plain values and free functions.
#ifndef CITYID_LEDGER_AGGREGATES_H_
#define CITYID_LEDGER_AGGREGATES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/commands.h"
#include "ledger/ledger.h"
#include "schemas/event.h"
#include "schemas/policy.h"

namespace cityid {

// State of one resident as stored in the residents column family. No PII:
// the PII lives in the vault, committed to by pii_digest.
struct ResidentState {
  std::string resident_id;
  std::string pii_digest;  // 32 raw bytes; empty once erased
  Attributes attributes;
  std::vector<std::string> documents;
  std::vector<std::string> card_ids;  // in issue order
  bool erased = false;
  Micros enrolled_at = 0;
  uint64_t version = 0;
  bool operator==(const ResidentState&) const = default;
};

// State of one card as stored in the cards column family. `status` is one of
// kActive, kSuspended, kRevoked; kExpired is only ever computed.
struct CardState {
  std::string card_id;
  std::string resident_id;
  std::string card_type;
  CardStatus status = CardStatus::kActive;
  Micros issued_at = 0;
  Micros expires_at = 0;
  std::string status_list;
  uint32_t status_index = 0;
  std::string reason;  // reason of the last status change, if any
  uint64_t version = 0;
  bool operator==(const CardState&) const = default;
};

// Everything a decision needs besides the aggregates.
struct DecideEnv {
  Micros now = 0;
  CardPolicy cards;
  std::vector<std::string> pii_fields;
  int retention_days = 0;  // LedgerOptions::retention_days; 0: off
  ProgrammePolicy policy;  // LedgerOptions::policy (SPEC §11)
};

// The fresh identity of a card about to be issued (from ids.h and
// status_slots.h), chosen by the caller before the decision.
struct NewCard {
  std::string card_id;
  std::string status_list;
  uint32_t status_index = 0;
};

// Status as of `now`: a stored kActive past expires_at reads kExpired.
CardStatus EffectiveStatus(const CardState& card, Micros now);
// True when the card keeps its resident from getting another one: active or
// suspended, and not past its expiry.
bool HoldsResident(const CardState& card, Micros now);
// Validity in days of a card type, or nullopt for an unknown type.
std::optional<int> ValidityDays(const CardPolicy& policy,
                                std::string_view card_type);

CardView ToCardView(const CardState& card, Micros now);
ResidentView ToResidentView(const ResidentState& resident);

// Field validation. Messages never echo the offending PII value.
Status ValidatePii(const PiiRecord& pii, const DecideEnv& env);
// The attributes trimmed, or kInvalidArgument: empty, longer than 64 bytes,
// malformed, or outside a closed domain of `policy` (the message names the
// allowed values; schemas/policy.h).
Result<Attributes> ValidateAttributes(const Attributes& attributes,
                                      const ProgrammePolicy& policy);
Status ValidateDocuments(const std::vector<std::string>& documents);
// A reason code: 1-32 chars of [a-z_], starting with a letter.
Status ValidateReason(std::string_view reason);
Status ValidateEnroll(const EnrollCommand& cmd, const DecideEnv& env);

// `duplicate_of`: the resident already holding this blind index, or empty.
Result<ResidentEnrolled> DecideEnroll(const EnrollCommand& cmd,
                                      const DecideEnv& env,
                                      std::string_view duplicate_of,
                                      std::string resident_id,
                                      std::string pii_digest);

// `resident` is null when unknown. `duplicate_of` as for enroll (another
// resident holding the new PII's blind index); `new_pii_digest` empty when
// cmd.pii is absent.
Result<ResidentUpdated> DecideUpdate(const ResidentState* resident,
                                     const UpdateResidentCommand& cmd,
                                     std::optional<uint64_t> if_match,
                                     const DecideEnv& env,
                                     std::string_view duplicate_of,
                                     std::string new_pii_digest);

// `cards`: every card of the resident. If-Match applies to the resident.
Result<CardIssued> DecideIssue(const ResidentState* resident,
                               const std::vector<CardState>& cards,
                               const IssueCardCommand& cmd,
                               std::optional<uint64_t> if_match,
                               const DecideEnv& env, const NewCard& fresh);

// Renew, suspend, reinstate or revoke. `siblings`: the resident's other cards
// (a renewal must not give the resident a second active card).
Result<Payload> DecideCardAction(const CardState* card,
                                 const std::vector<CardState>& siblings,
                                 const CardActionCommand& cmd,
                                 std::optional<uint64_t> if_match,
                                 const DecideEnv& env);

// The old card must be active: not expired (renew it), not revoked, and not
// suspended (a replacement must not lift a suspension).
Result<CardReplaced> DecideReplace(const CardState* card,
                                   const ResidentState* resident,
                                   const ReplaceCardCommand& cmd,
                                   std::optional<uint64_t> if_match,
                                   const DecideEnv& env, const NewCard& fresh);

// card.revoked (reason "erased") for each non-revoked card, then
// resident.erased.
Result<std::vector<Payload>> DecideErase(const ResidentState* resident,
                                         const std::vector<CardState>& cards,
                                         const EraseResidentCommand& cmd,
                                         std::optional<uint64_t> if_match);

Result<PiiAccessed> DecideRead(const ResidentState* resident,
                               const ReadResidentCommand& cmd,
                               std::string_view actor);

// Folds `event` into a resident. Ignores events that do not concern it.
void ApplyToResident(ResidentState& resident, const Event& event);
// Folds `event` into the card `card.card_id` (set card_id on a default state
// before applying the event that creates it). Ignores other cards' events.
void ApplyToCard(CardState& card, const Event& event);
// Card ids an event changes (card.replaced: old and new).
std::vector<std::string> CardsChangedBy(const Payload& payload);

}  // namespace cityid

#endif  // CITYID_LEDGER_AGGREGATES_H_
