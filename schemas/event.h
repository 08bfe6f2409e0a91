// The cityid event model (SPEC §2): an Envelope around one typed payload.
//
// Events are immutable facts. Each payload struct is class-versioned with
// cereal (CEREAL_CLASS_VERSION in event_codec.cc); a schema change adds a
// version and keeps every old one decodable — fields are never reused or
// renumbered. No struct here may hold PII: residents appear only as opaque
// ids and `pii_digest`, a SHA-256 commitment to the vault ciphertext.
#ifndef CITYID_SCHEMAS_EVENT_H_
#define CITYID_SCHEMAS_EVENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.h"

namespace cityid {

// Coarse, non-identifying attributes of a resident.
struct Attributes {
  std::string district;
  std::string age_band;
  std::string language;
  bool operator==(const Attributes&) const = default;
};

struct ResidentEnrolled {
  static constexpr std::string_view kType = "resident.enrolled";
  std::string resident_id;
  std::string pii_digest;  // 32 raw bytes: SHA-256 of the vault ciphertext
  Attributes attributes;
  std::vector<std::string> documents;  // kinds only, e.g. "passport"
  bool operator==(const ResidentEnrolled&) const = default;
};

struct ResidentUpdated {
  static constexpr std::string_view kType = "resident.updated";
  std::string resident_id;
  std::string pii_digest;  // empty when the PII did not change
  bool has_attributes = false;
  Attributes attributes;  // meaningful only when has_attributes
  bool operator==(const ResidentUpdated&) const = default;
};

struct CardIssued {
  static constexpr std::string_view kType = "card.issued";
  std::string card_id;
  std::string resident_id;
  std::string card_type;  // standard | youth | senior
  Micros issued_at = 0;
  Micros expires_at = 0;
  std::string status_list;  // list id, e.g. "1"
  uint32_t status_index = 0;
  bool operator==(const CardIssued&) const = default;
};

struct CardRenewed {
  static constexpr std::string_view kType = "card.renewed";
  std::string card_id;
  std::string resident_id;
  Micros expires_at = 0;
  bool operator==(const CardRenewed&) const = default;
};

struct CardReplaced {
  static constexpr std::string_view kType = "card.replaced";
  std::string old_card_id;
  std::string new_card_id;
  std::string resident_id;
  std::string reason;  // lost | stolen | damaged | name_change
  std::string card_type;
  Micros issued_at = 0;
  Micros expires_at = 0;
  std::string status_list;
  uint32_t status_index = 0;
  bool operator==(const CardReplaced&) const = default;
};

// card.suspended, card.reinstated and card.revoked share one shape.
struct CardStatusChange {
  std::string card_id;
  std::string resident_id;
  std::string reason;
  bool operator==(const CardStatusChange&) const = default;
};
struct CardSuspended : CardStatusChange {
  static constexpr std::string_view kType = "card.suspended";
};
struct CardReinstated : CardStatusChange {
  static constexpr std::string_view kType = "card.reinstated";
};
struct CardRevoked : CardStatusChange {
  static constexpr std::string_view kType = "card.revoked";
};

struct ResidentErased {
  static constexpr std::string_view kType = "resident.erased";
  std::string resident_id;
  std::string reason;  // request | retention
  bool operator==(const ResidentErased&) const = default;
};

struct PiiAccessed {
  static constexpr std::string_view kType = "pii.accessed";
  std::string resident_id;
  std::string accessor;  // token id of the caller (same as the envelope actor)
  std::string purpose;
  bool operator==(const PiiAccessed&) const = default;
};

using Payload =
    std::variant<ResidentEnrolled, ResidentUpdated, CardIssued, CardRenewed,
                 CardReplaced, CardSuspended, CardReinstated, CardRevoked,
                 ResidentErased, PiiAccessed>;

// The envelope version written today. Envelope v1 is the first.
constexpr uint32_t kEnvelopeVersion = 1;

struct Event {
  uint64_t seq = 0;      // 1-based, gap-free per ledger shard
  std::string event_id;  // UUID, lower-case text
  uint32_t schema_version = kEnvelopeVersion;
  Micros occurred_at = 0;
  Micros recorded_at = 0;
  std::string actor;  // token id, never a person's name
  std::string office;
  std::string idempotency_key;  // empty when none was given
  Payload payload;

  std::string_view type() const;
  // The resident this event concerns: the Kafka record key.
  const std::string& resident_id() const;
  bool operator==(const Event&) const = default;
};

// All event type names, in Payload order.
const std::vector<std::string_view>& AllEventTypes();

}  // namespace cityid

#endif  // CITYID_SCHEMAS_EVENT_H_
