// Re-applies the erasure journal (tools/erasure_journal.h) to a restored
// ledger (SPEC §14): every resident the journal names who is not erased in
// the restored DB is erased again through the ledger's normal command path
// (EraseResidentCommand, reason "request", actor "system:restore"), so the
// vault entry, the blind index and the retention index go exactly as they do
// on a live erase, a resident.erased event records it, the Merkle tree and a
// fresh signed checkpoint cover it, and `cityid audit` finds no erased
// resident whose key still exists.
#ifndef CITYID_TOOLS_ERASURE_REPLAY_H_
#define CITYID_TOOLS_ERASURE_REPLAY_H_

#include <cstdint>
#include <functional>

#include "base/status.h"
#include "tools/config.h"

namespace cityid {

struct ErasureReplayReport {
  uint64_t journaled = 0;       // distinct ids in the journal
  uint64_t erased_again = 0;    // erased by this replay
  uint64_t already_erased = 0;  // erased in the backup too (410)
  uint64_t unknown = 0;         // enrolled after the backup (404)
  uint64_t last_seq = 0;        // the restored ledger's after the replay
};

// Opens the ledger of `config`'s data directory (its keys from keys.dir /
// kek.file, as `cityid ledger` does), erases, signs a checkpoint, closes.
// Errors: no journal at its path (kNotFound: every ledger creates its
// journal at start, so a missing one means the wrong path; `require_journal`
// false accepts it as empty), the journal unreadable (kUnavailable), the ledger
// not openable (its Open errors; a missing KEK names kek.file), an erase
// refused for another reason than 404/410 (that status; replay stops there, the
// ones before it are durable, and running restore's replay again finishes it).
// `progress(done, total)` may be empty.
Result<ErasureReplayReport> ReplayErasureJournal(
    const Config& config, bool require_journal,
    const std::function<void(uint64_t, uint64_t)>& progress);

}  // namespace cityid

#endif  // CITYID_TOOLS_ERASURE_REPLAY_H_
