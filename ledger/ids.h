// Identifier generation and checks (SPEC §2). All ids come from OpenSSL's
// CSPRNG (base/bytes.h): none encodes time, order or a counter, so an id says
// nothing about when or where a resident enrolled or a card was issued.
//
// Thread-safe: every function may be called from any thread.
#ifndef CITYID_LEDGER_IDS_H_
#define CITYID_LEDGER_IDS_H_

#include <string>
#include <string_view>

namespace cityid {

// "r_" followed by 24 lowercase hex digits (96 random bits).
std::string NewResidentId();
bool IsValidResidentId(std::string_view id);

// 12 random decimal digits followed by their Luhn check digit (13 digits).
// Callers must still check the id is unused: 10^12 ids collide by birthday
// after ~10^6 cards.
std::string NewCardId();
// True for 13 decimal digits whose last one is the Luhn check digit of the
// rest.
bool IsValidCardId(std::string_view id);
// The Luhn check digit ('0'..'9') for a string of decimal digits.
char LuhnCheckDigit(std::string_view digits);

// RFC 9562 UUID version 4 in lowercase 8-4-4-4-12 text form.
std::string NewEventId();

}  // namespace cityid

#endif  // CITYID_LEDGER_IDS_H_
