#include "schemas/field_classes.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <map>
#include <vector>

#include "schemas/event.h"

namespace cityid {
namespace {

using C = FieldClass;
using S = FieldShape;

// The envelope, shared by every type (schemas/FORMAT.md, event_json.cc).
constexpr std::array<FieldSpec, 9> kEnvelope = {{
    {"seq", C::kId, S::kUnsigned},
    {"event_id", C::kId, S::kUuid},
    {"type", C::kMeta, S::kEventType},
    {"schema_version", C::kMeta, S::kUnsigned},
    {"occurred_at", C::kTime, S::kRfc3339},
    {"recorded_at", C::kTime, S::kRfc3339},
    {"actor", C::kId, S::kText},  // a token id, never a person's name
    {"office", C::kCoarseAttribute, S::kText},
    {"idempotency_key", C::kClientText, S::kText},
}};

constexpr FieldSpec kResident = {"payload.resident_id", C::kId, S::kResidentId};
constexpr FieldSpec kCard = {"payload.card_id", C::kId, S::kCardId};
constexpr FieldSpec kDigest = {"payload.pii_digest", C::kDigest, S::kHex64};
constexpr FieldSpec kDistrict = {"payload.attributes.district",
                                 C::kCoarseAttribute, S::kText};
constexpr FieldSpec kAgeBand = {"payload.attributes.age_band",
                                C::kCoarseAttribute, S::kText};
constexpr FieldSpec kLanguage = {"payload.attributes.language",
                                 C::kCoarseAttribute, S::kText};
constexpr FieldSpec kReasonCode = {"payload.reason", C::kReason, S::kToken};
constexpr FieldSpec kCardType = {"payload.card_type", C::kCoarseAttribute,
                                 S::kToken};
constexpr FieldSpec kIssuedAt = {"payload.issued_at", C::kTime, S::kRfc3339};
constexpr FieldSpec kExpiresAt = {"payload.expires_at", C::kTime, S::kRfc3339};
constexpr FieldSpec kList = {"payload.status_list", C::kId, S::kDecimal};
constexpr FieldSpec kIndex = {"payload.status_index", C::kId, S::kUnsigned};

using Fields = std::vector<FieldSpec>;

Fields WithEnvelope(std::initializer_list<FieldSpec> payload) {
  Fields f(kEnvelope.begin(), kEnvelope.end());
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

const std::map<std::string_view, Fields>& Registry() {
  static const auto* registry = new std::map<std::string_view, Fields>{
      {ResidentEnrolled::kType,
       WithEnvelope({kResident,
                     kDigest,
                     kDistrict,
                     kAgeBand,
                     kLanguage,
                     {"payload.documents[]", C::kCoarseAttribute, S::kToken}})},
      {ResidentUpdated::kType,
       WithEnvelope({kResident, kDigest, kDistrict, kAgeBand, kLanguage})},
      {CardIssued::kType, WithEnvelope({kCard, kResident, kCardType, kIssuedAt,
                                        kExpiresAt, kList, kIndex})},
      {CardRenewed::kType, WithEnvelope({kCard, kResident, kExpiresAt})},
      {CardReplaced::kType,
       WithEnvelope({{"payload.old_card_id", C::kId, S::kCardId},
                     {"payload.new_card_id", C::kId, S::kCardId},
                     kResident,
                     kReasonCode,
                     kCardType,
                     kIssuedAt,
                     kExpiresAt,
                     kList,
                     kIndex})},
      {CardSuspended::kType, WithEnvelope({kCard, kResident, kReasonCode})},
      {CardReinstated::kType, WithEnvelope({kCard, kResident, kReasonCode})},
      {CardRevoked::kType, WithEnvelope({kCard, kResident, kReasonCode})},
      {ResidentErased::kType, WithEnvelope({kResident, kReasonCode})},
      {PiiAccessed::kType,
       WithEnvelope({kResident,
                     {"payload.accessor", C::kId, S::kText},
                     {"payload.purpose", C::kReason, S::kText}})},
  };
  return *registry;
}

constexpr std::array<FieldSpec, 5> kPii = {{
    {"given_name", C::kPii, S::kAbsent},
    {"family_name", C::kPii, S::kAbsent},
    {"date_of_birth", C::kPii, S::kAbsent},
    {"address", C::kPii, S::kAbsent},
    {"phone", C::kPii, S::kAbsent},
}};

// SPEC §2: CloudEvents Kafka binding plus cityid_seq
// (stream/kafka/kafka_common.h).
constexpr std::array<FieldSpec, 7> kHeaders = {{
    {"ce_specversion", C::kMeta, S::kText},
    {"ce_id", C::kId, S::kUuid},
    {"ce_source", C::kId, S::kText},
    {"ce_type", C::kMeta, S::kEventType},
    {"ce_time", C::kTime, S::kRfc3339},
    {"content-type", C::kMeta, S::kText},
    {"cityid_seq", C::kId, S::kDecimal},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

bool AllOf(std::string_view s, bool (*pred)(char)) {
  return std::all_of(s.begin(), s.end(), pred);
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsLowerHex(s[i])) return false;
  }
  return true;
}

bool IsLuhnValid(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool IsToken(std::string_view s) {
  return !s.empty() && s.size() <= 32 && s.front() >= 'a' && s.front() <= 'z' &&
         AllOf(s, [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

// YYYY-MM-DDTHH:MM:SS[.fraction]Z with fields in range (what FormatRfc3339
// writes); checked by hand, since this runs for every time of every event.
bool IsRfc3339(std::string_view s) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (s.size() < kShape.size() + 1 || s.back() != 'Z') return false;
  for (size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !IsDigit(s[i]) : s[i] != kShape[i]) return false;
  }
  auto num = [&](size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); };
  const int month = num(5), day = num(8);
  if (month < 1 || month > 12 || day < 1 || day > 31 || num(11) > 23 ||
      num(14) > 59 || num(17) > 60) {
    return false;
  }
  std::string_view rest = s.substr(kShape.size(), s.size() - kShape.size() - 1);
  if (rest.empty()) return true;
  return rest.size() >= 2 && rest.size() <= 10 && rest[0] == '.' &&
         AllOf(rest.substr(1), IsDigit);
}

bool IsText(std::string_view s) {
  return s.size() <= 256 && AllOf(s, [](char c) {
           const auto u = static_cast<unsigned char>(c);
           return u >= 0x20 && u != 0x7f;
         });
}

// Reads 1..max_digits digits at `i`; returns the count read (0: none).
size_t ReadNumber(std::string_view s, size_t i, size_t max_digits, int* out) {
  size_t n = 0;
  *out = 0;
  while (i + n < s.size() && n < max_digits && IsDigit(s[i + n])) {
    *out = *out * 10 + (s[i + n] - '0');
    ++n;
  }
  return n;
}

bool IsDateSeparator(char c) { return c == '-' || c == '/' || c == '.'; }

// Three numbers joined by one repeated separator, starting at `i`, not glued
// to other digits: a calendar date in any of the common orders?
bool DateAt(std::string_view s, size_t i) {
  int a = 0, b = 0, c = 0;
  const size_t na = ReadNumber(s, i, 4, &a);
  if (na == 0 || i + na >= s.size() || !IsDateSeparator(s[i + na]))
    return false;
  const char sep = s[i + na];
  size_t j = i + na + 1;
  const size_t nb = ReadNumber(s, j, 2, &b);
  if (nb == 0 || j + nb >= s.size() || s[j + nb] != sep) return false;
  j += nb + 1;
  const size_t nc = ReadNumber(s, j, 4, &c);
  if (nc == 0 || (j + nc < s.size() && IsDigit(s[j + nc]))) return false;
  auto year = [](int y) { return y >= 1900 && y <= 2100; };
  auto day = [](int d) { return d >= 1 && d <= 31; };
  auto month = [](int m) { return m >= 1 && m <= 12; };
  if (na == 4 && nc <= 2) return year(a) && month(b) && day(c);
  if (na <= 2 && nc == 4) {
    return year(c) && ((day(a) && month(b)) || (month(a) && day(b)));
  }
  return false;
}

bool IsEmailLocal(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) ||
         c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool IsDomainChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) ||
         c == '.' || c == '-';
}

bool HasEmail(std::string_view s) {
  for (size_t at = s.find('@'); at != std::string_view::npos;
       at = s.find('@', at + 1)) {
    if (at == 0 || !IsEmailLocal(s[at - 1])) continue;
    size_t end = at + 1;
    while (end < s.size() && IsDomainChar(s[end])) ++end;
    std::string_view domain = s.substr(at + 1, end - at - 1);
    const size_t dot = domain.find('.');
    if (dot != std::string_view::npos && dot > 0 && domain.back() != '.')
      return true;
  }
  return false;
}

}  // namespace

std::string_view FieldClassName(FieldClass cls) {
  switch (cls) {
    case C::kId:
      return "id";
    case C::kMeta:
      return "meta";
    case C::kCoarseAttribute:
      return "coarse_attribute";
    case C::kDigest:
      return "digest";
    case C::kTime:
      return "time";
    case C::kReason:
      return "reason";
    case C::kClientText:
      return "client_text";
    case C::kPii:
      return "pii";
  }
  return "unknown";
}

std::span<const FieldSpec> EventFields(std::string_view type) {
  auto it = Registry().find(type);
  if (it == Registry().end()) return {};
  return it->second;
}

std::optional<FieldSpec> FindEventField(std::string_view type,
                                        std::string_view path) {
  for (const FieldSpec& f : EventFields(type)) {
    if (f.path == path) return f;
  }
  return std::nullopt;
}

std::span<const FieldSpec> PiiFields() { return kPii; }

std::span<const FieldSpec> KafkaHeaderFields() { return kHeaders; }

std::optional<FieldSpec> FindKafkaHeader(std::string_view name) {
  for (const FieldSpec& f : kHeaders) {
    if (f.path == name) return f;
  }
  return std::nullopt;
}

bool MatchesShape(FieldShape shape, std::string_view v) {
  switch (shape) {
    case S::kUnsigned:  // JSON numbers are checked by the caller
    case S::kDecimal:
      return !v.empty() && v.size() <= 20 && AllOf(v, IsDigit);
    case S::kUuid:
      return IsUuid(v);
    case S::kResidentId:
      return v.size() == 26 && v.starts_with("r_") &&
             AllOf(v.substr(2), IsLowerHex);
    case S::kCardId:
      return v.size() == 13 && AllOf(v, IsDigit) && IsLuhnValid(v);
    case S::kHex64:
      return v.size() == 64 && AllOf(v, IsLowerHex);
    case S::kRfc3339:
      return IsRfc3339(v);
    case S::kToken:
      return IsToken(v);
    case S::kEventType: {
      const auto& types = AllEventTypes();
      return std::find(types.begin(), types.end(), v) != types.end();
    }
    case S::kText:
      return IsText(v);
    case S::kAbsent:
      return false;
  }
  return false;
}

std::optional<std::string> LooksLikePii(std::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    if (!IsDigit(value[i]) || (i > 0 && IsDigit(value[i - 1]))) continue;
    if (DateAt(value, i)) return "holds a calendar date";
  }
  if (HasEmail(value)) return "holds an e-mail address";
  return std::nullopt;
}

