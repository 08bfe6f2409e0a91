#include "ledger/ack_queue.h"

#include <cassert>

namespace cityid {

uint64_t AckQueue::Add(std::vector<Answer> answers) {
  std::lock_guard<std::mutex> lock(mu_);
  batches_.push_back(Batch{std::move(answers), std::nullopt});
  return first_ticket_ + batches_.size() - 1;
}

void AckQueue::Complete(uint64_t ticket, Status outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  // A ticket below first_ticket_ was released already: completing it twice
  // is a programmer error.
  assert(ticket >= first_ticket_ && ticket - first_ticket_ < batches_.size());
  batches_[ticket - first_ticket_].outcome = std::move(outcome);
  ReleaseReady();
}

void AckQueue::ReleaseReady() {
  bool any = false;
  while (!batches_.empty() && batches_.front().outcome.has_value()) {
    Batch& b = batches_.front();
    for (Answer& a : b.answers) {
      a.done(b.outcome->ok() ? std::move(a.result)
                             : Result<CommandResult>(*b.outcome));
    }
    batches_.pop_front();
    ++first_ticket_;
    any = true;
  }
  if (any) released_.notify_all();
}

void AckQueue::WaitBelow(size_t max) {
  std::unique_lock<std::mutex> lock(mu_);
  released_.wait(lock, [&] { return batches_.size() <= max; });
}

size_t AckQueue::unreleased() const {
  std::lock_guard<std::mutex> lock(mu_);
  return batches_.size();
}

}  // namespace cityid
