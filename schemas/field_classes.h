// The field-classification registry (SPEC §6, §7): every field of the JSON
// form of every event type (schemas/event_json.h), and every Kafka record
// header (SPEC §2), has exactly one privacy class and one value shape.
// `cityid audit` enforces it: a field the registry does not list, a field
// of class kPii, or a value off its shape fails the audit.
//
// Paths name JSON keys from the top of the event: "seq", "payload.card_id",
// "payload.attributes.district"; an array's items add "[]"
// ("payload.documents[]"). Envelope fields are shared by every type.
//
// Pure data and functions; thread-safe.
#ifndef CITYID_SCHEMAS_FIELD_CLASSES_H_
#define CITYID_SCHEMAS_FIELD_CLASSES_H_

#include <boost/json/object.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cityid {

enum class FieldClass {
  kId,    // opaque identifier: seq, event/resident/card ids, token ids
  kMeta,  // the event's own type and schema version
  kCoarseAttribute,  // non-identifying attribute: district, age band, office
  kDigest,           // a commitment (pii_digest): SHA-256, reveals nothing
  kTime,             // an instant (RFC 3339 UTC)
  kReason,           // a reason code or a caller's stated purpose
  kClientText,       // opaque text chosen by a client (Idempotency-Key)
  kPii,              // personal data: lives only in the vault, never here
};

// What a value must look like. Free-text shapes (kText) are additionally
// scanned for things that look like PII (LooksLikePii).
enum class FieldShape {
  kUnsigned,    // JSON unsigned integer
  kUuid,        // lower-case 8-4-4-4-12 hex
  kResidentId,  // r_ + 24 lower-case hex
  kCardId,      // 13 digits, the last a Luhn check digit
  kDecimal,     // 1-20 decimal digits as a string (a status list id)
  kHex64,       // 64 lower-case hex (a SHA-256 in hex)
  kRfc3339,     // YYYY-MM-DDTHH:MM:SS[.ffffff]Z
  kToken,       // [a-z][a-z_]* up to 32 characters (kinds, reason codes)
  kEventType,   // one of AllEventTypes()
  kText,        // printable text up to 256 bytes, no control characters
  kAbsent,      // must never appear (class kPii)
};

struct FieldSpec {
  std::string_view path;
  FieldClass cls;
  FieldShape shape;
};

// Lower-case names, as in reports: "id", "meta", "coarse_attribute",
// "digest", "time", "reason", "client_text", "pii".
std::string_view FieldClassName(FieldClass cls);

// Every field of the JSON form of `type` (envelope fields first, then the
// payload's). Empty for an unknown type.
std::span<const FieldSpec> EventFields(std::string_view type);
// The spec of `path` in events of `type`; nullopt when unclassified.
std::optional<FieldSpec> FindEventField(std::string_view type,
                                        std::string_view path);
// The PII fields a programme may collect (SPEC §10): class kPii, shape
// kAbsent. Listed so that an event carrying one is named as PII.
std::span<const FieldSpec> PiiFields();

// Kafka record headers of the events topic (SPEC §2) and their classes.
std::span<const FieldSpec> KafkaHeaderFields();
std::optional<FieldSpec> FindKafkaHeader(std::string_view name);

// True when `value` has `shape`. kText accepts printable UTF-8 text up to 256
// bytes; kAbsent accepts nothing.
bool MatchesShape(FieldShape shape, std::string_view value);

// Why a free-text value looks like PII, or nullopt: it holds a calendar date
// between 1900 and 2100 (YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY, DD.MM.YYYY), or
// an e-mail address. (Names cannot be recognized without the vault.)
std::optional<std::string> LooksLikePii(std::string_view value);

// One problem with one field. `problem` never quotes the value (it may be
// PII): "unclassified field", "field of class pii", "value off its shape
// (card_id)", "holds a calendar date".
struct FieldFinding {
  std::string path;
  std::string problem;
  bool pii = false;  // a PII-class field, or free text that looks like PII
};

// Checks the JSON form of one event (EventToJson) of `type` against the
// registry: every leaf must be classified, not of class kPii, and of its
// shape; kText leaves are scanned with LooksLikePii. Empty when clean.
std::vector<FieldFinding> CheckEventJson(std::string_view type,
                                         const boost::json::object& event);

// The same for one Kafka header: unknown name, shape, and PII scan.
std::optional<FieldFinding> CheckKafkaHeader(std::string_view name,
                                             std::string_view value);

}  // namespace cityid

#endif  // CITYID_SCHEMAS_FIELD_CLASSES_H_
