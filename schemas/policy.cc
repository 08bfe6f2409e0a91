#include "schemas/policy.h"

#include <algorithm>
#include <unordered_set>

namespace cityid {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string Join(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) {
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

Status CheckDomain(std::string_view name, const AttributeDomain& domain) {
  std::unordered_set<std::string> seen;
  for (const std::string& v : domain.values) {
    if (!IsCategory(v)) {
      return InvalidArgument("policy." + std::string(name) + ": '" + v +
                             "' is not a category (1-64 bytes, no control "
                             "characters, '/' or ',', no outer spaces)");
    }
    if (!seen.insert(v).second) {
      return InvalidArgument("policy." + std::string(name) + ": '" + v +
                             "' is repeated");
    }
  }
  return Status::Ok();
}

// The trimmed value of attributes.<field>, checked against `domain`.
Result<std::string> NormalizeOne(std::string_view field,
                                 const AttributeDomain& domain,
                                 std::string_view raw) {
  const std::string_view value = TrimCategory(raw);
  const std::string name = "attributes." + std::string(field);
  if (value.empty()) return InvalidArgument(name + " is required");
  if (value.size() > kMaxCategoryBytes) {
    return InvalidArgument(name + " is longer than 64 bytes");
  }
  if (!IsCategory(value)) {
    return InvalidArgument(name +
                           " is malformed (no control characters, '/' or "
                           "',')");
  }
  if (!domain.Allows(value)) {
    return InvalidArgument(name + " must be one of: " + Join(domain.values));
  }
  return std::string(value);
}

}  // namespace

std::string_view TrimCategory(std::string_view value) {
  while (!value.empty() && IsSpace(value.front())) value.remove_prefix(1);
  while (!value.empty() && IsSpace(value.back())) value.remove_suffix(1);
  return value;
}

bool IsCategory(std::string_view value) {
  if (value.empty() || value.size() > kMaxCategoryBytes) return false;
  if (IsSpace(value.front()) || IsSpace(value.back())) return false;
  return std::none_of(value.begin(), value.end(), [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return u < 0x20 || u == 0x7f || ch == '/' || ch == ',';
  });
}

bool AttributeDomain::Allows(std::string_view value) const {
  if (!closed()) return IsCategory(value);
  return std::find(values.begin(), values.end(), value) != values.end();
}

const std::vector<std::string>& ProgrammePolicy::ApiCardTypes() {
  static const std::vector<std::string> kTypes = {"standard", "youth",
                                                  "senior"};
  return kTypes;
}

Status ProgrammePolicy::Check() const {
  CITYID_RETURN_IF_ERROR(CheckDomain("districts", districts));
  CITYID_RETURN_IF_ERROR(CheckDomain("age_bands", age_bands));
  CITYID_RETURN_IF_ERROR(CheckDomain("languages", languages));
  CITYID_RETURN_IF_ERROR(CheckDomain("card_types", card_types));
  const std::vector<std::string>& api = ApiCardTypes();
  for (const std::string& t : card_types.values) {
    if (std::find(api.begin(), api.end(), t) == api.end()) {
      return InvalidArgument("policy.card_types: '" + t +
                             "' is not a card type; the card types are " +
                             Join(api));
    }
  }
  return Status::Ok();
}

Result<Attributes> ProgrammePolicy::Normalize(const Attributes& a) const {
  Attributes out;
  CITYID_ASSIGN_OR_RETURN(out.district,
                          NormalizeOne("district", districts, a.district));
  CITYID_ASSIGN_OR_RETURN(out.age_band,
                          NormalizeOne("age_band", age_bands, a.age_band));
  CITYID_ASSIGN_OR_RETURN(out.language,
                          NormalizeOne("language", languages, a.language));
  return out;
}

const std::vector<std::string>& ProgrammePolicy::AllowedCardTypes() const {
  return card_types.closed() ? card_types.values : ApiCardTypes();
}

Status ProgrammePolicy::CheckCardType(std::string_view card_type) const {
  const std::vector<std::string>& allowed = AllowedCardTypes();
  if (std::find(allowed.begin(), allowed.end(), card_type) != allowed.end()) {
    return Status::Ok();
  }
  return InvalidArgument("card_type must be one of: " + Join(allowed));
}

std::optional<std::string> ProgrammePolicy::FirstOpenDomain() const {
  if (!districts.closed()) return "district";
  if (!age_bands.closed()) return "age_band";
  if (!languages.closed()) return "language";
  return std::nullopt;
}

}  // namespace cityid
