// LedgerBatch::Do: one function per command (ledger/ledger_batch.h). Each
// looks up what its decision needs, decides (aggregates.h), and only then
// stages events and writes, so a refused command stages nothing.
#include "ledger/ids.h"
#include "ledger/ledger_batch.h"

namespace cityid {
namespace {

CommandResult ResultFor(uint64_t seq, uint64_t version,
                        std::string resident_id) {
  CommandResult r;
  r.seq = seq;
  r.version = version;
  r.resident_id = std::move(resident_id);
  return r;
}

}  // namespace

Result<CommandResult> LedgerBatch::Do(const EnrollCommand& c,
                                      const CommandContext& ctx,
                                      const PreparedCommand* prepared) {
  CITYID_RETURN_IF_ERROR(ValidateEnroll(c, env_));
  std::optional<PreparedCommand> here;
  if (prepared == nullptr) {
    CITYID_ASSIGN_OR_RETURN(here, PreparePii(vault_, NewResidentId(), c.pii));
    prepared = &*here;
  }
  CITYID_ASSIGN_OR_RETURN(std::string owner, BlindOwner(prepared->blind_index));
  if (!owner.empty()) return Conflict("already enrolled as resident " + owner);
  const std::string& rid = prepared->resident_id;
  CITYID_ASSIGN_OR_RETURN(
      ResidentEnrolled e,
      DecideEnroll(c, env_, owner, rid, prepared->sealed.digest));
  CITYID_RETURN_IF_ERROR(ReplaceBlindIndex(rid, prepared->blind_index));
  StageVault(rid,
             Sealed{prepared->sealed.wrapped_key, prepared->sealed.ciphertext});
  uint64_t seq = Append(std::move(e), ctx);
  return ResultFor(seq, seq, rid);
}

Result<CommandResult> LedgerBatch::Do(const UpdateResidentCommand& c,
                                      const CommandContext& ctx,
                                      const PreparedCommand* prepared) {
  CITYID_ASSIGN_OR_RETURN(const ResidentState* r, Resident(c.resident_id));
  // First without the vault work, so a refused update stages nothing.
  CITYID_RETURN_IF_ERROR(
      DecideUpdate(r, c, ctx.if_match, env_, "", "").status());
  std::string owner;
  std::optional<PreparedCommand> here;
  if (c.pii) {
    if (prepared == nullptr || prepared->resident_id != r->resident_id) {
      CITYID_ASSIGN_OR_RETURN(here, PreparePii(vault_, r->resident_id, *c.pii));
      prepared = &*here;
    }
    CITYID_ASSIGN_OR_RETURN(owner, BlindOwner(prepared->blind_index));
  } else {
    prepared = nullptr;
  }
  CITYID_ASSIGN_OR_RETURN(
      ResidentUpdated e,
      DecideUpdate(r, c, ctx.if_match, env_, owner,
                   prepared != nullptr ? prepared->sealed.digest : ""));
  std::string rid = r->resident_id;
  if (prepared != nullptr) {
    CITYID_RETURN_IF_ERROR(ReplaceBlindIndex(rid, prepared->blind_index));
    StageVault(
        rid, Sealed{prepared->sealed.wrapped_key, prepared->sealed.ciphertext});
  }
  uint64_t seq = Append(std::move(e), ctx);
  return ResultFor(seq, seq, rid);
}

Result<CommandResult> LedgerBatch::Do(const IssueCardCommand& c,
                                      const CommandContext& ctx) {
  CITYID_ASSIGN_OR_RETURN(const ResidentState* r, Resident(c.resident_id));
  std::vector<CardState> cards;
  if (r != nullptr) {
    CITYID_ASSIGN_OR_RETURN(cards, CardsOf(*r));
  }
  CITYID_RETURN_IF_ERROR(
      DecideIssue(r, cards, c, ctx.if_match, env_, NewCard{}).status());
  CITYID_ASSIGN_OR_RETURN(NewCard fresh, FreshCard());
  Result<CardIssued> e = DecideIssue(r, cards, c, ctx.if_match, env_, fresh);
  if (!e.ok()) {
    slots_.Release({static_cast<uint32_t>(std::stoul(fresh.status_list)),
                    fresh.status_index});
    return e.status();
  }
  std::string rid = r->resident_id;
  uint64_t seq = Append(std::move(e).value(), ctx);
  CommandResult result = ResultFor(seq, seq, rid);
  result.card = View(fresh.card_id);
  return result;
}

Result<CommandResult> LedgerBatch::Do(const CardActionCommand& c,
                                      const CommandContext& ctx) {
  CITYID_ASSIGN_OR_RETURN(const CardState* card, Card(c.card_id));
  std::vector<CardState> siblings;
  if (card != nullptr && c.action == CardAction::kRenew) {
    CITYID_ASSIGN_OR_RETURN(const ResidentState* r,
                            Resident(card->resident_id));
    if (r != nullptr) {
      CITYID_ASSIGN_OR_RETURN(siblings, CardsOf(*r));
    }
  }
  CITYID_ASSIGN_OR_RETURN(
      Payload e, DecideCardAction(card, siblings, c, ctx.if_match, env_));
  std::string rid = card->resident_id;
  uint64_t seq = Append(std::move(e), ctx);
  CommandResult result = ResultFor(seq, seq, rid);
  result.card = View(c.card_id);
  return result;
}

Result<CommandResult> LedgerBatch::Do(const ReplaceCardCommand& c,
                                      const CommandContext& ctx) {
  CITYID_ASSIGN_OR_RETURN(const CardState* card, Card(c.card_id));
  const ResidentState* r = nullptr;
  if (card != nullptr) {
    CITYID_ASSIGN_OR_RETURN(r, Resident(card->resident_id));
  }
  CITYID_RETURN_IF_ERROR(
      DecideReplace(card, r, c, ctx.if_match, env_, NewCard{}).status());
  CITYID_ASSIGN_OR_RETURN(NewCard fresh, FreshCard());
  Result<CardReplaced> e = DecideReplace(card, r, c, ctx.if_match, env_, fresh);
  if (!e.ok()) {
    slots_.Release({static_cast<uint32_t>(std::stoul(fresh.status_list)),
                    fresh.status_index});
    return e.status();
  }
  std::string rid = card->resident_id;
  uint64_t seq = Append(std::move(e).value(), ctx);
  CommandResult result = ResultFor(seq, seq, rid);
  result.card = View(fresh.card_id);
  return result;
}

Result<CommandResult> LedgerBatch::Do(const EraseResidentCommand& c,
                                      const CommandContext& ctx) {
  CITYID_ASSIGN_OR_RETURN(const ResidentState* r, Resident(c.resident_id));
  std::vector<CardState> cards;
  if (r != nullptr) {
    CITYID_ASSIGN_OR_RETURN(cards, CardsOf(*r));
  }
  CITYID_ASSIGN_OR_RETURN(std::vector<Payload> events,
                          DecideErase(r, cards, c, ctx.if_match));
  std::string rid = r->resident_id;
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> blind,
                          Blind(kBlindByResident + rid));
  CITYID_RETURN_IF_ERROR(ReplaceBlindIndex(rid, ""));
  StageVault(rid, std::nullopt);
  erased_keys_.emplace_back(Cf::kVaultKeys, rid);
  erased_keys_.emplace_back(Cf::kVaultData, rid);
  erased_keys_.emplace_back(Cf::kVaultBlind, kBlindByResident + rid);
  if (blind) erased_keys_.emplace_back(Cf::kVaultBlind, BlindBucketKey(*blind));
  uint64_t seq = 0;
  for (Payload& p : events) seq = Append(std::move(p), ctx);
  return ResultFor(seq, seq, rid);
}

Result<CommandResult> LedgerBatch::Do(const ReadResidentCommand& c,
                                      const CommandContext& ctx) {
  CITYID_ASSIGN_OR_RETURN(const ResidentState* r, Resident(c.resident_id));
  CITYID_ASSIGN_OR_RETURN(PiiAccessed e, DecideRead(r, c, ctx.actor));
  CITYID_ASSIGN_OR_RETURN(std::optional<Sealed> entry,
                          VaultEntry(r->resident_id));
  if (!entry)
    return Internal("resident " + r->resident_id + " has no vault entry");
  CITYID_ASSIGN_OR_RETURN(
      PiiRecord pii,
      vault_.Unseal(r->resident_id, entry->first, entry->second));
  ResidentView view = ToResidentView(*r);
  view.pii = std::move(pii);
  uint64_t seq = Append(std::move(e), ctx);
  CommandResult result = ResultFor(seq, view.version, view.resident_id);
  result.resident = std::move(view);
  return result;
}

}  // namespace cityid
