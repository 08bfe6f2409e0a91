#include "api/auth.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "base/bytes.h"

namespace cityid {
namespace {

namespace json = boost::json;

constexpr std::string_view kTokenPrefix = "cid_";
constexpr size_t kTokenRandomBytes = 24;  // 32 base64url characters

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

Result<TokenRecord> RecordFromJson(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr) return InvalidArgument("token record is not an object");
  const json::value* id = o->if_contains("id");
  const json::value* hash = o->if_contains("sha256");
  const json::value* roles = o->if_contains("roles");
  if (!id || !id->is_string() || !hash || !hash->is_string() || !roles ||
      !roles->is_array()) {
    return InvalidArgument(
        "token record needs string id, string sha256 and array roles");
  }
  TokenRecord record{
      std::string(id->get_string()), std::string(hash->get_string()), {}};
  for (const json::value& r : roles->get_array()) {
    if (!r.is_string()) return InvalidArgument("token role is not a string");
    CITYID_ASSIGN_OR_RETURN(Role role, ParseRole(r.get_string()));
    record.roles.push_back(role);
  }
  return record;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kClerk:
      return "clerk";
    case Role::kSupervisor:
      return "supervisor";
    case Role::kAuditor:
      return "auditor";
    case Role::kAnalyst:
      return "analyst";
    case Role::kProjection:
      return "projection";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

const std::vector<Role>& AllRoles() {
  static const std::vector<Role> kRoles = {Role::kClerk,      Role::kSupervisor,
                                           Role::kAuditor,    Role::kAnalyst,
                                           Role::kProjection, Role::kAdmin};
  return kRoles;
}

Result<Role> ParseRole(std::string_view name) {
  for (Role r : AllRoles()) {
    if (RoleName(r) == name) return r;
  }
  return InvalidArgument("unknown role '" + std::string(name) + "'");
}

bool Principal::Has(Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string HashToken(std::string_view token) {
  return HexEncode(Sha256String(token));
}

MintedToken MintToken(std::string id, std::vector<Role> roles) {
  MintedToken out;
  out.token = std::string(kTokenPrefix) +
              Base64UrlEncode(RandomBytes(kTokenRandomBytes));
  out.record = {std::move(id), HashToken(out.token), std::move(roles)};
  return out;
}

Result<TokenStore> TokenStore::FromRecords(std::vector<TokenRecord> records) {
  std::set<std::string> ids, hashes;
  for (const TokenRecord& r : records) {
    if (r.id.empty()) return InvalidArgument("token record with an empty id");
    if (r.sha256_hex.size() != 64 || !IsLowerHex(r.sha256_hex)) {
      return InvalidArgument("token " + r.id +
                             ": sha256 must be 64 lower-case hex characters");
    }
    if (r.roles.empty())
      return InvalidArgument("token " + r.id + " has no roles");
    if (!ids.insert(r.id).second)
      return InvalidArgument("token id repeated: " + r.id);
    if (!hashes.insert(r.sha256_hex).second) {
      return InvalidArgument("token hash repeated (token " + r.id + ")");
    }
  }
  TokenStore store;
  store.records_ = std::move(records);
  return store;
}

Result<TokenStore> TokenStore::FromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Malformed("token file is not JSON: " + ec.message());
  if (!v.is_array())
    return InvalidArgument("token file must hold a JSON array");
  std::vector<TokenRecord> records;
  for (const json::value& item : v.get_array()) {
    CITYID_ASSIGN_OR_RETURN(TokenRecord r, RecordFromJson(item));
    records.push_back(std::move(r));
  }
  return FromRecords(std::move(records));
}

std::string TokenStore::ToJson(const std::vector<TokenRecord>& records) {
  json::array out;
  for (const TokenRecord& r : records) {
    json::array roles;
    for (Role role : r.roles) roles.emplace_back(RoleName(role));
    out.push_back(
        json::object{{"id", r.id}, {"sha256", r.sha256_hex}, {"roles", roles}});
  }
  return json::serialize(out);
}

Result<Principal> TokenStore::Authenticate(
    std::string_view authorization) const {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) {
    return Status(Code::kUnauthenticated, "a bearer token is required");
  }
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        kScheme[i]) {
      return Status(Code::kUnauthenticated, "a bearer token is required");
    }
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  const std::string presented = HashToken(token);
  // Compare with every record, without stopping early, so timing reveals
  // neither which record matched nor how much of a hash did.
  const TokenRecord* found = nullptr;
  for (const TokenRecord& r : records_) {
    if (ConstantTimeEquals(presented, r.sha256_hex)) found = &r;
  }
  if (found == nullptr)
    return Status(Code::kUnauthenticated, "unknown bearer token");
  return Principal{found->id, found->roles};
}

Result<Principal> TokenStore::Authorize(
    const HttpRequest& request, std::initializer_list<Role> any_of) const {
  CITYID_ASSIGN_OR_RETURN(Principal p,
                          Authenticate(request.Header("Authorization")));
  for (Role r : any_of) {
    if (p.Has(r)) return p;
  }
  std::string need;
  for (Role r : any_of)
    need += (need.empty() ? "" : " or ") + std::string(RoleName(r));
  return Status(Code::kPermissionDenied,
                "token " + p.token_id + " lacks the role " + need);
}

}  // namespace cityid
