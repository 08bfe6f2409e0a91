#include "tools/erasure_replay.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "ledger/ledger.h"
#include "tools/bootstrap.h"
#include "tools/erasure_journal.h"
#include "tools/ledger_integrity.h"
#include "tools/ledger_options.h"

namespace cityid {
namespace {

constexpr char kReplayActor[] = "system:restore";

// One erase; counts its outcome. Non-OK: stop the replay.
Status EraseAgain(Ledger& ledger, const std::string& id,
                  ErasureReplayReport& report) {
  CommandContext ctx;
  ctx.actor = kReplayActor;
  auto r = ledger.Execute(EraseResidentCommand{id, "request"}, ctx);
  if (r.ok()) {
    ++report.erased_again;
    spdlog::info("restore: resident {} erased again (journal), seq {}", id,
                 r->seq);
    return Status::Ok();
  }
  if (r.status().code() == Code::kGone) {
    ++report.already_erased;
    return Status::Ok();
  }
  if (r.status().code() == Code::kNotFound) {
    ++report.unknown;
    return Status::Ok();
  }
  return r.status();
}

}  // namespace

Result<ErasureReplayReport> ReplayErasureJournal(
    const Config& config, bool require_journal,
    const std::function<void(uint64_t, uint64_t)>& progress) {
  const std::string path = ErasureJournalPath(config);
  if (require_journal && !std::filesystem::exists(path)) {
    return NotFound("no erasure journal at " + path +
                    ": give the original ledger's with --journal (default "
                    "<its data>.erasures), or --no-journal if it is lost");
  }
  CITYID_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                          ErasureJournal::Read(path));
  ErasureReplayReport report;
  report.journaled = ids.size();
  CITYID_ASSIGN_OR_RETURN(LedgerOptions options, LedgerOptionsFrom(config));
  if (!std::filesystem::exists(options.kek_file)) {
    return InvalidArgument("no key-encryption key at " + options.kek_file +
                           ": give the ledger's keys (keys.dir or kek.file)");
  }
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<LedgerIntegrity> integrity,
                          LedgerIntegrity::Create(config));
  options.extensions.push_back(integrity.get());
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger,
                          Ledger::Open(options));
  Status s = integrity->Start();
  for (size_t i = 0; s.ok() && i < ids.size(); ++i) {
    s = EraseAgain(*ledger, ids[i], report);
    if (progress) progress(i + 1, ids.size());
  }
  report.last_seq = ledger->LastSeq();
  ledger->Close();  // signs a last checkpoint over the replay's events
  if (!s.ok()) return s;
  return report;
}

}  // namespace cityid
