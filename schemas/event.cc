#include "schemas/event.h"

namespace cityid {

std::string_view Event::type() const {
  return std::visit(
      [](const auto& p) { return std::decay_t<decltype(p)>::kType; }, payload);
}

const std::string& Event::resident_id() const {
  return std::visit(
      [](const auto& p) -> const std::string& { return p.resident_id; },
      payload);
}

const std::vector<std::string_view>& AllEventTypes() {
  static const std::vector<std::string_view> kTypes = [] {
    std::vector<std::string_view> v;
    auto add = [&v]<size_t... I>(std::index_sequence<I...>) {
      (v.push_back(std::variant_alternative_t<I, Payload>::kType), ...);
    };
    add(std::make_index_sequence<std::variant_size_v<Payload>>());
    return v;
  }();
  return kTypes;
}

}  // namespace cityid
