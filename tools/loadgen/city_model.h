// CityModel: the synthetic city that `cityid loadgen` drives, as a
// continuous-time Markov process over simulated programme years (a Gillespie
// simulation). Each call to Next() picks the next command with probability
// proportional to its rate in the current state and advances the simulated
// clock by the mean waiting time, 1 / (sum of rates):
//
//   enroll     remaining_unenrolled / wave_years   (a launch wave that decays
//              as the city fills: 1 - exp(-t / wave_years) enrolled by t)
//   issue      pending_residents * 50 / year       (a card within a week)
//   renew      cards_due * 50 / year               (due = within
//              renew_window_years of the simulated expiry)
//   replace    active_cards * replace_per_year     (~2 %/yr lost or stolen)
//   revoke     active_cards * revoke_per_year      (~1 %/yr)
//   erase      active_cards * erase_per_year       (erasure on request)
//
// Commands are handed out as Ops; the model takes the named card out of
// circulation until Complete() reports the ledger's answer, so concurrent
// workers never act on the same card. The ledger's own clock decides real
// expiry; the simulated clock only shapes the mix.
//
// Threading: not thread-safe; the engine calls it under one mutex.
#ifndef CITYID_TOOLS_LOADGEN_CITY_MODEL_H_
#define CITYID_TOOLS_LOADGEN_CITY_MODEL_H_

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace cityid::loadgen {

enum class OpKind { kEnroll, kIssue, kRenew, kReplace, kRevoke, kErase };
inline constexpr int kOpKinds = 6;
const char* OpKindName(OpKind kind);

struct CityParams {
  uint64_t residents = 1000;        // the city's eventual population
  double wave_years = 0.5;          // enrollment wave time constant
  double validity_years = 2.0;      // simulated card validity
  double renew_window_years = 0.1;  // renewals start this long before expiry
  double replace_per_year = 0.02;
  double revoke_per_year = 0.01;
  double erase_per_year = 0.005;
  bool bulk = false;  // enroll and issue only (bulk migration)
  uint64_t seed = 1;
};

struct Op {
  OpKind kind = OpKind::kEnroll;
  int64_t resident = -1;  // index into the model's residents
  int64_t card = -1;      // index into the model's cards
  uint64_t index = 0;     // enroll: seed * 10^9 + the resident's number (names)
};

class CityModel {
 public:
  explicit CityModel(CityParams params);

  // The next command; false when the city has nothing left to do (every
  // resident enrolled and no other command has a positive rate, e.g. in bulk
  // mode, or every card is in flight).
  bool Next(Op* op);
  // Records the ledger's answer to `op`. `ok` false: the command failed and
  // the state is as before. `id` is the new resident or card id (enroll,
  // issue, replace); ignored otherwise.
  void Complete(const Op& op, bool ok, const std::string& id);

  const std::string& resident_id(int64_t r) const { return residents_[r].id; }
  const std::string& card_id(int64_t c) const { return cards_[c].id; }
  double sim_years() const { return now_; }
  uint64_t enrolled() const { return enrolled_; }
  uint64_t active_cards() const { return active_.size(); }

 private:
  struct Resident {
    std::string id;
    int64_t card = -1;
    bool erased = false;
  };
  struct Card {
    std::string id;
    int64_t resident = -1;
    double due = 0;  // simulated time renewals start
    bool active = false;
    int64_t active_slot = -1;  // position in active_
  };
  void Activate(int64_t card);
  void Deactivate(int64_t card);
  size_t DueCount() const;
  bool TakeDue(Op* op);
  bool TakeActive(Op* op);

  CityParams params_;
  std::mt19937_64 rng_;
  double now_ = 0;
  uint64_t enrolled_ = 0;  // enrollments handed out (incl. in flight)
  std::vector<Resident> residents_;
  std::vector<Card> cards_;
  std::vector<int64_t> pending_;                // residents awaiting a card
  std::vector<int64_t> active_;                 // active cards not in flight
  std::deque<std::pair<double, int64_t>> due_;  // (due time, card), by time
};

}  // namespace cityid::loadgen

#endif  // CITYID_TOOLS_LOADGEN_CITY_MODEL_H_
