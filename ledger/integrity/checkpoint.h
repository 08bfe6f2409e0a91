// C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the signed tree
// head of cityid's log, as the body of a C2SP signed note (signed_note.h).
//
//   <origin>\n
//   <tree size, ASCII decimal, no leading zeros>\n
//   <base64 of the RFC 6962/9162 root hash>\n
//   [<extension line>\n]...      (optional, non-empty; cityid emits none)
//
// The log's signature line uses the signer's key name, which SHOULD equal the
// origin (configure them the same). Pure functions; thread-safe.
#ifndef CITYID_LEDGER_INTEGRITY_CHECKPOINT_H_
#define CITYID_LEDGER_INTEGRITY_CHECKPOINT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/integrity/merkle.h"
#include "ledger/integrity/signed_note.h"

namespace cityid {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  MerkleHash root{};
  std::vector<std::string> extensions;

  bool operator==(const Checkpoint&) const = default;
};

// The note text. kInvalidArgument when the origin or an extension line is
// empty, holds a newline, or is not note text (UTF-8 without control chars).
Result<std::string> FormatCheckpoint(const Checkpoint& checkpoint);

// Parses a note text. kMalformed (naming the line) when there are fewer than
// three lines, the text does not end in '\n', the origin or an extension
// line is empty, the size is not canonical decimal within uint64, or the
// root is not canonical base64 of 32 bytes.
Result<Checkpoint> ParseCheckpoint(std::string_view text);

// Formats and signs: the complete signed note (what GET /v1/checkpoint
// serves). Errors of FormatCheckpoint and SignNote.
Result<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                   const NoteSigner& signer);

// Verifies a signed checkpoint note with `known` (OpenNote's errors), then
// parses its text (ParseCheckpoint's errors). When `origin` is non-empty the
// checkpoint's origin must equal it, else kInvalidArgument.
Result<Checkpoint> OpenCheckpoint(std::string_view note,
                                  std::span<const NoteVerifier> known,
                                  std::string_view origin);

}  // namespace cityid

#endif  // CITYID_LEDGER_INTEGRITY_CHECKPOINT_H_
