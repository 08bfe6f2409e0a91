#include "projections/stats/contribution.h"

#include <cassert>

namespace cityid::stats {

ContributionBounder::ContributionBounder(uint32_t bound) : bound_(bound) {
  assert(bound >= 1 && "a contribution bound of 0 would count nothing");
}

std::string ContributionBounder::Key(std::string_view period,
                                     std::string_view measure) {
  std::string key(period);
  key.push_back('\x1f');
  key.append(measure);
  return key;
}

bool ContributionBounder::Admit(std::string_view resident_id,
                                std::string_view period,
                                std::string_view measure) {
  uint32_t& n = counts_[std::string(resident_id)][Key(period, measure)];
  if (n >= bound_) return false;
  ++n;
  return true;
}

uint32_t ContributionBounder::Counted(std::string_view resident_id,
                                      std::string_view period,
                                      std::string_view measure) const {
  auto r = counts_.find(std::string(resident_id));
  if (r == counts_.end()) return 0;
  auto c = r->second.find(Key(period, measure));
  return c == r->second.end() ? 0 : c->second;
}

size_t ContributionBounder::ForgetResident(std::string_view resident_id) {
  auto r = counts_.find(std::string(resident_id));
  if (r == counts_.end()) return 0;
  size_t n = r->second.size();
  counts_.erase(r);
  return n;
}

}  // namespace cityid::stats
