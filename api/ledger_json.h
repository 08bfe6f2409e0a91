// The JSON wire forms of the ledger API (SPEC §3, §10): strict decoding of
// request bodies into commands, and the response objects.
//
// Decoding is strict: a body that is not JSON (or not UTF-8) is kMalformed
// (400); a body that is JSON but not the expected object — wrong types,
// unknown top-level or nested fields, missing required fields — is
// kInvalidArgument (422). Value rules (which PII fields the programme
// collects, date formats, reasons) are the ledger's, not this file's.
// Error messages name fields, never values: values may be PII.
//
// Pure functions, safe from any thread; also the fuzzing entry points for
// command decoding.
#ifndef CITYID_API_LEDGER_JSON_H_
#define CITYID_API_LEDGER_JSON_H_

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ledger/commands.h"
#include "ledger/ledger.h"

namespace cityid {

// POST /v1/residents: {"pii": {name: string}, "attributes": {"district",
// "age_band", "language"}, "documents"?: [string], "office"?: string}.
// `office` receives the body's office ("" when absent).
Result<EnrollCommand> ParseEnrollBody(std::string_view body,
                                      std::string* office);

// PATCH /v1/residents/{id}: {"pii"?: {...}, "attributes"?: {...}}, at least
// one of them. resident_id is left empty for the caller to fill.
Result<UpdateResidentCommand> ParseUpdateBody(std::string_view body);

// POST /v1/cards: {"resident_id": string, "card_type": string}.
Result<IssueCardCommand> ParseIssueBody(std::string_view body);

// {"reason": string}: suspend, reinstate, revoke, replace, erase.
Result<std::string> ParseReasonBody(std::string_view body);

// Renew takes no fields: an empty body or {}.
Status ParseEmptyBody(std::string_view body);

// `If-Match: 42`, `"42"` or `W/"42"` -> 42; "" or `*` -> nullopt (no
// precondition). kMalformed for anything else.
Result<std::optional<uint64_t>> ParseIfMatch(std::string_view header);

// `"42"`: the ETag of an aggregate version.
std::string VersionETag(uint64_t version);

// {card_id, resident_id, card_type, status, status_list:
// "/v1/status-lists/<id>", status_index, issued_at, expires_at, version}.
boost::json::object CardJson(const CardView& card);

// {resident_id, pii, attributes, documents, card_ids, version}.
boost::json::object ResidentJson(const ResidentView& resident);

// A feed item: EventToJson's envelope and payload plus "bytes" (base64 of
// the exact event bytes). kCorruption when the bytes do not decode.
Result<boost::json::object> FeedItemJson(const StoredEvent& stored);

}  // namespace cityid

#endif  // CITYID_API_LEDGER_JSON_H_
