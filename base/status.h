// Status and Result<T>: the one way cityid reports expected outcomes.
//
// Expected outcomes (not found, conflict, invalid input, unavailable, ...)
// are values, never exceptions. A Status is [[nodiscard]]: ignoring one is a
// compile warning; call PermitUnchecked() to ignore one deliberately
// (greppable). api/ maps each Code to one HTTP status in a single table
// (api/problem.cc).
#ifndef CITYID_BASE_STATUS_H_
#define CITYID_BASE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cityid {

enum class Code : int {
  kOk = 0,
  kInvalidArgument,      // validation failed (HTTP 422)
  kMalformed,            // request could not be parsed (HTTP 400)
  kNotFound,             // unknown id (HTTP 404)
  kConflict,             // state conflict (HTTP 409)
  kGone,                 // existed but was erased (HTTP 410)
  kPreconditionFailed,   // stale If-Match version (HTTP 412)
  kTooLarge,             // body or header over its limit (HTTP 413)
  kIdempotencyMismatch,  // same Idempotency-Key, other body (HTTP 422)
  kUnauthenticated,      // no or unknown token (HTTP 401)
  kPermissionDenied,     // token lacks the role (HTTP 403)
  kUnavailable,          // storage/broker down, try again (HTTP 503)
  kCorruption,           // stored bytes fail their checksum or decoding
  kInternal,             // a bug: an invariant broke
};

// Stable lower_snake name of a code, e.g. "not_found".
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not_found: resident r_123 does not exist"
  std::string ToString() const;

  // Marks a deliberate ignore of this status.
  void PermitUnchecked() const {}

  bool operator==(const Status& o) const {
    return code_ == o.code_ && message_ == o.message_;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) {
  return {Code::kInvalidArgument, std::move(m)};
}
inline Status Malformed(std::string m) {
  return {Code::kMalformed, std::move(m)};
}
inline Status NotFound(std::string m) {
  return {Code::kNotFound, std::move(m)};
}
inline Status Conflict(std::string m) {
  return {Code::kConflict, std::move(m)};
}
inline Status Gone(std::string m) { return {Code::kGone, std::move(m)}; }
inline Status PreconditionFailed(std::string m) {
  return {Code::kPreconditionFailed, std::move(m)};
}
inline Status TooLarge(std::string m) {
  return {Code::kTooLarge, std::move(m)};
}
inline Status Unavailable(std::string m) {
  return {Code::kUnavailable, std::move(m)};
}
inline Status Corruption(std::string m) {
  return {Code::kCorruption, std::move(m)};
}
inline Status Internal(std::string m) {
  return {Code::kInternal, std::move(m)};
}

// Result<T>: a T or a non-OK Status (absl::StatusOr-style).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace cityid

#define CITYID_CONCAT_INNER_(a, b) a##b
#define CITYID_CONCAT_(a, b) CITYID_CONCAT_INNER_(a, b)

#define CITYID_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::cityid::Status cityid_status_ = (expr);        \
    if (!cityid_status_.ok()) return cityid_status_; \
  } while (0)

#define CITYID_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#define CITYID_ASSIGN_OR_RETURN(lhs, expr)                                     \
  CITYID_ASSIGN_OR_RETURN_IMPL_(CITYID_CONCAT_(cityid_result_, __LINE__), lhs, \
                                expr)

#endif  // CITYID_BASE_STATUS_H_
