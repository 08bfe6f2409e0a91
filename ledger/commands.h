// Commands the ledger accepts and the results it returns (SPEC §2, §3, §10).
//
// A command is a request to change state; the ledger validates it against
// the current aggregates and either appends events or returns an error
// Status (see ledger/ledger.h for which codes). Commands carry PII only in
// EnrollCommand/UpdateResidentCommand.pii, which never leaves the ledger
// except into the encrypted vault.
#ifndef CITYID_LEDGER_COMMANDS_H_
#define CITYID_LEDGER_COMMANDS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "ledger/vault/pii_record.h"
#include "schemas/card_status.h"
#include "schemas/event.h"

namespace cityid {

// Who asked, and the request's protocol-level modifiers.
struct CommandContext {
  std::string actor;            // token id of the caller
  std::string office;           // office of the request, may be empty
  std::string idempotency_key;  // empty: none
  std::string request_hash;     // SHA-256 of method+path+body, for idempotency
  std::optional<uint64_t> if_match;  // expected version of the target aggregate
};

struct EnrollCommand {
  PiiRecord pii;
  Attributes attributes;
  std::vector<std::string> documents;
};

struct UpdateResidentCommand {
  std::string resident_id;
  std::optional<PiiRecord> pii;  // replaces the whole record when present
  std::optional<Attributes> attributes;
};

struct IssueCardCommand {
  std::string resident_id;
  std::string card_type;  // standard | youth | senior
};

enum class CardAction { kRenew, kSuspend, kReinstate, kRevoke };

struct CardActionCommand {
  std::string card_id;
  CardAction action;
  // Required for suspend, reinstate and revoke; ignored for renew.
  std::string reason;
};

struct ReplaceCardCommand {
  std::string card_id;
  std::string reason;  // lost | stolen | damaged | name_change
};

struct EraseResidentCommand {
  std::string resident_id;
  std::string reason;  // request | retention
};

// Decrypts a resident's PII for a caller; appends pii.accessed.
struct ReadResidentCommand {
  std::string resident_id;
  std::string purpose;  // the X-Purpose header, required
};

// Erases (reason "retention") up to `limit` residents that have held no live
// card for LedgerOptions::retention_days as of the ledger's clock (SPEC §6).
// Issued by the ledger's own retention timer (actor "system:retention") and
// by tests; refused with kInvalidArgument while retention is off.
struct RetentionSweepCommand {
  size_t limit = 256;
};

using Command =
    std::variant<EnrollCommand, UpdateResidentCommand, IssueCardCommand,
                 CardActionCommand, ReplaceCardCommand, EraseResidentCommand,
                 ReadResidentCommand, RetentionSweepCommand>;

// A card as the ledger knows it (no PII).
struct CardView {
  std::string card_id;
  std::string resident_id;
  std::string card_type;
  CardStatus status = CardStatus::kActive;  // as of the ledger's clock
  Micros issued_at = 0;
  Micros expires_at = 0;
  std::string status_list;  // list id; the HTTP path is /v1/status-lists/<id>
  uint32_t status_index = 0;
  uint64_t version = 0;
};

// A resident as the ledger knows it; `pii` is set only for ReadResidentCommand.
struct ResidentView {
  std::string resident_id;
  Attributes attributes;
  std::vector<std::string> documents;
  std::vector<std::string> card_ids;
  bool erased = false;
  uint64_t version = 0;
  PiiRecord pii;
};

// What a successful command returns. `seq` is the seq of the last event the
// command appended; `version` that of the aggregate it targeted.
struct CommandResult {
  uint64_t seq = 0;
  uint64_t version = 0;
  std::string resident_id;
  std::optional<CardView> card;  // issue, renew, replace (new card), ...
  std::optional<ResidentView> resident;  // read resident
  bool replayed = false;  // answered from the idempotency store, no new event
  // Retention sweep: the residents it erased (seq = 0 when none). Never
  // stored in an idempotency record.
  std::vector<std::string> erased_residents;
};

}  // namespace cityid

#endif  // CITYID_LEDGER_COMMANDS_H_
