// Test helpers for ledger tests: a temporary data directory with key files,
// and ready-made commands. Test-only.
#ifndef CITYID_LEDGER_LEDGER_TEST_UTIL_H_
#define CITYID_LEDGER_LEDGER_TEST_UTIL_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/clock.h"
#include "ledger/ledger.h"
#include "ledger/vault/vault_test_util.h"

namespace cityid::testing_util {

// 2026-05-28T00:00:00Z
constexpr Micros kTestNow = 1'779'926'400LL * kMicrosPerSecond;

inline EnrollCommand MakeEnroll(std::string given, std::string family,
                                std::string dob = "1990-04-01") {
  return EnrollCommand{{{"given_name", std::move(given)},
                        {"family_name", std::move(family)},
                        {"date_of_birth", std::move(dob)}},
                       {"north", "30-39", "es"},
                       {"passport"}};
}

inline CommandContext Ctx(std::string idempotency_key = "",
                          std::string hash = "") {
  CommandContext c;
  c.actor = "tok_clerk";
  c.office = "downtown";
  c.idempotency_key = std::move(idempotency_key);
  c.request_hash = std::move(hash);
  return c;
}

}  // namespace cityid::testing_util

#endif  // CITYID_LEDGER_LEDGER_TEST_UTIL_H_
