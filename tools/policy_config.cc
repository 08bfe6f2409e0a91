#include "tools/policy_config.h"

namespace cityid {
namespace {

struct DomainKey {
  const char* dimension;  // as the statistics name it
  const char* name;       // the key's last part, as in policy.<name>
  AttributeDomain ProgrammePolicy::*domain;
};

constexpr DomainKey kDomainKeys[] = {
    {"district", "districts", &ProgrammePolicy::districts},
    {"age_band", "age_bands", &ProgrammePolicy::age_bands},
    {"language", "languages", &ProgrammePolicy::languages},
    {"card_type", "card_types", &ProgrammePolicy::card_types},
};

std::string Joined(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + values[i];
  return out;
}

}  // namespace

Result<ProgrammePolicy> PolicyFromConfig(const Config& config) {
  ProgrammePolicy policy;
  for (const DomainKey& k : kDomainKeys) {
    const std::string removed = std::string("stats.") + k.name;
    if (config.Has(removed)) {
      return InvalidArgument(removed +
                             " is no longer read: the attribute domains are "
                             "programme policy, shared by the ledger and the "
                             "statistics; set policy." +
                             k.name + " instead (docs/CONFIG.md)");
    }
    (policy.*k.domain).values = config.GetList(std::string("policy.") + k.name);
  }
  CITYID_RETURN_IF_ERROR(policy.Check());
  return policy;
}

std::string PolicyKeyFor(std::string_view dimension) {
  for (const DomainKey& k : kDomainKeys) {
    if (dimension == k.dimension) return std::string("policy.") + k.name;
  }
  return "policy." + std::string(dimension);
}

std::string DescribePolicy(const ProgrammePolicy& policy) {
  std::string out = "policy:";
  for (const DomainKey& k : kDomainKeys) {
    const AttributeDomain& d = policy.*k.domain;
    out += std::string(" ") + k.dimension + " ";
    if (d.closed()) {
      out += "closed [" + Joined(d.values) + "]";
    } else {
      out += k.domain == &ProgrammePolicy::card_types
                 ? "[" + Joined(ProgrammePolicy::ApiCardTypes()) + "]"
                 : std::string("open");
    }
  }
  return out;
}

std::vector<std::string> PolicyAssignments(const ProgrammePolicy& policy) {
  std::vector<std::string> out;
  for (const DomainKey& k : kDomainKeys) {
    const AttributeDomain& d = policy.*k.domain;
    if (!d.closed()) continue;
    out.push_back(std::string("policy.") + k.name + "=" + Joined(d.values));
  }
  return out;
}

}  // namespace cityid
