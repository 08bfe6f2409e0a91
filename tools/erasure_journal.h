// The erasure journal (SPEC §14): an append-only text file, one resident id
// per line, kept beside the data directory (default <data>.erasures, config
// backup.journal) and so outside every backup. The ledger appends the ids of
// each batch's erasures (LedgerOptions::on_erased) and fsyncs before the
// erase is answered; `cityid restore --from-backup` erases them again in the
// restored ledger, so a backup taken before an erasure cannot bring the
// resident's PII back.
//
// Threading: Append is called by the ledger's single writer thread; the
// journal takes a lock anyway, so other callers are safe.
#ifndef CITYID_TOOLS_ERASURE_JOURNAL_H_
#define CITYID_TOOLS_ERASURE_JOURNAL_H_

#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "tools/config.h"

namespace cityid {

// backup.journal, or <data>.erasures (a sibling of the data directory).
std::string ErasureJournalPath(const Config& config);

class ErasureJournal {
 public:
  explicit ErasureJournal(std::string path) : path_(std::move(path)) {}

  // Appends one line per id (mode 0600, created if missing) and fsyncs the
  // file (and its directory when it was created). kUnavailable on an I/O
  // error; a failed append may leave a partial last line, which Read skips.
  Status Append(const std::vector<std::string>& resident_ids);

  // Creates the journal, empty, when it does not exist (the ledger does at
  // start), so that a missing journal means a wrong path, not "no erasure
  // yet". kUnavailable on an I/O error.
  Status CreateIfMissing() { return Append({}); }

  // The ids in the journal, in order, without duplicates; an empty list when
  // the file does not exist. kUnavailable when it cannot be read.
  static Result<std::vector<std::string>> Read(const std::string& path);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::mutex mu_;
};

}  // namespace cityid

#endif  // CITYID_TOOLS_ERASURE_JOURNAL_H_
