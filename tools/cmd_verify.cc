// `cityid verify`: a verifier's check of one card against a signed status
// list (SPEC §5), built only on the embeddable verifier library
// (projections/status_list/verifier.h) and an HTTP client.
//
//   cityid verify --list URL|FILE --key URL|FILE --index N
//                 [--since-file DELTA]... [--compact]
//   cityid verify --card ID --registry URL --token T
//                 --list BASE_URL|FILE --key URL|FILE
//
// Prints one line and exits 0 valid, 1 revoked, 2 suspended, 3 unverifiable
// (bad signature, unknown key, expired or malformed or truncated list, a
// list other than the card's, the index outside the list, a source that
// cannot be read or reached). URLs are http:// only: this build has no TLS
// client; fetch an https list with another tool and pass the file.
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "base/clock.h"
#include "base/http_client.h"
#include "projections/status_list/status_list_jwt.h"
#include "projections/status_list/verifier.h"
#include "tools/commands.h"

namespace cityid {
namespace {
namespace sl = statuslist;

constexpr int kExitUnverifiable = 3;
constexpr std::string_view kListPath = "/v1/status-lists/";

struct VerifyFlags {
  std::string list;
  std::string key;
  int64_t index = -1;
  std::string card;
  std::string registry;
  std::string token;
  std::vector<std::string> since_files;
  bool compact = false;
  int timeout_ms = 10000;
};

struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string target;  // path and query, "/" at least
};

bool IsUrl(const std::string& s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

Result<HttpUrl> ParseUrl(const std::string& url) {
  if (url.rfind("https://", 0) == 0) {
    return InvalidArgument(
        "https is not supported by this build's HTTP client (http:// only); "
        "fetch " +
        url + " with another tool and pass the file");
  }
  if (url.rfind("http://", 0) != 0)
    return InvalidArgument("not an http:// URL: " + url);
  HttpUrl out;
  std::string rest = url.substr(7);
  const size_t slash = rest.find('/');
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  rest = rest.substr(0, slash);
  const size_t colon = rest.rfind(':');
  out.host = rest.substr(0, colon);
  if (colon != std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) > 65535) {
      return InvalidArgument("bad port in " + url);
    }
    out.port = static_cast<uint16_t>(std::stoi(port));
  }
  if (out.host.empty()) return InvalidArgument("no host in " + url);
  return out;
}

Result<std::string> HttpGet(const std::string& url, const HttpHeaders& headers,
                            int timeout_ms) {
  CITYID_ASSIGN_OR_RETURN(HttpUrl u, ParseUrl(url));
  HttpClient client(u.host, u.port);
  Result<HttpResponse> r =
      client.Get(u.target, headers, Micros{timeout_ms} * 1000);
  if (!r.ok())
    return Unavailable("cannot reach " + url + ": " + r.status().message());
  if (r->status == 404) return NotFound(url + " answered 404 (not found)");
  if (r->status != 200) {
    return Unavailable(url + " answered HTTP " + std::to_string(r->status));
  }
  return std::move(r->body);
}

Result<std::string> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<std::string> Fetch(const std::string& source, const HttpHeaders& headers,
                          int timeout_ms) {
  return IsUrl(source) ? HttpGet(source, headers, timeout_ms)
                       : ReadFileBytes(source);
}

// The list id at the end of a ".../v1/status-lists/<id>" path, if any.
std::optional<std::string> ListIdOf(std::string_view path) {
  path = path.substr(0, path.find('?'));
  const size_t at = path.rfind(kListPath);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view id = path.substr(at + kListPath.size());
  if (id.empty() || id.find('/') != std::string_view::npos) return std::nullopt;
  return std::string(id);
}

// Where the card lives: its list (a URL or the --list file) and index.
struct Target {
  std::string list_source;
  std::optional<std::string> list_id;  // the list the index belongs to
  uint64_t index = 0;
  std::string what;  // "index 42" or "card 1234..."
};

Result<Target> LookUpCard(const VerifyFlags& flags) {
  if (flags.registry.empty() || flags.token.empty())
    return InvalidArgument("--card needs --registry URL and --token TOKEN");
  const std::string base =
      flags.registry.back() == '/'
          ? flags.registry.substr(0, flags.registry.size() - 1)
          : flags.registry;
  CITYID_ASSIGN_OR_RETURN(
      std::string body,
      HttpGet(base + "/v1/cards/" + flags.card,
              {{"Authorization", "Bearer " + flags.token}}, flags.timeout_ms));
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  const boost::json::object* card = ec ? nullptr : v.if_object();
  const boost::json::value* path =
      card ? card->if_contains("status_list") : nullptr;
  const boost::json::value* index =
      card ? card->if_contains("status_index") : nullptr;
  if (path == nullptr || !path->is_string() || index == nullptr ||
      !index->is_int64() || index->as_int64() < 0) {
    return Malformed("the registry's answer for card " + flags.card +
                     " has no status_list/status_index");
  }
  Target t;
  t.list_id = ListIdOf(path->as_string());
  if (!t.list_id) return Malformed("the registry named no status list path");
  t.index = static_cast<uint64_t>(index->as_int64());
  t.what = "card " + flags.card;
  t.list_source = flags.list;
  if (IsUrl(flags.list)) {
    CITYID_ASSIGN_OR_RETURN(HttpUrl u, ParseUrl(flags.list));
    t.list_source = "http://" + u.host + ":" + std::to_string(u.port) +
                    std::string(path->as_string());
  }
  return t;
}

