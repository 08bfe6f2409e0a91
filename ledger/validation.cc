// Field validation for commands (declared in ledger/aggregates.h).
// Messages name fields, never values: a value may be PII.
#include <algorithm>
#include <array>

#include "ledger/aggregates.h"

namespace cityid {
namespace {

constexpr size_t kMaxPiiValueBytes = 256;
constexpr size_t kMaxTokenBytes = 32;
constexpr size_t kMaxDocuments = 16;
constexpr std::array<std::string_view, 3> kRequiredPii = {
    "given_name", "family_name", "date_of_birth"};
constexpr Micros kEarliestBirth =
    -2208988800LL * kMicrosPerSecond;  // 1900-01-01

bool HasControlChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t'; });
}

bool InPolicy(const DecideEnv& env, std::string_view field) {
  return std::find(env.pii_fields.begin(), env.pii_fields.end(), field) !=
         env.pii_fields.end();
}

// A lowercase token: [a-z][a-z_]*, no digits (document kinds and reasons
// must never carry a number).
bool IsToken(std::string_view s) {
  if (s.empty() || s.size() > kMaxTokenBytes || s.front() < 'a' ||
      s.front() > 'z') {
    return false;
  }
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

Status ValidateDateOfBirth(const std::string& value, Micros now) {
  static constexpr std::string_view kShape = "dddd-dd-dd";
  bool shaped = value.size() == kShape.size();
  for (size_t i = 0; shaped && i < value.size(); ++i) {
    bool digit = value[i] >= '0' && value[i] <= '9';
    shaped = kShape[i] == 'd' ? digit : value[i] == '-';
  }
  Result<Micros> date =
      shaped ? ParseDate(value) : Result<Micros>(InvalidArgument("shape"));
  if (!date.ok())
    return InvalidArgument("pii.date_of_birth must be a real YYYY-MM-DD date");
  if (*date > now) return InvalidArgument("pii.date_of_birth is in the future");
  if (*date < kEarliestBirth)
    return InvalidArgument("pii.date_of_birth is before 1900");
  return Status::Ok();
}

}  // namespace

Status ValidatePii(const PiiRecord& pii, const DecideEnv& env) {
  for (const auto& [field, value] : pii) {
    if (!InPolicy(env, field)) {
      // Field names come from the client; echo only well-formed ones.
      return InvalidArgument(IsToken(field)
                                 ? "pii field " + field +
                                       " is not collected by this programme"
                                 : "pii field not collected by this programme");
    }
    if (value.empty() || IsBlank(value))
      return InvalidArgument("pii." + field + " is empty");
    if (value.size() > kMaxPiiValueBytes) {
      return InvalidArgument("pii." + field + " is too long");
    }
    if (HasControlChar(value)) {
      return InvalidArgument("pii." + field + " has control characters");
    }
  }
  for (std::string_view field : kRequiredPii) {
    if (InPolicy(env, field) && !pii.contains(std::string(field))) {
      return InvalidArgument("pii." + std::string(field) + " is required");
    }
  }
  auto dob = pii.find("date_of_birth");
  if (dob != pii.end()) return ValidateDateOfBirth(dob->second, env.now);
  return Status::Ok();
}

Result<Attributes> ValidateAttributes(const Attributes& a,
                                      const ProgrammePolicy& policy) {
  return policy.Normalize(a);
}

Status ValidateDocuments(const std::vector<std::string>& documents) {
  if (documents.size() > kMaxDocuments)
    return InvalidArgument("too many documents");
  for (const std::string& kind : documents) {
    if (!IsToken(kind)) {
      return InvalidArgument(
          "documents are recorded by kind only: lowercase words such as "
          "passport or "
          "utility_bill, never numbers");
    }
  }
  return Status::Ok();
}

Status ValidateReason(std::string_view reason) {
  if (reason.empty()) return InvalidArgument("reason is required");
  if (!IsToken(reason)) {
    return InvalidArgument(
        "reason must be a short lowercase code such as lost or fraud");
  }
  return Status::Ok();
}

Status ValidateEnroll(const EnrollCommand& cmd, const DecideEnv& env) {
  CITYID_RETURN_IF_ERROR(ValidatePii(cmd.pii, env));
  CITYID_RETURN_IF_ERROR(
      ValidateAttributes(cmd.attributes, env.policy).status());
  return ValidateDocuments(cmd.documents);
}

}  // namespace cityid
