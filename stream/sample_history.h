// A deterministic synthetic history for projection tests: residents who
// enroll, get cards, renew, get suspended and reinstated, replace lost cards,
// get revoked and erased, with pii.accessed in between — every event type,
// in an order the ledger's rules allow. Ids are fixed by the resident's
// number, so two runs build byte-identical histories.
#ifndef CITYID_STREAM_SAMPLE_HISTORY_H_
#define CITYID_STREAM_SAMPLE_HISTORY_H_

#include <string>

#include "stream/memory_event_source.h"

namespace cityid {

constexpr Micros kSampleT0 = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

inline std::string SampleResidentId(int i) {
  std::string n = std::to_string(i);
  return "r_" + std::string(24 - n.size(), '0') + n;
}

// 13 digits; `generation` distinguishes a replacement from the first card.
inline std::string SampleCardId(int i, int generation) {
  std::string n = std::to_string(i * 10 + generation);
  return "4" + std::string(12 - n.size(), '0') + n;
}

inline CardStatusChange SampleChange(const std::string& card,
                                     const std::string& resident,
                                     const char* reason) {
  return CardStatusChange{card, resident, reason};
}

// Appends the history of residents [first, first + count) to `source`.
inline void AppendSampleHistory(MemoryEventSource& source, int first,
                                int count) {
  const Attributes districts[] = {{"north", "25-34", "es"},
                                  {"south", "35-44", "en"},
                                  {"east", "18-24", "ar"}};
  for (int i = first; i < first + count; ++i) {
    const std::string rid = SampleResidentId(i);
    Micros t = kSampleT0 + i * kMicrosPerSecond;
    source.Append(
        ResidentEnrolled{
            rid, std::string(32, 'd'), districts[i % 3], {"passport"}},
        t);
    std::string card = SampleCardId(i, 0);
    source.Append(
        CardIssued{card, rid, "standard", t, t + 5 * 365 * kMicrosPerDay, "1",
                   static_cast<uint32_t>(i * 7919 % 131072)},
        t);
    if (i % 4 == 1) source.Append(PiiAccessed{rid, "tok_test", "pickup"}, t);
    if (i % 3 == 0) {
      source.Append(CardRenewed{card, rid, t + 10 * 365 * kMicrosPerDay}, t);
    }
    if (i % 6 == 2) {
      source.Append(ResidentUpdated{rid, "", true, districts[(i + 1) % 3]}, t);
    }
    if (i % 5 == 0) {
      source.Append(CardSuspended{SampleChange(card, rid, "fraud_review")}, t);
      if (i % 2 == 0) {
        source.Append(CardReinstated{SampleChange(card, rid, "cleared")}, t);
      }
    }
    if (i % 7 == 3) {
      std::string next = SampleCardId(i, 1);
      source.Append(CardReplaced{card, next, rid, "lost", "standard", t,
                                 t + 5 * 365 * kMicrosPerDay, "1",
                                 static_cast<uint32_t>(i * 104729 % 131072)},
                    t);
      card = next;
    }
    if (i % 11 == 4) {
      source.Append(CardRevoked{SampleChange(card, rid, "fraud")}, t);
    } else if (i % 13 == 6) {
      // As the ledger erases: revoke the live card first, then erase.
      source.Append(CardRevoked{SampleChange(card, rid, "erased")}, t);
      source.Append(ResidentErased{rid, "request"}, t);
    }
  }
}

}  // namespace cityid

#endif  // CITYID_STREAM_SAMPLE_HISTORY_H_
