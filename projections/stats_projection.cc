// StatsProjection: applying events (the read side is in
// stats_projection_read.cc).
#include "projections/stats_projection.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <type_traits>
#include <variant>

#include "projections/stats_projection_keys.h"

namespace cityid {
namespace json = boost::json;
using stats_internal::CardKey;
using stats_internal::CardRecord;
using stats_internal::Cell;
using stats_internal::CountKey;
using stats_internal::ResidentKey;
using stats_internal::ResidentRecord;

namespace {

constexpr std::string_view kActive = "active";
constexpr std::string_view kSuspended = "suspended";
constexpr std::string_view kRevoked = "revoked";

// The category `value` is counted under (stats_projection.h).
std::string Category(const AttributeDomain& domain, std::string_view value) {
  if (domain.closed() ? domain.Allows(value) : IsCategory(value)) {
    return std::string(value);
  }
  return std::string(kOtherCategory);
}

Result<int64_t> ParseCount(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Corruption("stats: undecodable count");
  }
  return v;
}

// The integer at `key`, 0 when absent.
Result<int64_t> ReadCount(const StateBatch& batch, const std::string& key) {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw, batch.Get(key));
  if (!raw) return int64_t{0};
  return ParseCount(*raw);
}

// Adds `delta` to the integer at `key`; a sum of zero deletes the key.
Status AddTo(StateBatch& batch, const std::string& key, int64_t delta) {
  CITYID_ASSIGN_OR_RETURN(int64_t v, ReadCount(batch, key));
  v += delta;
  if (v == 0) {
    batch.Delete(key);
  } else {
    batch.Put(key, std::to_string(v));
  }
  return Status::Ok();
}

// Applies one event. Short-lived: built per Apply() call.
class Applier {
 public:
  Applier(const StatsProjectionOptions& options, const Event& event,
          StateBatch& batch)
      : options_(options),
        event_(event),
        batch_(batch),
        month_(FormatMonth(event.occurred_at)) {}

  Status On(const ResidentEnrolled& e);
  Status On(const ResidentUpdated& e);
  Status On(const CardIssued& e);
  Status On(const CardRenewed& e);
  Status On(const CardReplaced& e);
  Status On(const CardSuspended& e);
  Status On(const CardReinstated& e);
  Status On(const CardRevoked& e);
  Status On(const ResidentErased& e);
  Status On(const PiiAccessed&) { return Status::Ok(); }

 private:
  Status Unknown(std::string_view what, std::string_view id) const {
    return Corruption("stats: " + std::string(event_.type()) + " at seq " +
                      std::to_string(event_.seq) + " names unknown " +
                      std::string(what) + " " + std::string(id));
  }
  Result<std::optional<ResidentRecord>> FindResident(std::string_view id);
  Result<ResidentRecord> LoadResident(std::string_view id);
  Result<CardRecord> LoadCard(std::string_view id);
  void Put(std::string_view id, const ResidentRecord& r) {
    batch_.Put(ResidentKey(id), stats_internal::EncodeResident(r));
  }
  void Put(std::string_view id, const CardRecord& c) {
    batch_.Put(CardKey(id), stats_internal::EncodeCard(c));
  }
  static Cell CellOf(const ResidentRecord& r, std::string card_type) {
    return Cell{r.district, r.age_band, r.language, std::move(card_type)};
  }
  // The resident's categories for `a`; counts the open domains' values it
  // takes up that `before` (the previous categories, if any) did not hold.
  Result<ResidentRecord> Categorize(const Attributes& a,
                                    const ResidentRecord* before);

  // One event-measure contribution of `resident_id` in this event's month.
  Status Count(std::string_view measure, const Cell& cell,
               std::string_view resident_id);
  Result<bool> Admit(std::string_view resident_id, std::string_view measure);
  Status ActiveDelta(Micros at, const Cell& cell, int64_t delta) {
    return AddTo(batch_, CountKey(false, kActive, FormatMonth(at), cell),
                 delta);
  }
  Status OpenInterval(CardRecord& card, const Cell& cell);
  Status CloseInterval(CardRecord& card);
  Status CreateCard(std::string_view card_id, std::string_view resident_id,
                    std::string_view card_type, Micros expires_at);
  // Suspend or revoke: counts `measure`, closes the interval, sets status.
  Status StopCard(const CardStatusChange& e, std::string_view measure,
                  std::string_view status);

