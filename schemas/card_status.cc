#include "schemas/card_status.h"

namespace cityid {

std::string_view CardStatusName(CardStatus s) {
  switch (s) {
    case CardStatus::kActive:
      return "active";
    case CardStatus::kExpired:
      return "expired";
    case CardStatus::kSuspended:
      return "suspended";
    case CardStatus::kRevoked:
      return "revoked";
  }
  return "unknown";
}

}  // namespace cityid
