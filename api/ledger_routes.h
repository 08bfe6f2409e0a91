// The HTTP API of `cityid ledger` (SPEC §3, §10), on top of the Ledger facade.
//
//   POST /v1/residents                 clerk      201 {resident_id, version,
//   seq} GET  /v1/residents/{id}            clerk      200 {resident_id, pii,
//   attributes,
//        (X-Purpose required: 422)                documents, card_ids,
//        version};
//                                                 writes pii.accessed; 410 once
//                                                 erased
//   PATCH /v1/residents/{id}           clerk      200 {resident_id, version,
//   seq} POST /v1/residents/{id}/erase      supervisor 200 {resident_id, seq}
//   POST /v1/cards                     clerk      201 card (below) + seq
//   POST /v1/cards/{id}/renew          clerk      200 card + seq
//   POST /v1/cards/{id}/reinstate      clerk      200 card + seq
//   POST /v1/cards/{id}/suspend        supervisor 200 card + seq
//   POST /v1/cards/{id}/revoke         supervisor 200 card + seq
//   POST /v1/cards/{id}/replace        clerk      201 the new card + seq,
//   replaced_card_id GET  /v1/events?after&limit&wait_ms auditor, projection:
//   long-poll feed
//        {events: [{seq, type, bytes, ...EventToJson}], last_seq}
//   GET  /v1/position                  public     {seq}: the last durable seq
//   GET  /healthz                      public     200 {status: "ok"} while
//   serving GET  /readyz                       public     200 {status: "ready"}
//   while
//        Ledger::Ready(); otherwise 503 problem whose detail is the reason
//   GET  /metrics                      public     Prometheus text
//
// "card" is {card_id, resident_id, card_type, status, status_list
// ("/v1/status-lists/<id>"), status_index, issued_at, expires_at, version}.
// A supervisor may do everything a clerk may. Responses to commands carry
// `ETag: "<version>"` of the aggregate; a replayed idempotent answer carries
// `Idempotent-Replayed: true`.
//
// Request modifiers on mutating routes: `Idempotency-Key` (1-255 visible
// ASCII characters, scoped to the token; request hash = SHA-256 of method,
// path and body), `If-Match` (42, "42" or W/"42"; stale -> 412), `X-Office`
// (the office recorded in the event; enrollment's body "office" wins).
//
// Errors (problem+json, api/problem.h): 400 malformed JSON or header, 401,
// 403, 404, 409, 410, 412, 413 (server body limit), 422 validation or
// idempotency mismatch, 503 storage unavailable.
//
// Threading: handlers run on the server's strands and never block; commands
// are answered from the ledger's writer thread after fsync, feed long polls
// from the ledger's notifier thread. The feed waits in slices of
// `feed_wait_slice` so that a stopping server (HttpRequest::ServerStopping)
// is not held up by long polls. Request bodies are never logged.
//
// Metrics added to `metrics`: cityid_ledger_commands_total{command,outcome},
// cityid_ledger_last_seq and cityid_ledger_ready (gauges read at scrape).
// `ledger`, `tokens` and `metrics` must outlive the router.
#ifndef CITYID_API_LEDGER_ROUTES_H_
#define CITYID_API_LEDGER_ROUTES_H_

#include <cstddef>

#include "api/auth.h"
#include "api/metrics.h"
#include "api/router.h"
#include "base/clock.h"
#include "ledger/ledger.h"

namespace cityid {

struct LedgerRoutesOptions {
  size_t feed_default_limit = 100;
  size_t feed_max_limit = 1000;                  // larger limits are clamped
  Micros feed_max_wait = 30 * kMicrosPerSecond;  // larger wait_ms are clamped
  Micros feed_wait_slice = 200'000;
};

void RegisterLedgerRoutes(Router& router, Ledger& ledger,
                          const TokenStore& tokens, Metrics& metrics,
                          LedgerRoutesOptions options = {});

}  // namespace cityid

#endif  // CITYID_API_LEDGER_ROUTES_H_