  const StatsProjectionOptions& options_;
  const Event& event_;
  StateBatch& batch_;
  const std::string month_;
};

Result<std::optional<ResidentRecord>> Applier::FindResident(
    std::string_view id) {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          batch_.Get(ResidentKey(id)));
  if (!raw) return std::optional<ResidentRecord>();
  CITYID_ASSIGN_OR_RETURN(ResidentRecord r,
                          stats_internal::DecodeResident(*raw));
  return std::optional<ResidentRecord>(std::move(r));
}

Result<ResidentRecord> Applier::LoadResident(std::string_view id) {
  CITYID_ASSIGN_OR_RETURN(std::optional<ResidentRecord> r, FindResident(id));
  if (!r) return Unknown("resident", id);
  return std::move(*r);
}

Result<CardRecord> Applier::LoadCard(std::string_view id) {
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          batch_.Get(CardKey(id)));
  if (!raw) return Unknown("card", id);
  return stats_internal::DecodeCard(*raw);
}

Result<bool> Applier::Admit(std::string_view resident_id,
                            std::string_view measure) {
  const std::string key = stats_internal::ContributionPrefix(resident_id) +
                          month_ + "/" + std::string(measure);
  CITYID_ASSIGN_OR_RETURN(int64_t counted, ReadCount(batch_, key));
  if (counted >= static_cast<int64_t>(options_.contribution_bound)) {
    return false;
  }
  batch_.Put(key, std::to_string(counted + 1));
  return true;
}

Status Applier::Count(std::string_view measure, const Cell& cell,
                      std::string_view resident_id) {
  CITYID_RETURN_IF_ERROR(
      AddTo(batch_, CountKey(false, measure, month_, cell), 1));
  CITYID_ASSIGN_OR_RETURN(bool admitted, Admit(resident_id, measure));
  if (!admitted) return Status::Ok();
  return AddTo(batch_, CountKey(true, measure, month_, cell), 1);
}

// Opens [now, expires_at) in `cell`; nothing when the card is already past
// its expiry (it is not active at any month end from now on).
Status Applier::OpenInterval(CardRecord& card, const Cell& cell) {
  card.open = false;
  if (event_.occurred_at >= card.expires_at) return Status::Ok();
  CITYID_RETURN_IF_ERROR(ActiveDelta(event_.occurred_at, cell, 1));
  CITYID_RETURN_IF_ERROR(ActiveDelta(card.expires_at, cell, -1));
  card.open = true;
  card.cell = cell;
  return Status::Ok();
}

// Ends the open interval now: the planned end at expires_at is cancelled
// and replaced by one now. An interval already past its expiry ended then.
Status Applier::CloseInterval(CardRecord& card) {
  if (!card.open) return Status::Ok();
  card.open = false;
  if (event_.occurred_at >= card.expires_at) return Status::Ok();
  CITYID_RETURN_IF_ERROR(ActiveDelta(card.expires_at, card.cell, 1));
  return ActiveDelta(event_.occurred_at, card.cell, -1);
}

Result<ResidentRecord> Applier::Categorize(const Attributes& a,
                                           const ResidentRecord* before) {
  const ProgrammePolicy& p = options_.policy;
  ResidentRecord r{Category(p.districts, a.district),
                   Category(p.age_bands, a.age_band),
                   Category(p.languages, a.language),
                   before ? before->cards : std::vector<std::string>()};
  const struct {
    std::string_view dim;
    const AttributeDomain& domain;
    const std::string& now;
    const std::string* was;
  } dims[] = {
      {kDistrictDim, p.districts, r.district,
       before ? &before->district : nullptr},
      {kAgeBandDim, p.age_bands, r.age_band,
       before ? &before->age_band : nullptr},
      {kLanguageDim, p.languages, r.language,
       before ? &before->language : nullptr},
  };
  for (const auto& d : dims) {
    if (d.domain.closed() || d.now == kOtherCategory) continue;
    if (d.was && *d.was == d.now) continue;
    CITYID_RETURN_IF_ERROR(
        AddTo(batch_, stats_internal::LearnedKey(d.dim, d.now), 1));
  }
  return r;
}

