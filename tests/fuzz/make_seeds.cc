// Writes the generated seed inputs of the compact_list and signed_note fuzz
// targets (valid encodings, so the fuzzer starts deep in the decoders):
//   make_seeds <corpus dir>   (writes <dir>/compact_list/*,
//   <dir>/signed_note/*)
// Deterministic: fixed seeds and keys. The outputs are committed; rerun only
// when the formats change.
#include <cstdio>
#include <fstream>
#include <string>

#include "ledger/integrity/checkpoint.h"
#include "ledger/integrity/signed_note.h"
#include "projections/status_list/compact_list.h"

namespace {

namespace sl = cityid::statuslist;

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

int WriteCompactLists(const std::string& dir) {
  auto key = sl::SigningKey::FromSeed(std::string(32, '\x02'));
  if (!key.ok()) return 1;
  const uint32_t sizes[] = {8, 1000, 4096};
  int n = 0;
  for (uint32_t size : sizes) {
    sl::StatusList list;
    list.list_id = 7;
    list.version = size;
    list.iat = 1'779'926'400;
    list.exp = list.iat + 86'400;
    list.statuses = sl::StatusArray(size);
    for (uint32_t i = 0; i < size; i += 3) list.statuses.Set(i, 1);
    for (uint32_t i = 1; i < size; i += 7) list.statuses.Set(i, 2);
    auto bytes = sl::EncodeCompactList(list, *key);
    if (!bytes.ok()) return 1;
    Write(dir + "/seed_" + std::to_string(n++), *bytes);
  }
  return 0;
}

int WriteNotes(const std::string& dir) {
  // The same key as fuzz_signed_note.cc's known verifier.
  auto signer = cityid::NoteSigner::FromEd25519Seed("fuzz.example/log",
                                                    std::string(32, '\x01'));
  if (!signer.ok()) return 1;
  cityid::Checkpoint cp;
  cp.origin = "fuzz.example/log";
  cp.size = 42;
  cp.root.fill(0xab);
  auto note = cityid::SignCheckpoint(cp, *signer);
  if (!note.ok()) return 1;
  Write(dir + "/checkpoint", *note);
  cp.extensions = {"ext line one", "ext line two"};
  note = cityid::SignCheckpoint(cp, *signer);
  if (!note.ok()) return 1;
  Write(dir + "/checkpoint_ext", *note);
  Write(dir + "/vkey", signer->Verifier().ToString());
  auto plain = cityid::SignNote("hello note\n", *signer);
  if (!plain.ok()) return 1;
  Write(dir + "/note", *plain);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds <corpus dir>\n");
    return 2;
  }
  const std::string dir = argv[1];
  if (WriteCompactLists(dir + "/compact_list") != 0) return 1;
  return WriteNotes(dir + "/signed_note");
}
