#include "projections/registry.h"

#include <boost/json.hpp>
#include <type_traits>
#include <variant>

namespace cityid {
namespace json = boost::json;
namespace {

constexpr std::string_view kCardPrefix = "card/";
constexpr std::string_view kResidentPrefix = "resident/";

std::string CardKey(std::string_view id) {
  return std::string(kCardPrefix).append(id);
}
std::string ResidentKey(std::string_view id) {
  return std::string(kResidentPrefix).append(id);
}

Result<CardStatus> ParseStoredStatus(std::string_view name) {
  if (name == "active") return CardStatus::kActive;
  if (name == "suspended") return CardStatus::kSuspended;
  if (name == "revoked") return CardStatus::kRevoked;
  return Corruption("registry: unknown stored card status");
}

// --- encoding (fixed field order: the fingerprint depends on it) ---

std::string EncodeCard(const RegistryCard& c) {
  json::object o;
  o["card_id"] = c.card_id;
  o["resident_id"] = c.resident_id;
  o["card_type"] = c.card_type;
  o["status"] = CardStatusName(c.stored_status);
  o["issued_at"] = c.issued_at;
  o["expires_at"] = c.expires_at;
  o["status_list"] = c.status_list;
  o["status_index"] = c.status_index;
  o["version"] = c.version;
  return json::serialize(o);
}

std::string EncodeResident(const RegistryResident& r) {
  json::object o;
  o["resident_id"] = r.resident_id;
  o["attributes"] = json::object{{"district", r.attributes.district},
                                 {"age_band", r.attributes.age_band},
                                 {"language", r.attributes.language}};
  json::array ids;
  for (const std::string& id : r.card_ids) ids.emplace_back(id);
  o["card_ids"] = std::move(ids);
  o["erased"] = r.erased;
  o["version"] = r.version;
  return json::serialize(o);
}

// Boost.JSON throws on a wrong type through as_*(); a stored record of the
// wrong shape is corruption, so decoding catches and translates.
Result<json::object> ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Corruption("registry: undecodable record");
  return std::move(v.as_object());
}

Result<RegistryCard> DecodeCard(std::string_view text) {
  CITYID_ASSIGN_OR_RETURN(json::object o, ParseObject(text));
  try {
    RegistryCard c;
    c.card_id = o.at("card_id").as_string();
    c.resident_id = o.at("resident_id").as_string();
    c.card_type = o.at("card_type").as_string();
    CITYID_ASSIGN_OR_RETURN(c.stored_status,
                            ParseStoredStatus(o.at("status").as_string()));
    c.status = c.stored_status;
    c.issued_at = o.at("issued_at").to_number<Micros>();
    c.expires_at = o.at("expires_at").to_number<Micros>();
    c.status_list = o.at("status_list").as_string();
    c.status_index = o.at("status_index").to_number<uint32_t>();
    c.version = o.at("version").to_number<uint64_t>();
    return c;
  } catch (const std::exception&) {
    return Corruption("registry: malformed card record");
  }
}

Result<RegistryResident> DecodeResident(std::string_view text) {
  CITYID_ASSIGN_OR_RETURN(json::object o, ParseObject(text));
  try {
    RegistryResident r;
    r.resident_id = o.at("resident_id").as_string();
    const json::object& a = o.at("attributes").as_object();
    r.attributes.district = a.at("district").as_string();
    r.attributes.age_band = a.at("age_band").as_string();
    r.attributes.language = a.at("language").as_string();
    for (const json::value& id : o.at("card_ids").as_array()) {
      r.card_ids.emplace_back(id.as_string());
    }
    r.erased = o.at("erased").as_bool();
    r.version = o.at("version").to_number<uint64_t>();
    return r;
  } catch (const std::exception&) {
    return Corruption("registry: malformed resident record");
  }
}

// --- reads inside a batch ---

Result<std::optional<RegistryCard>> FindCard(const StateBatch& batch,
                                             std::string_view id) {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          batch.Get(CardKey(id)));
  if (!raw) return std::optional<RegistryCard>();
  CITYID_ASSIGN_OR_RETURN(RegistryCard card, DecodeCard(*raw));
  return std::optional<RegistryCard>(std::move(card));
}

