#include "api/ledger_routes.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "api/ledger_json.h"
#include "api/problem.h"
#include "base/bytes.h"

namespace cityid {
namespace {

namespace json = boost::json;
using Steady = std::chrono::steady_clock;
using Render = std::function<HttpResponse(const CommandResult&)>;

constexpr std::initializer_list<Role> kClerk = {Role::kClerk,
                                                Role::kSupervisor};
constexpr std::initializer_list<Role> kSupervisor = {Role::kSupervisor};
constexpr std::initializer_list<Role> kFeed = {Role::kAuditor,
                                               Role::kProjection};

HttpResponse Json(int status, const json::object& body) {
  return JsonResponse(status, json::serialize(body));
}

Status ValidateIdempotencyKey(std::string_view key) {
  const bool ok = !key.empty() && key.size() <= 255 &&
                  std::all_of(key.begin(), key.end(),
                              [](char c) { return c > 0x20 && c < 0x7f; });
  return ok ? Status::Ok()
            : InvalidArgument(
                  "Idempotency-Key must be 1-255 visible ASCII characters");
}

Result<uint64_t> QueryNumber(const std::map<std::string, std::string>& query,
                             const std::string& key, uint64_t fallback) {
  auto it = query.find(key);
  if (it == query.end()) return fallback;
  const std::string& v = it->second;
  if (v.empty() || v.size() > 19 ||
      !std::all_of(v.begin(), v.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidArgument(key + " must be a non-negative integer");
  }
  return static_cast<uint64_t>(std::stoull(v));
}

class LedgerApi : public std::enable_shared_from_this<LedgerApi> {
 public:
  LedgerApi(Ledger& ledger, const TokenStore& tokens, Metrics& metrics,
            LedgerRoutesOptions options)
      : ledger_(ledger),
        tokens_(tokens),
        metrics_(metrics),
        options_(options) {}

  void Register(Router& router);

 private:
  using Method = void (LedgerApi::*)(const HttpRequest&, const RouteParams&,
                                     Responder);
  void Add(Router& router, const char* method, const char* pattern, Method m) {
    router.Add(method, pattern,
               [self = shared_from_this(), m](const HttpRequest& req,
                                              const RouteParams& params,
                                              Responder respond) {
                 ((*self).*m)(req, params, std::move(respond));
               });
  }

  std::optional<CommandContext> Begin(const HttpRequest& req,
                                      std::initializer_list<Role> roles,
                                      bool mutating, Responder& respond) const;
  void Run(std::string_view name, Command cmd, CommandContext ctx,
           Responder respond, Render render);

  void Enroll(const HttpRequest& req, const RouteParams& p, Responder respond);
  void ReadResident(const HttpRequest& req, const RouteParams& p,
                    Responder respond);
  void UpdateResident(const HttpRequest& req, const RouteParams& p,
                      Responder respond);
  void Erase(const HttpRequest& req, const RouteParams& p, Responder respond);
  void Issue(const HttpRequest& req, const RouteParams& p, Responder respond);
  void Renew(const HttpRequest& req, const RouteParams& p, Responder respond);
  void Suspend(const HttpRequest& req, const RouteParams& p,
               Responder respond) {
    CardAct(CardAction::kSuspend, kSupervisor, req, p, std::move(respond));
  }
  void Reinstate(const HttpRequest& req, const RouteParams& p,
                 Responder respond) {
    CardAct(CardAction::kReinstate, kClerk, req, p, std::move(respond));
  }
  void Revoke(const HttpRequest& req, const RouteParams& p, Responder respond) {
    CardAct(CardAction::kRevoke, kSupervisor, req, p, std::move(respond));
  }
  void CardAct(CardAction action, std::initializer_list<Role> roles,
               const HttpRequest& req, const RouteParams& p, Responder respond);
  void Replace(const HttpRequest& req, const RouteParams& p, Responder respond);
  void Events(const HttpRequest& req, const RouteParams& p, Responder respond);
  void Poll(uint64_t after, size_t limit, Steady::time_point deadline,
            std::shared_ptr<const std::atomic<bool>> stopping,
            Responder respond);
  void AnswerFeed(uint64_t after, size_t limit, const Responder& respond) const;
  void Position(const HttpRequest& req, const RouteParams& p,
                Responder respond);
  void Health(const HttpRequest& req, const RouteParams& p, Responder respond);
  void Ready(const HttpRequest& req, const RouteParams& p, Responder respond);
  void RegisterWriterMetrics();
  void MetricsPage(const HttpRequest& req, const RouteParams& p,
                   Responder respond);

  Ledger& ledger_;
  const TokenStore& tokens_;
  Metrics& metrics_;
  const LedgerRoutesOptions options_;
};

void LedgerApi::Register(Router& router) {
  Add(router, "POST", "/v1/residents", &LedgerApi::Enroll);
  Add(router, "GET", "/v1/residents/{id}", &LedgerApi::ReadResident);
  Add(router, "PATCH", "/v1/residents/{id}", &LedgerApi::UpdateResident);
  Add(router, "POST", "/v1/residents/{id}/erase", &LedgerApi::Erase);
  Add(router, "POST", "/v1/cards", &LedgerApi::Issue);
  Add(router, "POST", "/v1/cards/{id}/renew", &LedgerApi::Renew);
  Add(router, "POST", "/v1/cards/{id}/suspend", &LedgerApi::Suspend);
  Add(router, "POST", "/v1/cards/{id}/reinstate", &LedgerApi::Reinstate);
  Add(router, "POST", "/v1/cards/{id}/revoke", &LedgerApi::Revoke);
  Add(router, "POST", "/v1/cards/{id}/replace", &LedgerApi::Replace);
  Add(router, "GET", "/v1/events", &LedgerApi::Events);
  Add(router, "GET", "/v1/position", &LedgerApi::Position);
  Add(router, "GET", "/healthz", &LedgerApi::Health);
  Add(router, "GET", "/readyz", &LedgerApi::Ready);
  Add(router, "GET", "/metrics", &LedgerApi::MetricsPage);
  Ledger* ledger = &ledger_;
  metrics_.SetGaugeCallback(
      "cityid_ledger_last_seq", "Last durable seq of the ledger",
      [ledger] { return static_cast<double>(ledger->LastSeq()); });
  metrics_.SetGaugeCallback(
      "cityid_ledger_ready", "1 while the ledger accepts writes",
      [ledger] { return ledger->Ready().ok() ? 1.0 : 0.0; });
  RegisterWriterMetrics();
}

// The writer thread's account (ledger/ledger.h WriterStats): what each
// command costs the one thread that cannot be parallelized.
void LedgerApi::RegisterWriterMetrics() {
  Ledger* ledger = &ledger_;
  auto stat = [ledger](uint64_t WriterStats::*field, double scale) {
    return [ledger, field, scale] {
      return static_cast<double>(ledger->GetWriterStats().*field) * scale;
    };
  };
  metrics_.SetGaugeCallback("cityid_ledger_writer_commands",
                            "Commands decided by the writer thread",
                            stat(&WriterStats::commands, 1));
  metrics_.SetGaugeCallback("cityid_ledger_writer_batches",
                            "Group commits the writer thread attempted",
                            stat(&WriterStats::batches, 1));
  metrics_.SetGaugeCallback(
      "cityid_ledger_writer_decide_seconds",
      "Writer thread time outside synced writes and publishing",
      stat(&WriterStats::decide_nanos, 1e-9));
  metrics_.SetGaugeCallback("cityid_ledger_writer_write_seconds",
                            "Writer thread time in synced RocksDB writes",
                            stat(&WriterStats::write_nanos, 1e-9));
  metrics_.SetGaugeCallback(
      "cityid_ledger_writer_publish_seconds",
      "Writer thread time waiting for the publisher (Kafka commits)",
      stat(&WriterStats::publish_nanos, 1e-9));
  metrics_.SetGaugeCallback(
      "cityid_ledger_writer_micros_per_command",
      "Mean writer thread time per command outside the waits, since start",
      [ledger] {
        WriterStats s = ledger->GetWriterStats();
        return s.commands == 0 ? 0.0
                               : static_cast<double>(s.decide_nanos) / 1e3 /
                                     static_cast<double>(s.commands);
      });
}

// Authorizes and builds the command context from the request's headers; on
// failure answers and returns nullopt.
std::optional<CommandContext> LedgerApi::Begin(
    const HttpRequest& req, std::initializer_list<Role> roles, bool mutating,
    Responder& respond) const {
  auto principal = tokens_.Authorize(req, roles);
  if (!principal.ok()) {
    respond(ProblemResponse(principal.status()));
    return std::nullopt;
  }
  CommandContext ctx;
  ctx.actor = principal->token_id;
  ctx.office = req.Header("X-Office");
  if (!mutating) return ctx;
  ctx.idempotency_key = req.Header("Idempotency-Key");
  if (!ctx.idempotency_key.empty()) {
    if (Status s = ValidateIdempotencyKey(ctx.idempotency_key); !s.ok()) {
      respond(ProblemResponse(s));
      return std::nullopt;
    }
    ctx.request_hash =
        HexEncode(Sha256String(req.method + "\n" + req.path + "\n" + req.body));
  }
  auto if_match = ParseIfMatch(req.Header("If-Match"));
  if (!if_match.ok()) {
    respond(ProblemResponse(if_match.status()));
    return std::nullopt;
  }
  ctx.if_match = *if_match;
  return ctx;
}

// Submits; the callback runs on the ledger's writer thread after fsync.
void LedgerApi::Run(std::string_view name, Command cmd, CommandContext ctx,
                    Responder respond, Render render) {
  ledger_.Submit(
      std::move(cmd), std::move(ctx),
      [self = shared_from_this(), name, respond = std::move(respond),
       render = std::move(render)](Result<CommandResult> r) {
        const std::string outcome =
            !r.ok() ? std::string(CodeName(r.status().code()))
                    : (r->replayed ? "replayed" : "ok");
        self->metrics_
            .GetCounter("cityid_ledger_commands_total",
                        "Ledger commands answered, by command and outcome",
                        {{"command", std::string(name)}, {"outcome", outcome}})
            .Inc();
        if (!r.ok()) return respond(ProblemResponse(r.status()));
        HttpResponse res = render(*r);
        if (r->replayed) res.headers["Idempotent-Replayed"] = "true";
        respond(std::move(res));
      });
}

// Either step failed: answer the problem.
#define CITYID_ANSWER_IF_ERROR(respond, expr)                 \
  do {                                                        \
    ::cityid::Status cityid_answer_status_ = (expr);          \
    if (!cityid_answer_status_.ok()) {                        \
      return respond(ProblemResponse(cityid_answer_status_)); \
    }                                                         \
  } while (0)

HttpResponse ResidentAck(int status, const CommandResult& r,
                         const std::string& resident_id) {
  HttpResponse res =
      Json(status,
           {{"resident_id", resident_id.empty() ? r.resident_id : resident_id},
            {"version", r.version},
            {"seq", r.seq}});
  res.headers["ETag"] = VersionETag(r.version);
  return res;
}

// The card the command returned, its seq, and `extra` fields.
HttpResponse CardAck(int status, const CommandResult& r,
                     const json::object& extra = {}) {
  if (!r.card)
    return ProblemResponse(Internal("card command returned no card"));
  json::object body = CardJson(*r.card);
  body["seq"] = r.seq;
  for (const auto& kv : extra) body[kv.key()] = kv.value();
  HttpResponse res = Json(status, body);
  res.headers["ETag"] = VersionETag(r.card->version);
  return res;
}

void LedgerApi::Enroll(const HttpRequest& req, const RouteParams&,
                       Responder respond) {
  auto ctx = Begin(req, kClerk, true, respond);
  if (!ctx) return;
  std::string office;
  auto cmd = ParseEnrollBody(req.body, &office);
  CITYID_ANSWER_IF_ERROR(respond, cmd.status());
  if (!office.empty()) ctx->office = office;
  Run("enroll", std::move(cmd).value(), std::move(*ctx), std::move(respond),
      [](const CommandResult& r) { return ResidentAck(201, r, ""); });
}

void LedgerApi::ReadResident(const HttpRequest& req, const RouteParams& p,
                             Responder respond) {
  auto ctx = Begin(req, kClerk, false, respond);
  if (!ctx) return;
  const std::string purpose = req.Header("X-Purpose");
  if (purpose.empty()) {
    return respond(
        ProblemResponse(InvalidArgument("the X-Purpose header is required")));
  }
  Run("read_resident", ReadResidentCommand{p.at("id"), purpose},
      std::move(*ctx), std::move(respond), [](const CommandResult& r) {
        if (!r.resident)
          return ProblemResponse(Internal("read returned no resident"));
        HttpResponse res = Json(200, ResidentJson(*r.resident));
        res.headers["ETag"] = VersionETag(r.resident->version);
        res.headers["Cache-Control"] = "no-store";  // carries PII
        return res;
      });
}

void LedgerApi::UpdateResident(const HttpRequest& req, const RouteParams& p,
                               Responder respond) {
  auto ctx = Begin(req, kClerk, true, respond);
  if (!ctx) return;
  auto cmd = ParseUpdateBody(req.body);
  CITYID_ANSWER_IF_ERROR(respond, cmd.status());
  cmd->resident_id = p.at("id");
  Run("update_resident", std::move(cmd).value(), std::move(*ctx),
      std::move(respond), [id = p.at("id")](const CommandResult& r) {
        return ResidentAck(200, r, id);
      });
}

void LedgerApi::Erase(const HttpRequest& req, const RouteParams& p,
                      Responder respond) {
  auto ctx = Begin(req, kSupervisor, true, respond);
  if (!ctx) return;
  auto reason = ParseReasonBody(req.body);
  CITYID_ANSWER_IF_ERROR(respond, reason.status());
  Run("erase", EraseResidentCommand{p.at("id"), std::move(reason).value()},
      std::move(*ctx), std::move(respond),
      [id = p.at("id")](const CommandResult& r) {
        return Json(200, {{"resident_id", id}, {"seq", r.seq}});
      });
}

void LedgerApi::Issue(const HttpRequest& req, const RouteParams&,
                      Responder respond) {
  auto ctx = Begin(req, kClerk, true, respond);
  if (!ctx) return;
  auto cmd = ParseIssueBody(req.body);
  CITYID_ANSWER_IF_ERROR(respond, cmd.status());
  Run("issue", std::move(cmd).value(), std::move(*ctx), std::move(respond),
      [](const CommandResult& r) { return CardAck(201, r); });
}

void LedgerApi::Renew(const HttpRequest& req, const RouteParams& p,
                      Responder respond) {
  auto ctx = Begin(req, kClerk, true, respond);
  if (!ctx) return;
  CITYID_ANSWER_IF_ERROR(respond, ParseEmptyBody(req.body));
  Run("renew", CardActionCommand{p.at("id"), CardAction::kRenew, ""},
      std::move(*ctx), std::move(respond),
      [](const CommandResult& r) { return CardAck(200, r); });
}

void LedgerApi::CardAct(CardAction action, std::initializer_list<Role> roles,
                        const HttpRequest& req, const RouteParams& p,
                        Responder respond) {
  auto ctx = Begin(req, roles, true, respond);
  if (!ctx) return;
  auto reason = ParseReasonBody(req.body);
  CITYID_ANSWER_IF_ERROR(respond, reason.status());
  const char* name = action == CardAction::kSuspend  ? "suspend"
                     : action == CardAction::kRevoke ? "revoke"
                                                     : "reinstate";
  Run(name, CardActionCommand{p.at("id"), action, std::move(reason).value()},
      std::move(*ctx), std::move(respond),
      [](const CommandResult& r) { return CardAck(200, r); });
}

void LedgerApi::Replace(const HttpRequest& req, const RouteParams& p,
                        Responder respond) {
  auto ctx = Begin(req, kClerk, true, respond);
  if (!ctx) return;
  auto reason = ParseReasonBody(req.body);
  CITYID_ANSWER_IF_ERROR(respond, reason.status());
  Run("replace", ReplaceCardCommand{p.at("id"), std::move(reason).value()},
      std::move(*ctx), std::move(respond),
      [old = p.at("id")](const CommandResult& r) {
        return CardAck(201, r, {{"replaced_card_id", old}});
      });
}

void LedgerApi::Events(const HttpRequest& req, const RouteParams&,
                       Responder respond) {
  if (auto p = tokens_.Authorize(req, kFeed); !p.ok())
    return respond(ProblemResponse(p.status()));
  auto query = ParseQuery(req.query);
  CITYID_ANSWER_IF_ERROR(respond, query.status());
  auto after = QueryNumber(*query, "after", 0);
  CITYID_ANSWER_IF_ERROR(respond, after.status());
  auto limit = QueryNumber(*query, "limit", options_.feed_default_limit);
  CITYID_ANSWER_IF_ERROR(respond, limit.status());
  if (*limit == 0)
    return respond(
        ProblemResponse(InvalidArgument("limit must be at least 1")));
  auto wait_ms = QueryNumber(*query, "wait_ms", 0);
  CITYID_ANSWER_IF_ERROR(respond, wait_ms.status());
  const Micros wait = std::min<Micros>(
      options_.feed_max_wait,
      static_cast<Micros>(std::min<uint64_t>(*wait_ms, 86'400'000)) * 1000);
  Poll(*after, std::min<size_t>(*limit, options_.feed_max_limit),
       Steady::now() + std::chrono::microseconds(wait), req.server_stopping,
       std::move(respond));
}

// Answers as soon as events past `after` exist, the deadline passes or the
// server stops; otherwise waits for events one slice at a time.
void LedgerApi::Poll(uint64_t after, size_t limit, Steady::time_point deadline,
                     std::shared_ptr<const std::atomic<bool>> stopping,
                     Responder respond) {
  const Micros remaining =
      std::chrono::duration_cast<std::chrono::microseconds>(deadline -
                                                            Steady::now())
          .count();
  if (ledger_.LastSeq() > after || remaining <= 0 ||
      (stopping && stopping->load())) {
    return AnswerFeed(after, limit, respond);
  }
  // WaitForEvents runs `fn` synchronously when the ledger is closed; answer
  // then instead of waiting again (which would recurse without end).
  auto waiting = std::make_shared<std::atomic<bool>>(false);
  ledger_.WaitForEvents(after, std::min(remaining, options_.feed_wait_slice),
                        [self = shared_from_this(), after, limit, deadline,
                         stopping, respond, waiting] {
                          if (!waiting->load())
                            return self->AnswerFeed(after, limit, respond);
                          self->Poll(after, limit, deadline, stopping, respond);
                        });
  waiting->store(true);
}

void LedgerApi::AnswerFeed(uint64_t after, size_t limit,
                           const Responder& respond) const {
  auto stored = ledger_.ReadEvents(after, limit);
  if (!stored.ok()) return respond(ProblemResponse(stored.status()));
  json::array events;
  for (const StoredEvent& e : *stored) {
    auto item = FeedItemJson(e);
    if (!item.ok()) return respond(ProblemResponse(item.status()));
    events.push_back(std::move(item).value());
  }
  // Read after the events: last_seq is never behind the events returned.
  const uint64_t last = ledger_.LastSeq();
  respond(Json(200, {{"events", std::move(events)}, {"last_seq", last}}));
}

void LedgerApi::Position(const HttpRequest&, const RouteParams&,
                         Responder respond) {
  respond(Json(200, {{"seq", ledger_.LastSeq()}}));
}

void LedgerApi::Health(const HttpRequest&, const RouteParams&,
                       Responder respond) {
  respond(Json(200, {{"status", "ok"}}));
}

void LedgerApi::Ready(const HttpRequest&, const RouteParams&,
                      Responder respond) {
  const Status s = ledger_.Ready();
  if (!s.ok()) return respond(ProblemResponse(Unavailable(s.message())));
  respond(Json(200, {{"status", "ready"}}));
}

void LedgerApi::MetricsPage(const HttpRequest&, const RouteParams&,
                            Responder respond) {
  respond(metrics_.RenderResponse());
}

}  // namespace

void RegisterLedgerRoutes(Router& router, Ledger& ledger,
                          const TokenStore& tokens, Metrics& metrics,
                          LedgerRoutesOptions options) {
  std::make_shared<LedgerApi>(ledger, tokens, metrics, options)
      ->Register(router);
}

}  // namespace cityid
