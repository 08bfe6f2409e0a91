#include "ledger/aggregates.h"

#include <algorithm>
#include <type_traits>

namespace cityid {
namespace {

constexpr std::string_view kReplaceReasons[] = {"lost", "stolen", "damaged",
                                                "name_change"};
constexpr std::string_view kEraseReasons[] = {"request", "retention"};
constexpr std::string_view kErasedReason = "erased";

template <size_t N>
bool OneOf(std::string_view s, const std::string_view (&set)[N]) {
  return std::find(std::begin(set), std::end(set), s) != std::end(set);
}

Status CheckVersion(std::optional<uint64_t> if_match, uint64_t version) {
  if (if_match && *if_match != version) {
    return PreconditionFailed("version is " + std::to_string(version) +
                              ", not " + std::to_string(*if_match));
  }
  return Status::Ok();
}

// The resident exists and is not erased.
Status CheckLiveResident(const ResidentState* r, std::string_view id) {
  if (r == nullptr)
    return NotFound("resident " + std::string(id) + " does not exist");
  if (r->erased) return Gone("resident " + r->resident_id + " was erased");
  return Status::Ok();
}

Status CheckNoHeldCard(const std::vector<CardState>& cards,
                       std::string_view except_id, Micros now) {
  for (const CardState& c : cards) {
    if (c.card_id != except_id && HoldsResident(c, now)) {
      return Conflict("resident " + c.resident_id + " already holds card " +
                      c.card_id);
    }
  }
  return Status::Ok();
}

std::string Describe(const CardState& c, Micros now) {
  return "card " + c.card_id + " is " +
         std::string(CardStatusName(EffectiveStatus(c, now)));
}

Result<Payload> DecideRenew(const CardState& c,
                            const std::vector<CardState>& siblings,
                            const DecideEnv& env) {
  CardStatus s = EffectiveStatus(c, env.now);
  bool in_grace =
      s == CardStatus::kExpired &&
      env.now <= c.expires_at + env.cards.grace_days * kMicrosPerDay;
  if (s != CardStatus::kActive && !in_grace) {
    return Conflict(Describe(c, env.now) +
                    (s == CardStatus::kExpired
                         ? " past its renewal grace period"
                         : " and cannot be renewed"));
  }
  CITYID_RETURN_IF_ERROR(CheckNoHeldCard(siblings, c.card_id, env.now));
  std::optional<int> days = ValidityDays(env.cards, c.card_type);
  if (!days)
    return Internal("card " + c.card_id + " has unknown type " + c.card_type);
  return Payload(
      CardRenewed{c.card_id, c.resident_id, env.now + *days * kMicrosPerDay});
}

template <typename T>
Payload StatusChange(const CardState& c, const std::string& reason) {
  T e;
  e.card_id = c.card_id;
  e.resident_id = c.resident_id;
  e.reason = reason;
  return e;
}

}  // namespace

CardStatus EffectiveStatus(const CardState& card, Micros now) {
  if (card.status == CardStatus::kActive && now >= card.expires_at)
    return CardStatus::kExpired;
  return card.status;
}

bool HoldsResident(const CardState& card, Micros now) {
  return (card.status == CardStatus::kActive ||
          card.status == CardStatus::kSuspended) &&
         now < card.expires_at;
}

std::optional<int> ValidityDays(const CardPolicy& policy,
                                std::string_view type) {
  if (type == "standard") return policy.standard_days;
  if (type == "youth") return policy.youth_days;
  if (type == "senior") return policy.senior_days;
  return std::nullopt;
}

CardView ToCardView(const CardState& c, Micros now) {
  return CardView{
      c.card_id,   c.resident_id, c.card_type,   EffectiveStatus(c, now),
      c.issued_at, c.expires_at,  c.status_list, c.status_index,
      c.version};
}

ResidentView ToResidentView(const ResidentState& r) {
  ResidentView v;
  v.resident_id = r.resident_id;
  v.attributes = r.attributes;
  v.documents = r.documents;
  v.card_ids = r.card_ids;
  v.erased = r.erased;
  v.version = r.version;
  return v;
}

Result<ResidentEnrolled> DecideEnroll(const EnrollCommand& cmd,
                                      const DecideEnv& env,
                                      std::string_view duplicate_of,
                                      std::string resident_id,
                                      std::string pii_digest) {
  CITYID_RETURN_IF_ERROR(ValidateEnroll(cmd, env));
  if (!duplicate_of.empty()) {
    return Conflict("already enrolled as resident " +
                    std::string(duplicate_of));
  }
  CITYID_ASSIGN_OR_RETURN(Attributes attributes,
                          ValidateAttributes(cmd.attributes, env.policy));
  return ResidentEnrolled{std::move(resident_id), std::move(pii_digest),
                          std::move(attributes), cmd.documents};
}

Result<ResidentUpdated> DecideUpdate(const ResidentState* r,
                                     const UpdateResidentCommand& cmd,
                                     std::optional<uint64_t> if_match,
                                     const DecideEnv& env,
                                     std::string_view duplicate_of,
                                     std::string new_pii_digest) {
  CITYID_RETURN_IF_ERROR(CheckLiveResident(r, cmd.resident_id));
  CITYID_RETURN_IF_ERROR(CheckVersion(if_match, r->version));
  if (!cmd.pii && !cmd.attributes) return InvalidArgument("nothing to update");
  if (cmd.pii) CITYID_RETURN_IF_ERROR(ValidatePii(*cmd.pii, env));
  std::optional<Attributes> attributes;
  if (cmd.attributes) {
    CITYID_ASSIGN_OR_RETURN(attributes,
                            ValidateAttributes(*cmd.attributes, env.policy));
  }
  if (!duplicate_of.empty() && duplicate_of != r->resident_id) {
    return Conflict("these details belong to resident " +
                    std::string(duplicate_of));
  }
  ResidentUpdated e;
  e.resident_id = r->resident_id;
  if (cmd.pii) e.pii_digest = std::move(new_pii_digest);
  e.has_attributes = cmd.attributes.has_value();
  if (attributes) e.attributes = std::move(*attributes);
  return e;
}

Result<CardIssued> DecideIssue(const ResidentState* r,
                               const std::vector<CardState>& cards,
                               const IssueCardCommand& cmd,
                               std::optional<uint64_t> if_match,
                               const DecideEnv& env, const NewCard& fresh) {
  CITYID_RETURN_IF_ERROR(env.policy.CheckCardType(cmd.card_type));
  std::optional<int> days = ValidityDays(env.cards, cmd.card_type);
  if (!days)
    return InvalidArgument("card_type must be standard, youth or senior");
  CITYID_RETURN_IF_ERROR(CheckLiveResident(r, cmd.resident_id));
  CITYID_RETURN_IF_ERROR(CheckVersion(if_match, r->version));
  CITYID_RETURN_IF_ERROR(CheckNoHeldCard(cards, "", env.now));
  return CardIssued{fresh.card_id,
                    r->resident_id,
                    cmd.card_type,
                    env.now,
                    env.now + *days * kMicrosPerDay,
                    fresh.status_list,
                    fresh.status_index};
}

Result<Payload> DecideCardAction(const CardState* c,
                                 const std::vector<CardState>& siblings,
                                 const CardActionCommand& cmd,
                                 std::optional<uint64_t> if_match,
                                 const DecideEnv& env) {
  if (cmd.action != CardAction::kRenew)
    CITYID_RETURN_IF_ERROR(ValidateReason(cmd.reason));
  if (c == nullptr) return NotFound("card " + cmd.card_id + " does not exist");
  CITYID_RETURN_IF_ERROR(CheckVersion(if_match, c->version));
  CardStatus s = EffectiveStatus(*c, env.now);
  switch (cmd.action) {
    case CardAction::kRenew:
      return DecideRenew(*c, siblings, env);
    case CardAction::kSuspend:
      if (s != CardStatus::kActive)
        return Conflict(Describe(*c, env.now) + ", not active");
      return StatusChange<CardSuspended>(*c, cmd.reason);
    case CardAction::kReinstate:
      if (s != CardStatus::kSuspended) {
        return Conflict(Describe(*c, env.now) + ", not suspended");
      }
      return StatusChange<CardReinstated>(*c, cmd.reason);
    case CardAction::kRevoke:
      if (s == CardStatus::kRevoked)
        return Conflict(Describe(*c, env.now) + " already");
      return StatusChange<CardRevoked>(*c, cmd.reason);
  }
  return Internal("unknown card action");
}

Result<CardReplaced> DecideReplace(const CardState* c, const ResidentState* r,
                                   const ReplaceCardCommand& cmd,
                                   std::optional<uint64_t> if_match,
                                   const DecideEnv& env, const NewCard& fresh) {
  if (!OneOf(cmd.reason, kReplaceReasons)) {
    return InvalidArgument(
        "reason must be lost, stolen, damaged or name_change");
  }
  if (c == nullptr) return NotFound("card " + cmd.card_id + " does not exist");
  CITYID_RETURN_IF_ERROR(CheckLiveResident(r, c->resident_id));
  CITYID_RETURN_IF_ERROR(CheckVersion(if_match, c->version));
  CardStatus s = EffectiveStatus(*c, env.now);
  if (s == CardStatus::kSuspended) {
    // Replacing would lift a suspension (a supervisor's act) by a clerk's.
    return Conflict(Describe(*c, env.now) +
                    "; reinstate it before replacing it");
  }
  if (s != CardStatus::kActive) {
    return Conflict(Describe(*c, env.now) + " and cannot be replaced");
  }
  std::optional<int> days = ValidityDays(env.cards, c->card_type);
  if (!days)
    return Internal("card " + c->card_id + " has unknown type " + c->card_type);
  return CardReplaced{c->card_id,
                      fresh.card_id,
                      c->resident_id,
                      cmd.reason,
                      c->card_type,
                      env.now,
                      env.now + *days * kMicrosPerDay,
                      fresh.status_list,
                      fresh.status_index};
}

Result<std::vector<Payload>> DecideErase(const ResidentState* r,
                                         const std::vector<CardState>& cards,
                                         const EraseResidentCommand& cmd,
                                         std::optional<uint64_t> if_match) {
  if (!OneOf(cmd.reason, kEraseReasons)) {
    return InvalidArgument("reason must be request or retention");
  }
  CITYID_RETURN_IF_ERROR(CheckLiveResident(r, cmd.resident_id));
  CITYID_RETURN_IF_ERROR(CheckVersion(if_match, r->version));
  std::vector<Payload> events;
  for (const CardState& c : cards) {
    if (c.status != CardStatus::kRevoked) {
      events.push_back(
          StatusChange<CardRevoked>(c, std::string(kErasedReason)));
    }
  }
  events.push_back(ResidentErased{r->resident_id, cmd.reason});
  return events;
}

Result<PiiAccessed> DecideRead(const ResidentState* r,
                               const ReadResidentCommand& cmd,
                               std::string_view actor) {
  if (cmd.purpose.empty() || cmd.purpose.size() > 200 ||
      std::any_of(cmd.purpose.begin(), cmd.purpose.end(), [](char ch) {
        return static_cast<unsigned char>(ch) < 0x20;
      })) {
    return InvalidArgument(
        "a purpose (X-Purpose, up to 200 characters) is required");
  }
  CITYID_RETURN_IF_ERROR(CheckLiveResident(r, cmd.resident_id));
  return PiiAccessed{r->resident_id, std::string(actor), cmd.purpose};
}

void ApplyToResident(ResidentState& r, const Event& event) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ResidentEnrolled>) {
          r = ResidentState{e.resident_id,     e.pii_digest, e.attributes,
                            e.documents,       {},           false,
                            event.occurred_at, event.seq};
        } else if constexpr (std::is_same_v<T, ResidentUpdated>) {
          if (!e.pii_digest.empty()) r.pii_digest = e.pii_digest;
          if (e.has_attributes) r.attributes = e.attributes;
          r.version = event.seq;
        } else if constexpr (std::is_same_v<T, ResidentErased>) {
          r.erased = true;
          r.pii_digest.clear();
          r.version = event.seq;
        } else if constexpr (std::is_same_v<T, CardIssued>) {
          r.card_ids.push_back(e.card_id);
        } else if constexpr (std::is_same_v<T, CardReplaced>) {
          r.card_ids.push_back(e.new_card_id);
        }
      },
      event.payload);
}

