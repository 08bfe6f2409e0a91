// Binary encoding of what the ledger keeps besides events: aggregate states
// (residents and cards column families) and idempotency records. cereal
// portable binary behind a 1-byte format version; never contains PII (the
// CommandResult of a ReadResidentCommand, which holds PII, is never stored).
//
// Decode* return kCorruption for bytes that do not decode; never throw.
#ifndef CITYID_LEDGER_STATE_CODEC_H_
#define CITYID_LEDGER_STATE_CODEC_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "ledger/aggregates.h"
#include "ledger/commands.h"

namespace cityid {

// What the idempotency column family stores per (actor, key).
struct IdempotencyRecord {
  std::string request_hash;
  CommandResult result;  // resident (PII) never set
};

std::string EncodeResidentState(const ResidentState& r);
Result<ResidentState> DecodeResidentState(std::string_view bytes);
std::string EncodeCardState(const CardState& c);
Result<CardState> DecodeCardState(std::string_view bytes);
std::string EncodeIdempotencyRecord(const IdempotencyRecord& rec);
Result<IdempotencyRecord> DecodeIdempotencyRecord(std::string_view bytes);

}  // namespace cityid

#endif  // CITYID_LEDGER_STATE_CODEC_H_
