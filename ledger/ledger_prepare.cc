// PrepareCommand (ledger/ledger_batch.h): a command's order-independent
// work, done on the submitting thread before the command reaches the writer.
#include "ledger/ids.h"
#include "ledger/ledger_batch.h"

namespace cityid {

Result<PreparedCommand> PreparePii(const Vault& vault, std::string resident_id,
                                   const PiiRecord& pii) {
  PreparedCommand p;
  p.blind_index = vault.BlindIndex(pii);
  CITYID_ASSIGN_OR_RETURN(p.sealed, vault.Seal(resident_id, pii));
  p.resident_id = std::move(resident_id);
  return p;
}

std::optional<PreparedCommand> PrepareCommand(const Command& command,
                                              const Vault& vault,
                                              const DecideEnv& env) {
  std::optional<Result<PreparedCommand>> prepared;
  if (const auto* enroll = std::get_if<EnrollCommand>(&command)) {
    if (!ValidateEnroll(*enroll, env).ok()) return std::nullopt;
    prepared = PreparePii(vault, NewResidentId(), enroll->pii);
  } else if (const auto* update = std::get_if<UpdateResidentCommand>(&command);
             update != nullptr && update->pii) {
    if (!ValidatePii(*update->pii, env).ok()) return std::nullopt;
    prepared = PreparePii(vault, update->resident_id, *update->pii);
  }
  if (!prepared || !prepared->ok()) return std::nullopt;
  return std::move(*prepared).value();
}

}  // namespace cityid
