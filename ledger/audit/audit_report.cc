// Text and JSON renderings of an AuditReport (ledger/audit/audit.h).
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <sstream>

#include "ledger/audit/internal/audit_internal.h"

namespace cityid {
namespace {

namespace json = boost::json;

// Checks in report order (the map is alphabetical).
constexpr const char* kOrder[] = {
    kCheckFraming,     kCheckContinuity, kCheckSchema, kCheckMerkle,
    kCheckCheckpoints, kCheckPii,        kCheckState,  kCheckErasure,
    kCheckVault,       kCheckRetention};

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

double Rate(const AuditReport& r) {
  return r.seconds > 0 ? static_cast<double>(r.events) / r.seconds : 0;
}

void Line(std::ostringstream& out, std::string_view label,
          const std::string& value) {
  out << "  " << label
      << std::string(16 - std::min<size_t>(15, label.size()), ' ') << value
      << "\n";
}

void Summary(std::ostringstream& out, const AuditReport& r) {
  Line(out, "events",
       std::to_string(r.events) + " (seq " + std::to_string(r.first_seq) +
           ".." + std::to_string(r.last_seq) + "), " +
           Fixed(static_cast<double>(r.bytes) / 1e6, 1) + " MB in " +
           Fixed(r.seconds, 2) + " s, " + Fixed(Rate(r), 0) + " events/s");
  std::string types;
  for (const auto& [type, n] : r.by_type)
    types += type + " " + std::to_string(n) + "  ";
  if (!types.empty()) Line(out, "by type", types);
  for (const auto& [v, n] : r.by_envelope_version)
    Line(out, "envelope v" + std::to_string(v), std::to_string(n) + " events");
  Line(out, "merkle root",
       MerkleHashBase64(r.root) + " (" + std::to_string(r.tree_size) +
           " leaves)");
  if (r.stored_tree_size)
    Line(out, "stored tree", std::to_string(*r.stored_tree_size) + " leaves");
  if (r.latest_checkpoint) {
    Line(out, "checkpoint",
         r.latest_checkpoint->origin + " size " +
             std::to_string(r.latest_checkpoint->size) + ": " +
             (r.latest_checkpoint_matches ? "matches the replay"
                                          : "DIFFERS from the replay"));
  }
  Line(out, "checkpoints",
       std::to_string(r.checkpoints) + " stored, " +
           std::to_string(r.checkpoints_verified) + " verified, " +
           std::to_string(r.checkpoints_matching) + " matching, " +
           std::to_string(r.consistency_proofs) + " consistency proofs");
  if (r.first_altered_seq) {
    Line(out, "FIRST ALTERED", "seq " + std::to_string(*r.first_altered_seq));
  } else if (r.altered_range) {
    Line(out, "ALTERED",
         "somewhere in seqs " + std::to_string(r.altered_range->first + 1) +
             ".." + std::to_string(r.altered_range->second));
  }
  Line(out, "residents",
       std::to_string(r.residents) + " (" + std::to_string(r.erased_residents) +
           " erased), cards " + std::to_string(r.cards));
}

void Accesses(std::ostringstream& out, const AuditReport& r) {
  if (r.pii_accessed.empty()) return;
  std::vector<std::pair<uint64_t, const std::pair<std::string, std::string>*>>
      sorted;
  for (const auto& [k, n] : r.pii_accessed) sorted.emplace_back(n, &k);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  out << "\npii.accessed by actor and purpose\n";
  for (size_t i = 0; i < sorted.size() && i < 20; ++i) {
    out << "  " << sorted[i].first << "\t" << sorted[i].second->first << "\t"
        << sorted[i].second->second << "\n";
  }
  if (sorted.size() > 20)
    out << "  ... " << sorted.size() - 20 << " more (see --json)\n";
}

}  // namespace

std::string AuditReportText(const AuditReport& r) {
  std::ostringstream out;
  out << "cityid audit: " << r.source << "\n";
  Summary(out, r);
  Accesses(out, r);
  out << "\nchecks\n";
  size_t failed = 0;
  for (const char* name : kOrder) {
    auto it = r.checks.find(name);
    if (it == r.checks.end()) continue;
    const AuditCheck& c = it->second;
    std::string state(AuditCheckStateName(c.state));
    for (char& ch : state) ch = static_cast<char>(std::toupper(ch));
    failed += c.state == AuditCheck::State::kFail;
    out << "  " << state << std::string(9 - state.size(), ' ') << name;
    if (c.count > 0) out << "  (" << c.count << " findings)";
    if (!c.note.empty()) out << "  " << c.note;
    out << "\n";
    for (const AuditIssue& i : c.issues)
      out << "           - " << i.detail << "\n";
    if (c.count > c.issues.size())
      out << "           ... " << c.count - c.issues.size() << " more\n";
  }
  out << "\nRESULT: "
      << (failed == 0 ? std::string("PASS")
                      : "FAIL (" + std::to_string(failed) + " checks failed)")
      << "\n";
  return out.str();
}

json::object AuditReportJson(const AuditReport& r) {
  json::object o{{"source", r.source},       {"passed", r.Passed()},
                 {"events", r.events},       {"bytes", r.bytes},
                 {"first_seq", r.first_seq}, {"last_seq", r.last_seq},
                 {"seconds", r.seconds},     {"events_per_second", Rate(r)}};
  json::array gaps;
  for (const auto& [from, to] : r.gaps) gaps.push_back(json::array{from, to});
  o["gaps"] = std::move(gaps);
  json::object types, versions;
  for (const auto& [t, n] : r.by_type) types[t] = n;
  for (const auto& [v, n] : r.by_envelope_version)
    versions[std::to_string(v)] = n;
  o["by_type"] = std::move(types);
  o["by_envelope_version"] = std::move(versions);

  json::object merkle{{"tree_size", r.tree_size},
                      {"root", MerkleHashBase64(r.root)},
                      {"checkpoints", r.checkpoints},
                      {"checkpoints_verified", r.checkpoints_verified},
                      {"checkpoints_matching", r.checkpoints_matching},
                      {"consistency_proofs", r.consistency_proofs}};
  merkle["stored_tree_size"] =
      r.stored_tree_size ? json::value(*r.stored_tree_size) : json::value();
  if (r.latest_checkpoint) {
    merkle["latest_checkpoint"] =
        json::object{{"origin", r.latest_checkpoint->origin},
                     {"size", r.latest_checkpoint->size},
                     {"root", MerkleHashBase64(r.latest_checkpoint->root)},
                     {"matches", r.latest_checkpoint_matches}};
  } else {
    merkle["latest_checkpoint"] = nullptr;
  }
  o["merkle"] = std::move(merkle);
  o["first_altered_seq"] =
      r.first_altered_seq ? json::value(*r.first_altered_seq) : json::value();
  o["altered_range"] =
      r.altered_range
          ? json::value(json::object{{"after", r.altered_range->first},
                                     {"up_to", r.altered_range->second}})
          : json::value();
  o["residents"] = r.residents;
  o["erased_residents"] = r.erased_residents;
  o["cards"] = r.cards;
  json::array accesses;
  for (const auto& [k, n] : r.pii_accessed)
    accesses.push_back(
        json::object{{"actor", k.first}, {"purpose", k.second}, {"count", n}});
  o["pii_accessed"] = std::move(accesses);

  json::object checks;
  for (const auto& [name, c] : r.checks) {
    json::array issues;
    for (const AuditIssue& i : c.issues)
      issues.push_back(json::object{{"seq", i.seq}, {"detail", i.detail}});
    checks[name] = json::object{{"state", AuditCheckStateName(c.state)},
                                {"note", c.note},
                                {"count", c.count},
                                {"issues", std::move(issues)}};
  }
  o["checks"] = std::move(checks);
  return o;
}

}  // namespace cityid
