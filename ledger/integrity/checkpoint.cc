#include "ledger/integrity/checkpoint.h"

#include <cstdint>
#include <string>

namespace cityid {
namespace {

bool IsLine(std::string_view s) {
  return !s.empty() && s.find('\n') == std::string_view::npos &&
         IsValidNoteText(s);
}

// Canonical ASCII decimal: no sign, no leading zero (except "0"), in uint64.
Result<uint64_t> ParseTreeSize(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) {
    return Malformed("checkpoint size is not canonical decimal");
  }
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return Malformed("checkpoint size is not canonical decimal");
    }
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      return Malformed("checkpoint size overflows 64 bits");
    }
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

Result<std::string> FormatCheckpoint(const Checkpoint& checkpoint) {
  if (!IsLine(checkpoint.origin)) {
    return InvalidArgument("checkpoint origin must be one non-empty line");
  }
  std::string text = checkpoint.origin + "\n" +
                     std::to_string(checkpoint.size) + "\n" +
                     MerkleHashBase64(checkpoint.root) + "\n";
  for (const std::string& ext : checkpoint.extensions) {
    if (!IsLine(ext)) {
      return InvalidArgument("checkpoint extension must be one non-empty line");
    }
    text += ext + "\n";
  }
  return text;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return Malformed("checkpoint does not end in a newline");
  }
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < text.size();) {
    size_t eol = text.find('\n', start);
    lines.push_back(text.substr(start, eol - start));
    start = eol + 1;
  }
  if (lines.size() < 3) return Malformed("checkpoint has fewer than 3 lines");
  Checkpoint c;
  if (!IsLine(lines[0])) return Malformed("checkpoint origin line is empty");
  c.origin = std::string(lines[0]);
  CITYID_ASSIGN_OR_RETURN(c.size, ParseTreeSize(lines[1]));
  Result<MerkleHash> root = MerkleHashFromBase64(lines[2]);
  if (!root.ok() || MerkleHashBase64(*root) != lines[2]) {
    return Malformed("checkpoint root is not base64 of 32 bytes");
  }
  c.root = *root;
  for (size_t i = 3; i < lines.size(); ++i) {
    if (!IsLine(lines[i]))
      return Malformed("checkpoint extension line is empty");
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

Result<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                   const NoteSigner& signer) {
  CITYID_ASSIGN_OR_RETURN(std::string text, FormatCheckpoint(checkpoint));
  return SignNote(text, signer);
}

Result<Checkpoint> OpenCheckpoint(std::string_view note,
                                  std::span<const NoteVerifier> known,
                                  std::string_view origin) {
  CITYID_ASSIGN_OR_RETURN(OpenedNote opened, OpenNote(note, known));
  CITYID_ASSIGN_OR_RETURN(Checkpoint c, ParseCheckpoint(opened.text));
  if (!origin.empty() && c.origin != origin) {
    return InvalidArgument("checkpoint origin '" + c.origin + "' is not '" +
                           std::string(origin) + "'");
  }
  return c;
}

}  // namespace cityid
