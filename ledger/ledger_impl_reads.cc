// LedgerImpl reads and the WaitForEvents notifier (ledger/ledger_impl.h).
#include <algorithm>

#include "ledger/ledger_impl.h"
#include "ledger/state_codec.h"

namespace cityid {

Result<std::vector<StoredEvent>> LedgerImpl::ReadEvents(uint64_t after,
                                                        size_t limit) const {
  std::shared_lock<std::shared_mutex> lock(db_mu_);
  if (!log_) return Unavailable("ledger is closed");
  uint64_t last = last_seq_.load();
  if (after >= last) return std::vector<StoredEvent>();
  // Never past LastSeq(): a batch being written is not yet acknowledged.
  return log_->ReadEvents(after, std::min<uint64_t>(limit, last - after));
}

Result<CardView> LedgerImpl::GetCard(const std::string& card_id) const {
  std::shared_lock<std::shared_mutex> lock(db_mu_);
  if (!log_) return Unavailable("ledger is closed");
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          log_->Get(Cf::kCards, card_id));
  if (!raw) return NotFound("card " + card_id + " does not exist");
  CITYID_ASSIGN_OR_RETURN(CardState card, DecodeCardState(*raw));
  return ToCardView(card, options_.clock->Now());
}

Result<ResidentView> LedgerImpl::GetResidentState(
    const std::string& resident_id) const {
  std::shared_lock<std::shared_mutex> lock(db_mu_);
  if (!log_) return Unavailable("ledger is closed");
  CITYID_ASSIGN_OR_RETURN(std::optional<std::string> raw,
                          log_->Get(Cf::kResidents, resident_id));
  if (!raw) return NotFound("resident " + resident_id + " does not exist");
  CITYID_ASSIGN_OR_RETURN(ResidentState resident, DecodeResidentState(*raw));
  return ToResidentView(resident);
}

void LedgerImpl::WaitForEvents(uint64_t after, Micros timeout,
                               std::function<void()> fn) {
  timeout =
      std::min<Micros>(timeout, 3600 * kMicrosPerSecond);  // no clock overflow
  if (last_seq_.load() > after || timeout <= 0) {
    fn();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(waiters_mu_);
    if (!notifier_stop_) {
      waiters_.push_back({after,
                          std::chrono::steady_clock::now() +
                              std::chrono::microseconds(timeout),
                          std::move(fn)});
      waiters_cv_.notify_all();
      return;
    }
  }
  fn();  // closed: nothing will arrive
}

void LedgerImpl::NotifierLoop() {
  std::unique_lock<std::mutex> lock(waiters_mu_);
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    uint64_t last = last_seq_.load();
    std::vector<std::function<void()>> due;
    auto keep =
        std::partition(waiters_.begin(), waiters_.end(), [&](const Waiter& w) {
          return !(notifier_stop_ || w.after < last || w.deadline <= now);
        });
    for (auto it = keep; it != waiters_.end(); ++it)
      due.push_back(std::move(it->fn));
    waiters_.erase(keep, waiters_.end());
    if (!due.empty()) {
      lock.unlock();
      for (auto& fn : due) fn();
      lock.lock();
      continue;
    }
    if (notifier_stop_) return;
    if (waiters_.empty()) {
      waiters_cv_.wait(lock);
    } else {
      auto next = std::min_element(waiters_.begin(), waiters_.end(),
                                   [](const Waiter& a, const Waiter& b) {
                                     return a.deadline < b.deadline;
                                   })
                      ->deadline;
      waiters_cv_.wait_until(lock, next);
    }
  }
}

}  // namespace cityid
