#include "projections/status_list/json_util.h"

#include <cmath>

namespace cityid::statuslist::internal {

Result<boost::json::object> ParseObject(std::string_view text,
                                        std::string_view what) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec)
    return Malformed(std::string(what) + " is not valid JSON: " + ec.message());
  if (!value.is_object())
    return Malformed(std::string(what) + " is not a JSON object");
  return std::move(value.as_object());
}

std::optional<std::string> StringMember(const boost::json::object& obj,
                                        std::string_view key) {
  const boost::json::value* v = obj.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<int64_t> IntMember(const boost::json::object& obj,
                                 std::string_view key) {
  const boost::json::value* v = obj.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) {
    const uint64_t u = v->get_uint64();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v->is_double()) {
    // JWT NumericDate may be written as 1.7e9; accept whole values only.
    const double d = v->get_double();
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e15) {
      return std::nullopt;
    }
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

}  // namespace cityid::statuslist::internal