Status Applier::On(const ResidentEnrolled& e) {
  CITYID_ASSIGN_OR_RETURN(std::optional<ResidentRecord> existing,
                          FindResident(e.resident_id));
  if (existing) {
    return Corruption("stats: resident " + e.resident_id +
                      " enrolled twice (seq " + std::to_string(event_.seq) +
                      ")");
  }
  CITYID_ASSIGN_OR_RETURN(ResidentRecord r, Categorize(e.attributes, nullptr));
  Put(e.resident_id, r);
  return Count("enrolled", CellOf(r, ""), e.resident_id);
}

Status Applier::On(const ResidentUpdated& e) {
  CITYID_ASSIGN_OR_RETURN(ResidentRecord before, LoadResident(e.resident_id));
  if (!e.has_attributes) return Status::Ok();
  CITYID_ASSIGN_OR_RETURN(ResidentRecord r, Categorize(e.attributes, &before));
  Put(e.resident_id, r);
  // A card active now moves to the new cell from now on.
  for (const std::string& id : r.cards) {
    CITYID_ASSIGN_OR_RETURN(CardRecord c, LoadCard(id));
    if (!c.open || event_.occurred_at >= c.expires_at) continue;
    const Cell moved = CellOf(r, c.card_type);
    if (moved == c.cell) continue;
    CITYID_RETURN_IF_ERROR(CloseInterval(c));
    CITYID_RETURN_IF_ERROR(OpenInterval(c, moved));
    Put(id, c);
  }
  return Status::Ok();
}

Status Applier::CreateCard(std::string_view card_id,
                           std::string_view resident_id,
                           std::string_view card_type, Micros expires_at) {
  CITYID_ASSIGN_OR_RETURN(ResidentRecord r, LoadResident(resident_id));
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> existing,
                          batch_.Get(CardKey(card_id)));
  if (existing) {
    return Corruption("stats: card " + std::string(card_id) +
                      " created twice (seq " + std::to_string(event_.seq) +
                      ")");
  }
  CardRecord c{std::string(resident_id),
               Category(options_.policy.card_types, card_type),
               std::string(kActive),
               expires_at,
               false,
               {}};
  CITYID_RETURN_IF_ERROR(OpenInterval(c, CellOf(r, c.card_type)));
  Put(card_id, c);
  r.cards.emplace_back(card_id);
  Put(resident_id, r);
  return Status::Ok();
}

Status Applier::On(const CardIssued& e) {
  CITYID_RETURN_IF_ERROR(
      CreateCard(e.card_id, e.resident_id, e.card_type, e.expires_at));
  CITYID_ASSIGN_OR_RETURN(ResidentRecord r, LoadResident(e.resident_id));
  return Count("issued",
               CellOf(r, Category(options_.policy.card_types, e.card_type)),
               e.resident_id);
}

Status Applier::On(const CardRenewed& e) {
  CITYID_ASSIGN_OR_RETURN(CardRecord c, LoadCard(e.card_id));
  CITYID_ASSIGN_OR_RETURN(ResidentRecord r, LoadResident(c.resident_id));
  CITYID_RETURN_IF_ERROR(
      Count("renewed", CellOf(r, c.card_type), c.resident_id));
  if (c.open && event_.occurred_at < c.expires_at) {
    // Still active: only the planned end moves.
    CITYID_RETURN_IF_ERROR(ActiveDelta(c.expires_at, c.cell, 1));
    CITYID_RETURN_IF_ERROR(ActiveDelta(e.expires_at, c.cell, -1));
    c.expires_at = e.expires_at;
  } else {
    c.expires_at = e.expires_at;
    if (c.status == kActive) {
      // Renewed after it expired: active again from now.
      CITYID_RETURN_IF_ERROR(OpenInterval(c, CellOf(r, c.card_type)));
    }
  }
  Put(e.card_id, c);
  return Status::Ok();
}