void ApplyToCard(CardState& c, const Event& event) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, CardIssued>) {
          if (e.card_id != c.card_id) return;
          c = CardState{
              e.card_id,   e.resident_id, e.card_type,   CardStatus::kActive,
              e.issued_at, e.expires_at,  e.status_list, e.status_index,
              "",          event.seq};
        } else if constexpr (std::is_same_v<T, CardReplaced>) {
          if (e.old_card_id == c.card_id) {
            c.status = CardStatus::kRevoked;
            c.reason = "replaced_" + e.reason;
            c.version = event.seq;
          } else if (e.new_card_id == c.card_id) {
            c = CardState{e.new_card_id,
                          e.resident_id,
                          e.card_type,
                          CardStatus::kActive,
                          e.issued_at,
                          e.expires_at,
                          e.status_list,
                          e.status_index,
                          "",
                          event.seq};
          }
        } else if constexpr (std::is_same_v<T, CardRenewed>) {
          if (e.card_id != c.card_id) return;
          c.expires_at = e.expires_at;
          c.version = event.seq;
        } else if constexpr (std::is_base_of_v<CardStatusChange, T>) {
          if (e.card_id != c.card_id) return;
          c.status = std::is_same_v<T, CardSuspended> ? CardStatus::kSuspended
                     : std::is_same_v<T, CardRevoked> ? CardStatus::kRevoked
                                                      : CardStatus::kActive;
          c.reason = e.reason;
          c.version = event.seq;
        }
      },
      event.payload);
}

std::vector<std::string> CardsChangedBy(const Payload& payload) {
  return std::visit(
      [](const auto& e) -> std::vector<std::string> {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, CardReplaced>) {
          return {e.old_card_id, e.new_card_id};
        } else if constexpr (std::is_same_v<T, CardIssued> ||
                             std::is_same_v<T, CardRenewed> ||
                             std::is_base_of_v<CardStatusChange, T>) {
          return {e.card_id};
        } else {
          return {};
        }
      },
      payload);
}

}  // namespace cityid
