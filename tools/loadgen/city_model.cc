#include "tools/loadgen/city_model.h"

#include <algorithm>
#include <array>

namespace cityid::loadgen {

const char* OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kEnroll:
      return "enroll";
    case OpKind::kIssue:
      return "issue";
    case OpKind::kRenew:
      return "renew";
    case OpKind::kReplace:
      return "replace";
    case OpKind::kRevoke:
      return "revoke";
    case OpKind::kErase:
      return "erase";
  }
  return "?";
}

CityModel::CityModel(CityParams params) : params_(params), rng_(params.seed) {}

size_t CityModel::DueCount() const {
  auto it = std::upper_bound(due_.begin(), due_.end(), now_,
                             [](double t, const std::pair<double, int64_t>& e) {
                               return t < e.first;
                             });
  return static_cast<size_t>(it - due_.begin());
}

void CityModel::Activate(int64_t c) {
  Card& card = cards_[c];
  card.active = true;
  card.active_slot = static_cast<int64_t>(active_.size());
  active_.push_back(c);
}

void CityModel::Deactivate(int64_t c) {
  Card& card = cards_[c];
  if (card.active_slot < 0) return;
  const int64_t last = active_.back();
  active_[card.active_slot] = last;
  cards_[last].active_slot = card.active_slot;
  active_.pop_back();
  card.active_slot = -1;
}

// A due card not in flight: the earliest, dropping stale entries.
bool CityModel::TakeDue(Op* op) {
  for (auto it = due_.begin(); it != due_.end() && it->first <= now_;) {
    const Card& card = cards_[it->second];
    if (!card.active || card.due != it->first) {
      it = due_.erase(it);
      continue;
    }
    if (card.active_slot < 0) {  // in flight
      ++it;
      continue;
    }
    op->card = it->second;
    op->resident = card.resident;
    due_.erase(it);
    Deactivate(op->card);
    return true;
  }
  return false;
}

bool CityModel::TakeActive(Op* op) {
  if (active_.empty()) return false;
  std::uniform_int_distribution<size_t> pick(0, active_.size() - 1);
  op->card = active_[pick(rng_)];
  op->resident = cards_[op->card].resident;
  Deactivate(op->card);
  return true;
}

bool CityModel::Next(Op* op) {
  const double active = static_cast<double>(active_.size());
  std::array<double, kOpKinds> rate{};
  rate[0] =
      static_cast<double>(params_.residents - enrolled_) / params_.wave_years;
  rate[1] = static_cast<double>(pending_.size()) * 50;
  if (!params_.bulk) {
    rate[2] = static_cast<double>(DueCount()) * 50;
    rate[3] = active * params_.replace_per_year;
    rate[4] = active * params_.revoke_per_year;
    rate[5] = active * params_.erase_per_year;
  }
  for (int attempt = 0; attempt < kOpKinds; ++attempt) {
    double total = 0;
    for (double r : rate) total += r;
    if (total <= 0) return false;
    now_ += 1.0 / total;
    double x = std::uniform_real_distribution<double>(0, total)(rng_);
    int k = 0;
    while (k < kOpKinds - 1 && (x >= rate[k] || rate[k] == 0)) x -= rate[k++];
    *op = Op{static_cast<OpKind>(k)};
    bool got = false;
    switch (op->kind) {
      case OpKind::kEnroll:
        op->index = params_.seed * 1'000'000'000 + enrolled_++;
        got = true;
        break;
      case OpKind::kIssue:
        op->resident = pending_.back();
        pending_.pop_back();
        got = true;
        break;
      case OpKind::kRenew:
        got = TakeDue(op);
        break;
      default:
        got = TakeActive(op);
        break;
    }
    if (got) return true;
    rate[k] = 0;
  }
  return false;
}

void CityModel::Complete(const Op& op, bool ok, const std::string& id) {
  const double due = now_ + params_.validity_years - params_.renew_window_years;
  auto new_card = [&](int64_t resident) {
    cards_.push_back(Card{id, resident, due, false, -1});
    const auto c = static_cast<int64_t>(cards_.size() - 1);
    residents_[resident].card = c;
    Activate(c);
    due_.emplace_back(due, c);
  };
  switch (op.kind) {
    case OpKind::kEnroll:
      if (!ok) {
        --enrolled_;
        return;
      }
      residents_.push_back(Resident{id});
      pending_.push_back(static_cast<int64_t>(residents_.size() - 1));
      return;
    case OpKind::kIssue:
      if (ok)
        new_card(op.resident);
      else
        pending_.push_back(op.resident);
      return;
    default:
      break;
  }
  Card& card = cards_[op.card];
  if (!ok) {  // back into circulation, unchanged
    Activate(op.card);
    if (op.kind == OpKind::kRenew) due_.emplace_front(card.due, op.card);
    return;
  }
  switch (op.kind) {
    case OpKind::kRenew:
      card.due = due;
      Activate(op.card);
      due_.emplace_back(due, op.card);
      return;
    case OpKind::kReplace:
      card.active = false;
      new_card(op.resident);
      return;
    case OpKind::kRevoke:
      card.active = false;
      residents_[op.resident].card = -1;
      return;
    case OpKind::kErase:
      card.active = false;
      residents_[op.resident].erased = true;
      residents_[op.resident].card = -1;
      return;
    default:
      return;
  }
}

}  // namespace cityid::loadgen