Result<RegistryCard> LoadCard(const StateBatch& batch, std::string_view id,
                              const Event& event) {
  CITYID_ASSIGN_OR_RETURN(std::optional<RegistryCard> card,
                          FindCard(batch, id));
  if (!card) {
    return Corruption("registry: " + std::string(event.type()) + " at seq " +
                      std::to_string(event.seq) + " names unknown card " +
                      std::string(id));
  }
  return std::move(*card);
}

Result<std::optional<RegistryResident>> FindResident(const StateBatch& batch,
                                                     std::string_view id) {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          batch.Get(ResidentKey(id)));
  if (!raw) return std::optional<RegistryResident>();
  CITYID_ASSIGN_OR_RETURN(RegistryResident r, DecodeResident(*raw));
  return std::optional<RegistryResident>(std::move(r));
}

Result<RegistryResident> LoadResident(const StateBatch& batch,
                                      std::string_view id, const Event& event) {
  CITYID_ASSIGN_OR_RETURN(std::optional<RegistryResident> r,
                          FindResident(batch, id));
  if (!r) {
    return Corruption("registry: " + std::string(event.type()) + " at seq " +
                      std::to_string(event.seq) + " names unknown resident " +
                      std::string(id));
  }
  return std::move(*r);
}

void PutCard(StateBatch& batch, const RegistryCard& card) {
  batch.Put(CardKey(card.card_id), EncodeCard(card));
}
void PutResident(StateBatch& batch, const RegistryResident& r) {
  batch.Put(ResidentKey(r.resident_id), EncodeResident(r));
}

// --- one function per event type ---

Status OnEnrolled(const Event& ev, const ResidentEnrolled& e, StateBatch& b) {
  CITYID_ASSIGN_OR_RETURN(std::optional<RegistryResident> existing,
                          FindResident(b, e.resident_id));
  if (existing) {
    return Corruption("registry: resident " + e.resident_id +
                      " enrolled twice (seq " + std::to_string(ev.seq) + ")");
  }
  PutResident(b,
              RegistryResident{e.resident_id, e.attributes, {}, false, ev.seq});
  return Status::Ok();
}

Status OnUpdated(const Event& ev, const ResidentUpdated& e, StateBatch& b) {
  CITYID_ASSIGN_OR_RETURN(RegistryResident r,
                          LoadResident(b, e.resident_id, ev));
  if (e.has_attributes) r.attributes = e.attributes;
  r.version = ev.seq;
  PutResident(b, r);
  return Status::Ok();
}

// Creates a new active card (card.issued, or the new card of card.replaced)
// and appends it to its resident's card ids.
Status CreateCard(const Event& ev, RegistryCard card, StateBatch& b) {
  CITYID_ASSIGN_OR_RETURN(RegistryResident r,
                          LoadResident(b, card.resident_id, ev));
  CITYID_ASSIGN_OR_RETURN(std::optional<RegistryCard> existing,
                          FindCard(b, card.card_id));
  if (existing) {
    return Corruption("registry: card " + card.card_id +
                      " created twice (seq " + std::to_string(ev.seq) + ")");
  }
  card.version = ev.seq;
  r.card_ids.push_back(card.card_id);
  PutCard(b, card);
  PutResident(b, r);
  return Status::Ok();
}

Status OnIssued(const Event& ev, const CardIssued& e, StateBatch& b) {
  return CreateCard(
      ev,
      RegistryCard{e.card_id, e.resident_id, e.card_type, CardStatus::kActive,
                   CardStatus::kActive, e.issued_at, e.expires_at,
                   e.status_list, e.status_index, 0},
      b);
}

Status OnRenewed(const Event& ev, const CardRenewed& e, StateBatch& b) {
  CITYID_ASSIGN_OR_RETURN(RegistryCard c, LoadCard(b, e.card_id, ev));
  c.expires_at = e.expires_at;
  c.version = ev.seq;
  PutCard(b, c);
  return Status::Ok();
}

