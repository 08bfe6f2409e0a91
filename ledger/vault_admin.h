// Offline vault operations on a stopped ledger's data directory: KEK
// rotation (`cityid keys rotate-kek`) and a read-only look at one resident's
// vault bytes (for tests and operators proving an erasure).
//
// Both open <data_dir>/ledger directly; RocksDB's lock makes them fail with
// kUnavailable while a ledger process has it open. Blocking; one caller at a
// time.
#ifndef CITYID_LEDGER_VAULT_ADMIN_H_
#define CITYID_LEDGER_VAULT_ADMIN_H_

#include <cstddef>
#include <optional>
#include <string>

#include "base/status.h"
#include "ledger/vault/vault.h"

namespace cityid {

struct KekRotationReport {
  size_t rewrapped = 0;       // data keys re-wrapped by this call
  bool already_done = false;  // the vault was already under `to`
  std::string old_kek_id, new_kek_id;
};

// Re-wraps every data key in vault_keys from `from`'s KEK to `to`'s, in ONE
// synced WriteBatch that also sets meta "kek_id" to to.KekId(): a crash
// leaves the vault entirely under the old KEK or entirely under the new one.
// Then flushes and compacts vault_keys and meta through the bottommost level
// so the old wrapped keys leave the disk. Ciphertexts are untouched (their
// data keys do not change).
//
// When meta "kek_id" already equals to.KekId(), does nothing and reports
// already_done (an interrupted rotation being finished). kInvalidArgument
// when the vault belongs to neither KEK or a data key does not open under
// `from`; kUnavailable when the store cannot be opened (e.g. in use).
Result<KekRotationReport> RewrapVault(const std::string& data_dir,
                                      const Vault& from, const Vault& to);

// The stored vault bytes of one resident: nullopt for what is absent.
struct VaultEntryBytes {
  std::optional<std::string> wrapped_key;  // vault_keys
  std::optional<std::string> ciphertext;   // vault_data
  std::optional<std::string> blind_index;  // vault_blind 'r' entry
};

// Reads them from a stopped ledger's store. kUnavailable as above.
Result<VaultEntryBytes> InspectVaultEntry(const std::string& data_dir,
                                          const std::string& resident_id);

}  // namespace cityid

#endif  // CITYID_LEDGER_VAULT_ADMIN_H_
