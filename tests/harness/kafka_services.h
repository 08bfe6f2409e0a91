// Kafka-mode helpers for end-to-end tests that run the real `cityid` binary
// against a real broker (tests/kafka/kafka_test_util.h starts it).
#ifndef CITYID_TESTS_HARNESS_KAFKA_SERVICES_H_
#define CITYID_TESTS_HARNESS_KAFKA_SERVICES_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "stream/kafka/kafka_common.h"
#include "tests/harness/services.h"

namespace cityid::testing {

// One ledger shard in a shared broker: its own topic prefix and shard id (so
// its own transactional id). Tests never see each other's topics.
struct KafkaShard {
  std::string bootstrap;
  std::string prefix;  // "t<hex>."
  std::string shard;   // "s<hex>"

  // For readers in the test process.
  KafkaOptions Options() const;
  // Flags that put a cityid process in Kafka mode on this shard, with
  // timeouts short enough for tests (commit 4 s, requests 4 s, transactions
  // 15 s).
  std::vector<std::string> Args() const;
};

// A fresh shard on the broker of KafkaBrokerEnvironment. Also removes
// CITYID_KAFKA_BOOTSTRAP from this process's environment (the broker address
// is read by then): cityid reads CITYID_* variables as config, so children
// would otherwise all run in Kafka mode on the default topics.
KafkaShard NewKafkaShard();

// Every committed record of the shard's events topic after `after`, in seq
// order. Adds a test failure (and returns what was read) on a read error.
std::vector<KafkaRecord> ReadTopic(const KafkaShard& shard, uint64_t after = 0);

// The ledger's feed as (seq, exact event bytes), in seq order.
std::vector<StoredEvent> FeedEvents(HttpClient& client,
                                    const std::string& token);

// GET /readyz on 127.0.0.1:port (status 0: no answer).
Reply Readyz(uint16_t port);
// The "detail" of a problem+json body, or the raw body.
std::string Detail(const Reply& reply);

// Polls `pred` every `every` until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& pred,
             std::chrono::milliseconds timeout,
             std::chrono::milliseconds every = std::chrono::milliseconds(50));

// Checks that Kafka and the local log hold the same seqs 1..N with the same
// bytes (test failures otherwise) and returns N.
uint64_t ExpectSameHistory(const std::vector<KafkaRecord>& kafka,
                           const std::vector<StoredEvent>& local);

// Drives a small city through the ledger on `port` with `workers` clients:
// `residents` enrollments, each with a card, and a mix of renewals,
// suspensions, replacements, revocations and erasures. Every command must
// succeed (test failures otherwise). Returns the ledger's last seq.
uint64_t LoadSmallCity(uint16_t port, const std::string& clerk,
                       const std::string& supervisor, int residents,
                       int workers = 4);

// Copies a data directory's keys, tokens and auth store (not its ledger), as
// an operator restores them from backup next to a restored log.
void CopyKeysAndTokens(const std::string& from, const std::string& to);

}  // namespace cityid::testing

#endif  // CITYID_TESTS_HARNESS_KAFKA_SERVICES_H_