Status Applier::On(const CardReplaced& e) {
  CITYID_ASSIGN_OR_RETURN(CardRecord old_card, LoadCard(e.old_card_id));
  CITYID_ASSIGN_OR_RETURN(ResidentRecord r, LoadResident(old_card.resident_id));
  CITYID_RETURN_IF_ERROR(
      Count("replaced", CellOf(r, old_card.card_type), old_card.resident_id));
  CITYID_RETURN_IF_ERROR(CloseInterval(old_card));
  old_card.status = kRevoked;
  Put(e.old_card_id, old_card);
  return CreateCard(e.new_card_id, old_card.resident_id, e.card_type,
                    e.expires_at);
}

Status Applier::StopCard(const CardStatusChange& e, std::string_view measure,
                         std::string_view status) {
  CITYID_ASSIGN_OR_RETURN(CardRecord c, LoadCard(e.card_id));
  CITYID_ASSIGN_OR_RETURN(ResidentRecord r, LoadResident(c.resident_id));
  CITYID_RETURN_IF_ERROR(Count(measure, CellOf(r, c.card_type), c.resident_id));
  CITYID_RETURN_IF_ERROR(CloseInterval(c));
  c.status = status;
  Put(e.card_id, c);
  return Status::Ok();
}

Status Applier::On(const CardSuspended& e) {
  return StopCard(e, "suspended", kSuspended);
}
Status Applier::On(const CardRevoked& e) {
  return StopCard(e, "revoked", kRevoked);
}

Status Applier::On(const CardReinstated& e) {
  CITYID_ASSIGN_OR_RETURN(CardRecord c, LoadCard(e.card_id));
  CITYID_ASSIGN_OR_RETURN(ResidentRecord r, LoadResident(c.resident_id));
  if (c.status == kSuspended) {
    c.status = kActive;
    CITYID_RETURN_IF_ERROR(OpenInterval(c, CellOf(r, c.card_type)));
  }
  Put(e.card_id, c);
  return Status::Ok();
}

// Counts the erasure, ends any card still active, then forgets the resident:
// its record, its cards and its contribution counters (the counts stay).
Status Applier::On(const ResidentErased& e) {
  CITYID_ASSIGN_OR_RETURN(ResidentRecord r, LoadResident(e.resident_id));
  CITYID_RETURN_IF_ERROR(Count("erased", CellOf(r, ""), e.resident_id));
  for (const std::string& id : r.cards) {
    CITYID_ASSIGN_OR_RETURN(CardRecord c, LoadCard(id));
    CITYID_RETURN_IF_ERROR(CloseInterval(c));
    batch_.Delete(CardKey(id));
  }
  batch_.Delete(ResidentKey(e.resident_id));
  std::vector<std::string> counters;
  CITYID_RETURN_IF_ERROR(
      batch_.Scan(stats_internal::ContributionPrefix(e.resident_id),
                  [&](std::string_view key, std::string_view) {
                    counters.emplace_back(key);
                    return true;
                  }));
  for (const std::string& key : counters) batch_.Delete(key);
  return Status::Ok();
}

}  // namespace

StatsProjection::StatsProjection(ProjectionStore* store,
                                 StatsProjectionOptions options)
    : store_(store), options_(std::move(options)) {}

Status StatsProjection::Apply(const Event& event, const StoredEvent&,
                              StateBatch& batch) {
  if (event.seq == 1) {
    batch.Put(stats_internal::kSettingsKey,
              stats_internal::SettingsJson(options_));
  }
  Applier applier(options_, event, batch);
  return std::visit([&](const auto& e) -> Status { return applier.On(e); },
                    event.payload);
}

}  // namespace cityid
