// One sample event of every type, as written by envelope version 1. The
// golden files under schemas/golden/ were produced from these by
// `cityid_write_golden`; both must stay unchanged forever.
#ifndef CITYID_SCHEMAS_GOLDEN_EVENTS_H_
#define CITYID_SCHEMAS_GOLDEN_EVENTS_H_

#include <vector>

#include "schemas/event.h"

namespace cityid {

inline std::vector<Event> GoldenEvents() {
  const Micros t = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
  const std::string digest(32, '\x5a');
  auto env = [&](uint64_t seq, Payload p) {
    Event e;
    e.seq = seq;
    e.event_id =
        "00000000-0000-4000-8000-00000000000" + std::to_string(seq % 10);
    e.occurred_at = t + static_cast<Micros>(seq);
    e.recorded_at = t + static_cast<Micros>(seq) + 7;
    e.actor = "tok_clerk01";
    e.office = "central";
    e.idempotency_key = seq % 2 ? "idem-" + std::to_string(seq) : "";
    e.payload = std::move(p);
    return e;
  };
  const Attributes attrs{"north", "25-34", "es"};
  std::vector<Event> v;
  v.push_back(env(1, ResidentEnrolled{"r_0123456789abcdef01234567",
                                      digest,
                                      attrs,
                                      {"passport", "utility_bill"}}));
  v.push_back(env(2, ResidentUpdated{"r_0123456789abcdef01234567", digest, true,
                                     Attributes{"south", "25-34", "en"}}));
  v.push_back(env(
      3, CardIssued{"4929123456782", "r_0123456789abcdef01234567", "standard",
                    t, t + 5 * 365 * kMicrosPerDay, "1", 70123}));
  v.push_back(env(4, CardRenewed{"4929123456782", "r_0123456789abcdef01234567",
                                 t + 10 * 365 * kMicrosPerDay}));
  v.push_back(
      env(5, CardReplaced{"4929123456782", "5555123456784",
                          "r_0123456789abcdef01234567", "lost", "standard", t,
                          t + 5 * 365 * kMicrosPerDay, "1", 9}));
  CardSuspended s;
  s.card_id = "5555123456784";
  s.resident_id = "r_0123456789abcdef01234567";
  s.reason = "fraud_review";
  v.push_back(env(6, s));
  CardReinstated r;
  r.card_id = "5555123456784";
  r.resident_id = "r_0123456789abcdef01234567";
  r.reason = "cleared";
  v.push_back(env(7, r));
  CardRevoked k;
  k.card_id = "5555123456784";
  k.resident_id = "r_0123456789abcdef01234567";
  k.reason = "erased";
  v.push_back(env(8, k));
  v.push_back(env(9, ResidentErased{"r_0123456789abcdef01234567", "request"}));
  v.push_back(env(10, PiiAccessed{"r_0123456789abcdef01234567", "tok_clerk01",
                                  "card_pickup"}));
  return v;
}

}  // namespace cityid

#endif  // CITYID_SCHEMAS_GOLDEN_EVENTS_H_