Result<Target> ResolveTarget(const VerifyFlags& flags) {
  if (!flags.card.empty()) return LookUpCard(flags);
  if (flags.index < 0) return InvalidArgument("give --index N or --card ID");
  const auto index = static_cast<uint64_t>(flags.index);
  Target t{flags.list, std::nullopt, index, "index " + std::to_string(index)};
  if (IsUrl(flags.list)) t.list_id = ListIdOf(flags.list);
  return t;
}

// The list is the one the index belongs to: compact lists carry their id,
// JWTs their URL in `sub`.
Status CheckListIdentity(const sl::LoadedList& list, const Target& t) {
  if (!t.list_id) return Status::Ok();
  const bool same = list.form() == sl::ListForm::kCompact
                        ? std::to_string(list.list_id()) == *t.list_id
                        : ListIdOf(list.subject()) == t.list_id;
  if (same) return Status::Ok();
  return Conflict("the signed list is not status list " + *t.list_id +
                  " (sub/list id does not match)");
}

// A compact list cut short fails its signature first (the signature is its
// last 64 bytes); its header then tells the clearer story.
Status Diagnose(const Status& failure, std::string_view bytes) {
  if (failure.code() != Code::kUnauthenticated || bytes.empty() ||
      bytes[0] != '\x89') {
    return failure;
  }
  Result<sl::CompactListInfo> info = sl::InspectCompactList(bytes);
  if (info.ok()) return failure;
  return Malformed("the compact list is truncated or corrupt (" +
                   info.status().message() + ")");
}

Result<sl::LoadedList> LoadList(const VerifyFlags& flags, const Target& t,
                                Micros now) {
  CITYID_ASSIGN_OR_RETURN(std::string jwks,
                          Fetch(flags.key, {}, flags.timeout_ms));
  CITYID_ASSIGN_OR_RETURN(sl::Verifier verifier,
                          sl::Verifier::FromJwksJson(jwks));
  const bool compact = flags.compact || !flags.since_files.empty();
  HttpHeaders accept{{"Accept", compact ? std::string(sl::kCompactMediaType)
                                        : "application/statuslist+jwt"}};
  CITYID_ASSIGN_OR_RETURN(std::string bytes,
                          Fetch(t.list_source, accept, flags.timeout_ms));
  Result<sl::LoadedList> loaded = verifier.Load(bytes, now);
  if (!loaded.ok()) return Diagnose(loaded.status(), bytes);
  sl::LoadedList list = std::move(loaded).value();
  for (const std::string& file : flags.since_files) {
    CITYID_ASSIGN_OR_RETURN(std::string delta, ReadFileBytes(file));
    if (Status s = verifier.ApplyDelta(delta, now, &list); !s.ok())
      return Status(s.code(), "delta " + file + ": " + s.message());
  }
  CITYID_RETURN_IF_ERROR(CheckListIdentity(list, t));
  return list;
}

std::string Explain(const Status& s) {
  switch (s.code()) {
    case Code::kUnauthenticated:
      return "bad signature or unknown signing key: " + s.message();
    case Code::kPreconditionFailed:
      return "the list has expired: " + s.message();
    case Code::kMalformed:
    case Code::kTooLarge:
      return "not a valid status list (corrupt or truncated?): " + s.message();
    default:
      return s.message();
  }
}

int Run(const VerifyFlags& flags) {
  const Micros now = SystemClock::Default()->Now();
  Result<Target> target = ResolveTarget(flags);
  Result<sl::LoadedList> list = target.ok()
                                    ? LoadList(flags, *target, now)
                                    : Result<sl::LoadedList>(target.status());
  Result<sl::EntryStatus> status = list.ok()
                                       ? list->Lookup(target->index, now)
                                       : Result<sl::EntryStatus>(list.status());
  if (!status.ok()) {
    std::cout << "unverifiable: " << Explain(status.status()) << std::endl;
    return kExitUnverifiable;
  }
  const std::string index = "index " + std::to_string(target->index) + ", ";
  std::cout << sl::EntryStatusName(*status) << ": " << target->what
            << (target->list_id ? " in status list " + *target->list_id : "")
            << " (" << (flags.card.empty() ? "" : index) << "signed by "
            << list->kid() << ", valid until "
            << sl::FormatUnixSeconds(list->exp()) << ")" << std::endl;
  return static_cast<int>(*status);  // 0 valid, 1 revoked, 2 suspended
}

}  // namespace

void AddVerifyCommand(CLI::App* app) {
  auto flags = std::make_shared<VerifyFlags>();
  CLI::App* cmd = app->add_subcommand(
      "verify",
      "check a card against a signed status list: exit 0 valid, 1 revoked, "
      "2 suspended, 3 unverifiable");
  cmd->add_option("--list", flags->list,
                  "the status list: an http:// URL or a file (with --card: "
                  "the revocations service's base URL, or a file)")
      ->required();
  cmd->add_option("--key", flags->key,
                  "the issuer's JWKS: an http:// URL (/v1/keys) or a file")
      ->required();
  cmd->add_option("--index", flags->index, "the card's status_index");
  cmd->add_option("--card", flags->card,
                  "a card id to look up in the registry instead of --index");
  cmd->add_option("--registry", flags->registry,
                  "the registry's base URL, for --card");
  cmd->add_option("--token", flags->token,
                  "a clerk or auditor bearer token, for --card")
      ->envname("CITYID_TOKEN");
  cmd->add_option("--since-file", flags->since_files,
                  "a signed delta to apply to the (compact) list; repeatable, "
                  "in order");
  cmd->add_flag("--compact", flags->compact,
                "ask the server for the compact form instead of the JWT");
  cmd->add_option("--timeout-ms", flags->timeout_ms, "per HTTP request");
  cmd->callback([flags] { throw CLI::RuntimeError(Run(*flags)); });
}

}  // namespace cityid
