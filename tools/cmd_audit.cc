// `cityid audit` (SPEC §7): replays a ledger's history from its RocksDB log
// (--data DIR, read-only; works on a stopped ledger, a copy, or a live one as
// of the moment it starts) or from Kafka (--kafka BOOTSTRAP --topic T) and
// verifies it with the Auditor (ledger/audit/audit.h).
//
//   --json            the JSON report on stdout instead of the text one
//   --export jsonl    every event's JSON form, one per line, to --output
//                     (default stdout; the report then goes to stderr)
//   --key K           a checkpoint verifier key text, or a file holding a
//                     verifier or signer key (repeatable; rotated keys).
//                     Default: the verifier of <keys>/checkpoint.key
//   --origin O        the expected checkpoint origin (default: any, or
//                     checkpoint.origin when configured)
//   --checkpoint F    a signed checkpoint fetched from GET /v1/checkpoint,
//                     checked with the stored ones (Kafka: the only ones,
//                     unless --data is given too)
//   --retention-days  retention.days (default from config; 0: off)
//   --now T           reference time (RFC 3339) of the retention check
//   --baseline        also time OpenSSL SHA-256 over the same event bytes
//                     (--data only), for `cityid bench`
// With --kafka and --data both, events come from Kafka and the checkpoint
// history, stored tree and vault from the data directory.
//
// Exit status: 0 every check passed, 1 a check failed, 2 the audit could not
// run (bad arguments, unreadable source). A progress bar with the rate is
// drawn on stderr when it is a terminal.
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "ledger/audit/audit_store.h"
#include "stream/kafka/kafka_reader.h"
#include "tools/bootstrap.h"
#include "tools/commands.h"
#include "tools/event_sources.h"
#include "tools/key_files.h"
#include "tools/ledger_integrity.h"
#include "tools/service.h"

namespace cityid {
namespace {

struct AuditFlags {
  CommonFlags common;
  std::string topic;
  bool json = false;
  std::string export_format;
  std::string output;
  std::vector<std::string> keys;
  std::string origin;
  std::string checkpoint_file;
  int retention_days = -1;
  std::string now;
  bool baseline = false;
  bool no_progress = false;
};

constexpr int kExitFailed = 1;
constexpr int kExitError = 2;

int Error(const Status& status) {
  Fail(status);  // prints it
  return kExitError;
}

// "\r[#####-----]  45.2%  452000/1000000 events  123456 events/s", at most
// ten times a second.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void Update(uint64_t done, uint64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100) && done < total) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double frac =
        total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / total);
    const int filled = static_cast<int>(frac * 30);
    std::fprintf(
        stderr, "\r[%s%s] %5.1f%%  %llu/%llu events  %.0f events/s ",
        std::string(filled, '#').c_str(), std::string(30 - filled, '-').c_str(),
        frac * 100, static_cast<unsigned long long>(done),
        static_cast<unsigned long long>(total), secs > 0 ? done / secs : 0.0);
    drawn_ = true;
  }
  void Clear() {
    if (drawn_) std::fprintf(stderr, "\r%80s\r", "");
  }

 private:
  const bool enabled_;
  bool drawn_ = false;
  const std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

// A --key value: a verifier key text, or a file with a verifier or signer.
Result<NoteVerifier> ParseKey(const std::string& value) {
  std::string text = value;
  if (std::filesystem::is_regular_file(value)) {
    CITYID_ASSIGN_OR_RETURN(text, ReadWholeFile(value));
    while (!text.empty() &&
           std::isspace(static_cast<unsigned char>(text.back())))
      text.pop_back();
  }
  if (text.starts_with("PRIVATE+KEY+")) {
    CITYID_ASSIGN_OR_RETURN(NoteSigner signer, NoteSigner::Parse(text));
    return signer.Verifier();
  }
  return NoteVerifier::Parse(text);
}

