// The ledger's options from config (SPEC §1): data layout, keys, policy,
// cards, retention, free-space floor, storage. Shared by `cityid ledger` and
// `cityid restore --from-backup` (which opens the restored ledger to erase
// the journal's residents again). Defined in tools/cmd_ledger.cc.
#ifndef CITYID_TOOLS_LEDGER_OPTIONS_H_
#define CITYID_TOOLS_LEDGER_OPTIONS_H_

#include "base/status.h"
#include "ledger/ledger.h"
#include "tools/config.h"

namespace cityid {

// kInvalidArgument naming the key whose value is out of range. Sinks,
// extensions and on_erased are left empty for the caller.
Result<LedgerOptions> LedgerOptionsFrom(const Config& config);

}  // namespace cityid

#endif  // CITYID_TOOLS_LEDGER_OPTIONS_H_