Status OnReplaced(const Event& ev, const CardReplaced& e, StateBatch& b) {
  CITYID_ASSIGN_OR_RETURN(RegistryCard old_card,
                          LoadCard(b, e.old_card_id, ev));
  old_card.stored_status = CardStatus::kRevoked;
  old_card.version = ev.seq;
  PutCard(b, old_card);
  return CreateCard(
      ev,
      RegistryCard{e.new_card_id, e.resident_id, e.card_type,
                   CardStatus::kActive, CardStatus::kActive, e.issued_at,
                   e.expires_at, e.status_list, e.status_index, 0},
      b);
}

Status SetStatus(const Event& ev, const CardStatusChange& e, CardStatus to,
                 StateBatch& b) {
  CITYID_ASSIGN_OR_RETURN(RegistryCard c, LoadCard(b, e.card_id, ev));
  c.stored_status = to;
  c.version = ev.seq;
  PutCard(b, c);
  return Status::Ok();
}

Status OnErased(const Event& ev, const ResidentErased& e, StateBatch& b) {
  CITYID_ASSIGN_OR_RETURN(RegistryResident r,
                          LoadResident(b, e.resident_id, ev));
  for (const std::string& id : r.card_ids) {
    CITYID_ASSIGN_OR_RETURN(RegistryCard c, LoadCard(b, id, ev));
    if (c.stored_status == CardStatus::kRevoked) continue;
    c.stored_status = CardStatus::kRevoked;
    c.version = ev.seq;
    PutCard(b, c);
  }
  r.erased = true;
  r.attributes = Attributes{};
  r.version = ev.seq;
  PutResident(b, r);
  return Status::Ok();
}

}  // namespace

Registry::Registry(ProjectionStore* store, const Clock* clock)
    : store_(store), clock_(clock) {}

Status Registry::Apply(const Event& event, const StoredEvent& /*stored*/,
                       StateBatch& batch) {
  return std::visit(
      [&](const auto& e) -> Status {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ResidentEnrolled>) {
          return OnEnrolled(event, e, batch);
        } else if constexpr (std::is_same_v<T, ResidentUpdated>) {
          return OnUpdated(event, e, batch);
        } else if constexpr (std::is_same_v<T, CardIssued>) {
          return OnIssued(event, e, batch);
        } else if constexpr (std::is_same_v<T, CardRenewed>) {
          return OnRenewed(event, e, batch);
        } else if constexpr (std::is_same_v<T, CardReplaced>) {
          return OnReplaced(event, e, batch);
        } else if constexpr (std::is_same_v<T, CardSuspended>) {
          return SetStatus(event, e, CardStatus::kSuspended, batch);
        } else if constexpr (std::is_same_v<T, CardReinstated>) {
          return SetStatus(event, e, CardStatus::kActive, batch);
        } else if constexpr (std::is_same_v<T, CardRevoked>) {
          return SetStatus(event, e, CardStatus::kRevoked, batch);
        } else if constexpr (std::is_same_v<T, ResidentErased>) {
          return OnErased(event, e, batch);
        } else {
          static_assert(std::is_same_v<T, PiiAccessed>, "unhandled event type");
          return Status::Ok();  // reading PII changes no registry state
        }
      },
      event.payload);
}

Result<RegistryCard> Registry::GetCard(const std::string& card_id) const {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          store_->Get(CardKey(card_id)));
  if (!raw) return NotFound("card " + card_id + " not found");
  CITYID_ASSIGN_OR_RETURN(RegistryCard card, DecodeCard(*raw));
  // A stored active card past its expiry reads as expired, as in the ledger.
  if (card.stored_status == CardStatus::kActive &&
      clock_->Now() >= card.expires_at) {
    card.status = CardStatus::kExpired;
  }
  return card;
}

Result<RegistryResident> Registry::GetResident(
    const std::string& resident_id) const {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          store_->Get(ResidentKey(resident_id)));
  if (!raw) return NotFound("resident " + resident_id + " not found");
  return DecodeResident(*raw);
}

Result<std::string> Registry::Fingerprint() const {
  return store_->Fingerprint();
}

Result<std::string> Registry::Dump() const {
  std::string out = "position " + std::to_string(store_->position()) + "\n";
  CITYID_RETURN_IF_ERROR(
      store_->Scan("", [&](std::string_view key, std::string_view value) {
        out.append(key).append(" ").append(value).append("\n");
        return true;
      }));
  return out;
}

}  // namespace cityid
