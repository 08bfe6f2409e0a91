// libFuzzer target: C2SP signed notes and checkpoints
// (ledger/integrity/signed_note.h, ledger/integrity/checkpoint.h): OpenNote
// with a known verifier, ParseCheckpoint, OpenCheckpoint and verifier key
// parsing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/integrity/checkpoint.h"
#include "ledger/integrity/signed_note.h"

namespace {

const std::vector<cityid::NoteVerifier>& Known() {
  static const auto* known = [] {
    // A fixed seed so the seed corpus (signed with it) verifies.
    auto signer = cityid::NoteSigner::FromEd25519Seed("fuzz.example/log",
                                                      std::string(32, '\x01'));
    if (!signer.ok()) std::abort();
    return new std::vector<cityid::NoteVerifier>{signer->Verifier()};
  }();
  return *known;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)cityid::OpenNote(text, Known());
  (void)cityid::ParseCheckpoint(text);
  (void)cityid::OpenCheckpoint(text, Known(), "fuzz.example/log");
  (void)cityid::NoteVerifier::Parse(text);
  (void)cityid::NoteSigner::Parse(text);
  return 0;
}