Result<AuditOptions> OptionsFrom(const AuditFlags& f, const Config& config) {
  AuditOptions o;
  for (const std::string& k : f.keys) {
    CITYID_ASSIGN_OR_RETURN(NoteVerifier v, ParseKey(k));
    o.verifiers.push_back(std::move(v));
  }
  const std::string own_key = LayoutFor(config).checkpoint_key;
  if (o.verifiers.empty() && std::filesystem::exists(own_key)) {
    CITYID_ASSIGN_OR_RETURN(NoteSigner signer, LoadCheckpointSigner(own_key));
    o.verifiers.push_back(signer.Verifier());
  }
  o.origin = !f.origin.empty()                 ? f.origin
             : config.Has("checkpoint.origin") ? CheckpointOrigin(config)
                                               : "";
  if (f.retention_days >= 0) {
    o.retention_days = f.retention_days;
  } else {
    CITYID_ASSIGN_OR_RETURN(int64_t days, config.GetInt("retention.days"));
    o.retention_days = static_cast<int>(days);
  }
  o.now = SystemClock::Default()->Now();
  if (!f.now.empty()) {
    CITYID_ASSIGN_OR_RETURN(o.now, ParseRfc3339(f.now));
  }
  return o;
}

// --checkpoint FILE as one more history entry (its size read unverified; the
// Auditor verifies the note).
Result<std::vector<StoredCheckpoint>> ExtraCheckpoints(const AuditFlags& f) {
  if (f.checkpoint_file.empty()) return std::vector<StoredCheckpoint>{};
  CITYID_ASSIGN_OR_RETURN(std::string note, ReadWholeFile(f.checkpoint_file));
  const size_t split = note.rfind("\n\n");
  auto body = ParseCheckpoint(
      split == std::string::npos ? std::string_view(note)
                                 : std::string_view(note).substr(0, split + 1));
  if (!body.ok())
    return Malformed(f.checkpoint_file + ": " + body.status().message());
  return std::vector<StoredCheckpoint>{{body->size, note}};
}

Result<AuditReport> AuditKafka(const AuditFlags& f, const Config& config,
                               const AuditOptions& options,
                               const AuditHooks& hooks) {
  if (!f.topic.ends_with("events"))
    return InvalidArgument("--topic must be the events topic, <prefix>events");
  CITYID_ASSIGN_OR_RETURN(KafkaOptions ko, KafkaOptionsFrom(config));
  ko.bootstrap = f.common.kafka;
  ko.topic_prefix = f.topic.substr(0, f.topic.size() - 6);
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<KafkaEventReader> reader,
                          KafkaEventReader::Open(ko));
  // The head only sizes the progress bar: a tail record without a readable
  // seq is the replay's finding, not a reason not to audit.
  Result<uint64_t> head = reader->LastCommittedSeq();
  if (!head.ok() && head.status().code() != Code::kCorruption)
    return head.status();
  const uint64_t last = head.ok() ? *head : 0;
  std::unique_ptr<LedgerSnapshot> snap;
  std::vector<StoredCheckpoint> history;
  if (!f.common.data.empty()) {
    CITYID_ASSIGN_OR_RETURN(snap,
                            LedgerSnapshot::Open(config.GetString("data")));
    CITYID_ASSIGN_OR_RETURN(auto stored, snap->Checkpoints());
    if (stored) history = std::move(*stored);
  }
  CITYID_ASSIGN_OR_RETURN(auto extra, ExtraCheckpoints(f));
  MergeCheckpoints(history, extra);
  Auditor auditor(options);
  if (!history.empty() || snap) auditor.SetCheckpoints(history);
  if (snap) {
    CITYID_ASSIGN_OR_RETURN(const MerkleTree* tree, snap->StoredTree());
    auditor.SetStoredTree(tree);
  }
  if (hooks.export_sink) auditor.SetExport(hooks.export_sink);
  uint64_t read = 0;
  Status s = reader->ReadAfter(0, [&](KafkaRecord&& rec) {
    auditor.AddEvent({rec.event.seq, rec.event.bytes, &rec.key, &rec.headers});
    if (hooks.progress && (++read & 1023) == 0) hooks.progress(read, last);
    return Status::Ok();
  });
  if (!s.ok()) {
    if (read == 0 && s.code() == Code::kUnavailable) return s;
    auditor.ReadFailed(s, reader->failed_seq());
  }
  if (snap) auditor.CheckVault(*snap);
  AuditReport report = auditor.Finish();
  report.source = "kafka " + ko.bootstrap + " " + f.topic;
  return report;
}

