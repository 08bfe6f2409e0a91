// CardStatus: the states a card is in, as the events make them (SPEC §2,
// §10) and as the ledger and every projection report them. Vocabulary the
// events carry, so both sides share it without knowing each other.
#ifndef CITYID_SCHEMAS_CARD_STATUS_H_
#define CITYID_SCHEMAS_CARD_STATUS_H_

#include <string_view>

namespace cityid {

enum class CardStatus { kActive, kExpired, kSuspended, kRevoked };
std::string_view CardStatusName(CardStatus s);  // "active", ...

}  // namespace cityid

#endif  // CITYID_SCHEMAS_CARD_STATUS_H_
