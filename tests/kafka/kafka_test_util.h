// Helpers for tests of cityid's Kafka adapter against a real broker.
//
// KafkaBrokerEnvironment is a gtest global environment: SetUp starts a
// single-node KRaft broker with tests/kafka/kafka.sh in a fresh temp dir
// (fetching the jars on first use), TearDown stops it and removes the dir.
// When CITYID_KAFKA_BOOTSTRAP is set, that broker is used instead and nothing
// is started or stopped. Register it in a test file with
//   CITYID_KAFKA_TEST_ENVIRONMENT();
// Tests isolate themselves with UniqueKafkaOptions() (own topic prefix and
// transactional id), so several binaries may share one broker.
#ifndef CITYID_TESTS_KAFKA_KAFKA_TEST_UTIL_H_
#define CITYID_TESTS_KAFKA_KAFKA_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "ledger/ledger.h"
#include "stream/kafka/kafka_common.h"

namespace cityid::testing {

class KafkaBrokerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
  // host:port of the broker in use (empty before SetUp).
  static const std::string& Bootstrap();
  // True when this process started the broker (and may stop/restart it).
  static bool Owned();
  // Stops (SIGTERM, or SIGKILL with kill) and restarts the owned broker on the
  // same ports with its data. Fail the test when not owned.
  static Status Stop(bool kill);
  static Status Start();
};

#define CITYID_KAFKA_TEST_ENVIRONMENT()                    \
  static ::testing::Environment* const cityid_kafka_env_ = \
      ::testing::AddGlobalTestEnvironment(                 \
          new ::cityid::testing::KafkaBrokerEnvironment)

// Options with a unique topic prefix and transactional id, short timeouts.
KafkaOptions UniqueKafkaOptions();

// `n` framed events with seq first..first+n-1, of varied types and residents.
std::vector<StoredEvent> MakeEvents(uint64_t first, size_t n);

// A LocalLogReader over `log` (which must outlive it), as Ledger::ReadEvents.
std::function<Result<std::vector<StoredEvent>>(uint64_t, size_t)> VectorLog(
    const std::vector<StoredEvent>* log);

// Creates a topic with the given config through the Admin API.
Status CreateTopic(const KafkaOptions& options, const std::string& topic,
                   int partitions,
                   const std::map<std::string, std::string>& config);

// A record as a foreign writer appends it: any value, key and headers.
struct ForeignRecord {
  std::string value;
  std::string key;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Appends `records` to one partition of the events topic with a plain
// (non-transactional) producer, bypassing every check of the publisher.
// Returns the offset of the first (the partition's end before the call).
Result<int64_t> ProduceForeign(const KafkaOptions& options, int32_t partition,
                               const std::vector<ForeignRecord>& records);

}  // namespace cityid::testing

#endif  // CITYID_TESTS_KAFKA_KAFKA_TEST_UTIL_H_