Result<AuditReport> AuditData(const AuditFlags& f, const Config& config,
                              const AuditOptions& options,
                              const AuditHooks& hooks,
                              std::optional<Sha256Baseline>* baseline) {
  CITYID_ASSIGN_OR_RETURN(auto extra, ExtraCheckpoints(f));
  const std::string data = config.GetString("data");
  CITYID_ASSIGN_OR_RETURN(AuditReport report,
                          AuditLedgerDir(data, options, hooks, extra));
  if (f.baseline) {
    CITYID_ASSIGN_OR_RETURN(auto snap, LedgerSnapshot::Open(data));
    CITYID_ASSIGN_OR_RETURN(Sha256Baseline b, MeasureSha256(*snap));
    *baseline = b;
  }
  return report;
}

int Run(const AuditFlags& f) {
  auto config = LoadConfig(f.common, "");
  if (!config.ok()) return Error(config.status());
  auto options = OptionsFrom(f, *config);
  if (!options.ok()) return Error(options.status());
  if (!f.export_format.empty() && f.export_format != "jsonl")
    return Error(InvalidArgument("--export supports only jsonl"));

  std::ofstream file;
  std::ostream* export_out = &std::cout;
  if (!f.output.empty() && f.output != "-") {
    file.open(f.output, std::ios::binary | std::ios::trunc);
    if (!file) return Error(Unavailable("cannot write " + f.output));
    export_out = &file;
  }
  const bool exporting = !f.export_format.empty();
  std::ostream& report_out =
      exporting && export_out == &std::cout ? std::cerr : std::cout;

  ProgressBar bar(!f.no_progress && ::isatty(STDERR_FILENO));
  AuditHooks hooks;
  hooks.progress = [&bar](uint64_t done, uint64_t total) {
    bar.Update(done, total);
  };
  if (exporting) {
    hooks.export_sink = [export_out](const boost::json::object& o) {
      *export_out << boost::json::serialize(o) << '\n';
    };
  }
  std::optional<Sha256Baseline> baseline;
  Result<AuditReport> report =
      f.common.kafka.empty() ? AuditData(f, *config, *options, hooks, &baseline)
                             : AuditKafka(f, *config, *options, hooks);
  bar.Clear();
  export_out->flush();
  if (!report.ok()) return Error(report.status());
  if (f.json) {
    boost::json::object j = AuditReportJson(*report);
    if (baseline) {
      j["sha256_baseline"] = {
          {"events", baseline->events},
          {"bytes", baseline->bytes},
          {"seconds", baseline->seconds},
          {"events_per_second", baseline->EventsPerSecond()},
          {"megabytes_per_second", baseline->MegabytesPerSecond()}};
    }
    report_out << boost::json::serialize(j) << "\n";
  } else {
    report_out << AuditReportText(*report);
    if (baseline) {
      report_out << "SHA-256 baseline: " << baseline->EventsPerSecond()
                 << " events/s, " << baseline->MegabytesPerSecond()
                 << " MB/s over the same bytes\n";
    }
  }
  report_out.flush();
  return report->Passed() ? 0 : kExitFailed;
}

}  // namespace

void AddAuditCommand(CLI::App* app) {
  auto f = std::make_shared<AuditFlags>();
  CLI::App* cmd = app->add_subcommand(
      "audit", "replay and verify the history (RocksDB log or Kafka)");
  AddCommonFlags(cmd, &f->common, /*with_port=*/false);
  cmd->add_option("--topic", f->topic, "Kafka events topic (with --kafka)");
  cmd->add_flag("--json", f->json, "print the JSON report");
  cmd->add_option("--export", f->export_format,
                  "write every event's JSON form: jsonl");
  cmd->add_option("--output", f->output, "where --export writes (default -)");
  cmd->add_option("--key", f->keys,
                  "checkpoint verifier key text or key file (repeatable)");
  cmd->add_option("--origin", f->origin, "expected checkpoint origin");
  cmd->add_option("--checkpoint", f->checkpoint_file,
                  "a signed checkpoint note (from GET /v1/checkpoint)");
  cmd->add_option("--retention-days", f->retention_days,
                  "retention.days to check against (0: off)");
  cmd->add_option("--now", f->now, "reference time, RFC 3339");
  cmd->add_flag("--baseline", f->baseline,
                "also measure SHA-256 over the same bytes");
  cmd->add_flag("--no-progress", f->no_progress, "no progress bar");
  cmd->callback([f] {
    if (!f->common.kafka.empty() && f->topic.empty()) {
      std::cerr << "cityid: --kafka needs --topic\n";
      throw CLI::RuntimeError(kExitError);
    }
    throw CLI::RuntimeError(Run(*f));
  });
}

}  // namespace cityid
