// ProgrammePolicy: the programme's attribute domains (SPEC §11), the one
// vocabulary of districts, age bands, languages and card types that the
// ledger validates against and every projection counts by. It is set once,
// in config section `policy.*` (tools/policy_config.h reads it); no process
// keeps a list of its own.
//
// Each domain is either
//   closed  a configured, non-empty list: the ledger refuses any other value
//           (422 naming the allowed ones) and the statistics count exactly
//           those categories (plus "other" for values an older history holds);
//   open    left unconfigured: the ledger accepts any category-shaped value
//           (IsCategory after trimming) and the statistics learn the
//           categories from the events.
// card_type is never open: SPEC §10 fixes standard|youth|senior as the API's
// card types, so an unconfigured card_type domain means exactly those three
// and a configured one may only narrow them (each card type needs its
// validity, card.<type>_days).
//
// Plain values; thread-compatible.
#ifndef CITYID_SCHEMAS_POLICY_H_
#define CITYID_SCHEMAS_POLICY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "schemas/event.h"

namespace cityid {

// The longest attribute value, in bytes.
inline constexpr size_t kMaxCategoryBytes = 64;

// True for a value a domain and the stats store can hold: 1-64 bytes, no
// leading or trailing space or tab, no control character, no '/' (the stats
// store's key separator) and no ',' (the separator of config lists and of
// query parameters).
bool IsCategory(std::string_view value);
// `value` without leading and trailing spaces and tabs.
std::string_view TrimCategory(std::string_view value);

// One attribute domain: closed when `values` is non-empty, open otherwise.
struct AttributeDomain {
  std::vector<std::string> values;  // in display order

  bool closed() const { return !values.empty(); }
  // True for a closed domain holding `value`, and for any category-shaped
  // value of an open one.
  bool Allows(std::string_view value) const;
  bool operator==(const AttributeDomain&) const = default;
};

struct ProgrammePolicy {
  AttributeDomain districts;
  AttributeDomain age_bands;
  AttributeDomain languages;
  AttributeDomain card_types;  // empty: ApiCardTypes()

  // standard, youth, senior (SPEC §10).
  static const std::vector<std::string>& ApiCardTypes();

  // kInvalidArgument naming the domain for a configured value that is not
  // IsCategory, is repeated, or (card types) is not one of ApiCardTypes().
  Status Check() const;

  // The attributes trimmed, or kInvalidArgument naming the field: empty,
  // too long or malformed (not IsCategory once trimmed; the message never
  // echoes the value), or outside a closed domain (the message names the
  // allowed values, which are configuration, not resident data).
  Result<Attributes> Normalize(const Attributes& attributes) const;
  // kInvalidArgument naming the allowed card types unless `card_type` is
  // one of them.
  Status CheckCardType(std::string_view card_type) const;
  // The card types the ledger issues: card_types, or ApiCardTypes() when
  // unconfigured.
  const std::vector<std::string>& AllowedCardTypes() const;

  // The name ("district", "age_band", "language") of the first open
  // attribute domain, or nullopt when all are closed.
  std::optional<std::string> FirstOpenDomain() const;

  bool operator==(const ProgrammePolicy&) const = default;
};

}  // namespace cityid

#endif  // CITYID_SCHEMAS_POLICY_H_
