// Bearer-token authentication and role authorization (SPEC §3).
//
// A token is "cid_" followed by 32 base64url characters (24 random bytes).
// The server never stores a token: a TokenStore holds, per token, its id
// (what events record as `actor`), the lower-case hex SHA-256 of the token
// text, and its roles. Presented tokens are hashed and compared with every
// record in constant time.
//
// Threading: a TokenStore is immutable after construction; all calls are
// safe from any thread.
#ifndef CITYID_API_AUTH_H_
#define CITYID_API_AUTH_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_server.h"
#include "base/status.h"

namespace cityid {

enum class Role {
  kClerk,
  kSupervisor,
  kAuditor,
  kAnalyst,
  kProjection,
  kAdmin
};

// "clerk", "supervisor", "auditor", "analyst", "projection", "admin".
std::string_view RoleName(Role role);
// kInvalidArgument for an unknown name.
Result<Role> ParseRole(std::string_view name);
const std::vector<Role>& AllRoles();

struct TokenRecord {
  std::string id;          // e.g. "clerk-1"; recorded as the event actor
  std::string sha256_hex;  // HashToken(token)
  std::vector<Role> roles;
};

struct Principal {
  std::string token_id;
  std::vector<Role> roles;
  bool Has(Role role) const;
};

struct MintedToken {
  std::string token;   // plaintext: show once, never store server-side
  TokenRecord record;  // what the server stores
};

// Lower-case hex SHA-256 of the token text.
std::string HashToken(std::string_view token);
// A fresh random token and its record.
MintedToken MintToken(std::string id, std::vector<Role> roles);

class TokenStore {
 public:
  TokenStore() = default;  // empty: every request is 401

  // kInvalidArgument for an empty or repeated id, a hash that is not 64 hex
  // characters, a repeated hash, or a record without roles.
  static Result<TokenStore> FromRecords(std::vector<TokenRecord> records);
  // JSON: [{"id": "...", "sha256": "<hex>", "roles": ["clerk", ...]}, ...].
  // kMalformed for bad JSON, kInvalidArgument as FromRecords.
  static Result<TokenStore> FromJson(std::string_view json);
  static std::string ToJson(const std::vector<TokenRecord>& records);

  // The principal of an `Authorization` header value ("Bearer cid_..."):
  // kUnauthenticated when empty, not a bearer token, or unknown.
  Result<Principal> Authenticate(std::string_view authorization) const;

  // Authenticates the request and checks it holds at least one of
  // `any_of`: kUnauthenticated (401) or kPermissionDenied (403).
  Result<Principal> Authorize(const HttpRequest& request,
                              std::initializer_list<Role> any_of) const;

  const std::vector<TokenRecord>& records() const { return records_; }

 private:
  std::vector<TokenRecord> records_;
};

}  // namespace cityid

#endif  // CITYID_API_AUTH_H_
