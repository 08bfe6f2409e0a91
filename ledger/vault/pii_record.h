// PiiRecord: a resident's personal data as the vault seals it and the
// commands that carry it (ledger/commands.h) hold it. Never in an event.
#ifndef CITYID_LEDGER_VAULT_PII_RECORD_H_
#define CITYID_LEDGER_VAULT_PII_RECORD_H_

#include <map>
#include <string>

namespace cityid {

// PII field name -> value, e.g. {"given_name": "Ana", "date_of_birth":
// "1990-04-01"}. Which names are allowed is the programme's policy
// (LedgerOptions::pii_fields).
using PiiRecord = std::map<std::string, std::string>;

}  // namespace cityid

#endif  // CITYID_LEDGER_VAULT_PII_RECORD_H_
