// Internal: small Boost.JSON helpers shared by the JWKS and JWT codecs.
// Boost.JSON is used only through its non-throwing (error_code) calls.
#ifndef CITYID_PROJECTIONS_STATUS_LIST_JSON_UTIL_H_
#define CITYID_PROJECTIONS_STATUS_LIST_JSON_UTIL_H_

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cityid::statuslist::internal {

// Parses `text` as one JSON object; kMalformed (naming `what`) otherwise.
Result<boost::json::object> ParseObject(std::string_view text,
                                        std::string_view what);

// The string member `key`, or nullopt when absent or not a string.
std::optional<std::string> StringMember(const boost::json::object& obj,
                                        std::string_view key);
// The integer member `key` (JSON number without fraction, fits int64), or
// nullopt when absent, fractional or out of range.
std::optional<int64_t> IntMember(const boost::json::object& obj,
                                 std::string_view key);

}  // namespace cityid::statuslist::internal

#endif  // CITYID_PROJECTIONS_STATUS_LIST_JSON_UTIL_H_
