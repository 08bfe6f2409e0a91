// Test helper: encodes one random list in both forms and checks the compact
// payload against the entropy bound (used by the unit and slow size tests).
#ifndef CITYID_PROJECTIONS_STATUS_LIST_SIZE_CHECK_H_
#define CITYID_PROJECTIONS_STATUS_LIST_SIZE_CHECK_H_

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>

#include "base/bytes.h"
#include "projections/status_list/compact_list.h"
#include "projections/status_list/rice_set.h"
#include "projections/status_list/status_list_jwt.h"
#include "projections/status_list/test_util.h"

namespace cityid::statuslist::testing {

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

// Raw ZLIB bytes behind a token's lst (base64url: 4 characters per 3 bytes).
inline size_t LstBytes(const std::string& jwt) {
  const size_t dot1 = jwt.find('.');
  const size_t dot2 = jwt.find('.', dot1 + 1);
  const std::string payload =
      *Base64UrlDecode(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
  const boost::json::value claims = boost::json::parse(payload);
  return claims.at("status_list").at("lst").as_string().size() * 3 / 4;
}

// N entries with `revoked_fraction` revoked and `suspended_fraction`
// suspended: asserts payload <= 1.05 x (log2 C(N,R) + log2 C(N,S)), that
// both forms decode back to the list, and prints the sizes side by side.
inline void CheckSizes(uint32_t n, double revoked_fraction,
                       double suspended_fraction) {
  const auto r = static_cast<uint32_t>(n * revoked_fraction);
  const auto s = static_cast<uint32_t>(n * suspended_fraction);
  const StatusList list = MakeList(RandomStatuses(n, r, s, n + r + s));
  const SigningKey key = *SigningKey::FromSeed(std::string(32, '\7'));
  Jwks keys;
  ASSERT_TRUE(keys.AddPublicOf(key).ok());

  auto start = std::chrono::steady_clock::now();
  Result<std::string> compact = EncodeCompactList(list, key);
  const double compact_s = SecondsSince(start);
  ASSERT_TRUE(compact.ok());
  start = std::chrono::steady_clock::now();
  Result<std::string> jwt = EncodeStatusListJwt(
      list.statuses, {"https://x/v1/status-lists/7", kIat, kExp, 3600}, key);
  const double jwt_s = SecondsSince(start);
  ASSERT_TRUE(jwt.ok());
  const size_t lst_bytes = LstBytes(*jwt);

  const CompactListInfo info = *InspectCompactList(*compact);
  const double bound_bits = EntropyBoundBits(n, r) + EntropyBoundBits(n, s);
  const double payload_bits = 8.0 * static_cast<double>(info.payload_bytes);
  std::printf(
      "N=%u revoked=%.1f%% suspended=%.2f%%: bound %.0f B | compact payload "
      "%zu B "
      "(%.4fx bound), whole %zu B, encode %.3f s | standard zlib %zu B (%.2fx "
      "bound), "
      "JWT %zu B, encode %.3f s\n",
      n, 100 * revoked_fraction, 100 * suspended_fraction, bound_bits / 8,
      info.payload_bytes, payload_bits / bound_bits, info.total_bytes,
      compact_s, lst_bytes, 8.0 * static_cast<double>(lst_bytes) / bound_bits,
      jwt->size(), jwt_s);
  EXPECT_LE(payload_bits, 1.05 * bound_bits);

  Result<StatusList> back = VerifyCompactList(*compact, keys, kNow);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == list);
  Result<VerifiedJwt> from_jwt = VerifyStatusListJwt(*jwt, keys, kNow);
  ASSERT_TRUE(from_jwt.ok());
  EXPECT_EQ(from_jwt->statuses.packed(), list.statuses.packed());
}

}  // namespace cityid::statuslist::testing

#endif  // CITYID_PROJECTIONS_STATUS_LIST_SIZE_CHECK_H_