namespace {

bool IsPiiName(std::string_view path) {
  const size_t dot = path.rfind('.');
  std::string_view leaf =
      dot == std::string_view::npos ? path : path.substr(dot + 1);
  if (leaf.ends_with("[]")) leaf.remove_suffix(2);
  return std::any_of(kPii.begin(), kPii.end(),
                     [leaf](const FieldSpec& f) { return f.path == leaf; });
}

std::string_view ShapeName(FieldShape shape) {
  switch (shape) {
    case S::kUnsigned:
      return "unsigned integer";
    case S::kUuid:
      return "uuid";
    case S::kResidentId:
      return "resident id";
    case S::kCardId:
      return "card id";
    case S::kDecimal:
      return "decimal";
    case S::kHex64:
      return "64 hex digits";
    case S::kRfc3339:
      return "RFC 3339 time";
    case S::kToken:
      return "lower-case code";
    case S::kEventType:
      return "event type";
    case S::kText:
      return "printable text";
    case S::kAbsent:
      return "absent";
  }
  return "?";
}

// Checks one leaf value against its spec.
std::optional<FieldFinding> CheckLeaf(const std::string& path,
                                      const std::optional<FieldSpec>& spec,
                                      const boost::json::value& v) {
  if (!spec) {
    if (IsPiiName(path)) return FieldFinding{path, "PII field", true};
    return FieldFinding{path, "unclassified field", false};
  }
  if (spec->cls == C::kPii)
    return FieldFinding{path, "field of class pii", true};
  bool shaped = false;
  if (spec->shape == S::kUnsigned) {
    shaped = v.is_uint64() || (v.is_int64() && v.get_int64() >= 0);
  } else if (v.is_string()) {
    const std::string_view text = v.get_string();
    shaped = MatchesShape(spec->shape, text);
    if (shaped && spec->shape == S::kText) {
      if (auto why = LooksLikePii(text)) return FieldFinding{path, *why, true};
    }
  }
  if (!shaped) {
    return FieldFinding{
        path, "value is not a " + std::string(ShapeName(spec->shape)), false};
  }
  return std::nullopt;
}

void Walk(std::string_view type, const boost::json::object& object,
          const std::string& prefix, std::vector<FieldFinding>& out) {
  for (const auto& [key, value] : object) {
    const std::string path = prefix + std::string(key);
    if (value.is_object()) {
      Walk(type, value.get_object(), path + ".", out);
    } else if (value.is_array()) {
      const std::string item = path + "[]";
      const std::optional<FieldSpec> spec = FindEventField(type, item);
      for (const boost::json::value& v : value.get_array()) {
        if (auto f = CheckLeaf(item, spec, v)) {
          out.push_back(std::move(*f));
          break;  // one finding per array is enough
        }
      }
    } else if (auto f = CheckLeaf(path, FindEventField(type, path), value)) {
      out.push_back(std::move(*f));
    }
  }
}

}  // namespace

std::vector<FieldFinding> CheckEventJson(std::string_view type,
                                         const boost::json::object& event) {
  std::vector<FieldFinding> out;
  Walk(type, event, "", out);
  return out;
}

std::optional<FieldFinding> CheckKafkaHeader(std::string_view name,
                                             std::string_view value) {
  return CheckLeaf(std::string(name), FindKafkaHeader(name),
                   boost::json::value(value));
}

}  // namespace cityid
