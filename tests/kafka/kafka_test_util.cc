#include "tests/kafka/kafka_test_util.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "schemas/event_codec.h"
#include "stream/kafka/kafka_log.h"

namespace cityid::testing {
namespace {

std::string g_bootstrap;
std::string g_dir;  // non-empty when this process owns the broker

Status RunScript(const std::string& args) {
  const std::string cmd = "KAFKA_WATCH_PID=" + std::to_string(getpid()) +
                          " bash '" + CITYID_KAFKA_SH + "' " + args +
                          " >/dev/null";
  const int rc = std::system(cmd.c_str());
  if (rc != 0)
    return Unavailable("kafka.sh " + args + " exited with " +
                       std::to_string(rc));
  return Status::Ok();
}

std::string RandomHex(size_t n) {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += digits[rng() % 16];
  return s;
}

}  // namespace

void KafkaBrokerEnvironment::SetUp() {
  if (const char* env = std::getenv("CITYID_KAFKA_BOOTSTRAP"); env && *env) {
    g_bootstrap = env;
    return;
  }
  char tmpl[] = "/tmp/cityid-kafka-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  g_dir = tmpl;
  Status s = Start();
  ASSERT_TRUE(s.ok()) << s.ToString() << " (see " << g_dir
                      << "/logs/server.log)";
  std::ifstream in(g_dir + "/bootstrap");
  std::getline(in, g_bootstrap);
  ASSERT_FALSE(g_bootstrap.empty());
}

void KafkaBrokerEnvironment::TearDown() {
  if (g_dir.empty()) return;
  Stop(false).PermitUnchecked();
  std::error_code ec;
  std::filesystem::remove_all(g_dir, ec);
  g_dir.clear();
}

const std::string& KafkaBrokerEnvironment::Bootstrap() { return g_bootstrap; }
bool KafkaBrokerEnvironment::Owned() { return !g_dir.empty(); }

Status KafkaBrokerEnvironment::Stop(bool kill) {
  if (g_dir.empty())
    return Internal("the broker is not owned by this test process");
  return RunScript("stop '" + g_dir + "'" + (kill ? " --kill" : ""));
}

Status KafkaBrokerEnvironment::Start() {
  if (g_dir.empty())
    return Internal("the broker is not owned by this test process");
  return RunScript("start '" + g_dir + "'");
}

KafkaOptions UniqueKafkaOptions() {
  KafkaOptions o;
  o.bootstrap = KafkaBrokerEnvironment::Bootstrap();
  const std::string id = RandomHex(10);
  o.topic_prefix = "t" + id + ".";
  o.transactional_id_prefix = "cityid-test-" + id + "-";
  o.commit_timeout_ms = 10000;
  o.request_timeout_ms = 5000;
  return o;
}

std::vector<StoredEvent> MakeEvents(uint64_t first, size_t n) {
  std::vector<StoredEvent> out;
  for (uint64_t seq = first; seq < first + n; ++seq) {
    Event e;
    e.seq = seq;
    char uuid[64];
    std::snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012llu",
                  static_cast<unsigned long long>(seq));
    e.event_id = uuid;
    e.occurred_at = 1'767'225'600'000'000 + static_cast<Micros>(seq) * 1000;
    e.recorded_at = e.occurred_at + 5;
    e.actor = "tok_test";
    e.office = "central";
    const std::string resident = "r_" + std::to_string(1000 + seq % 7);
    if (seq % 3 == 0) {
      CardIssued c;
      c.card_id = std::to_string(4929000000000 + seq);
      c.resident_id = resident;
      c.card_type = "standard";
      c.issued_at = e.occurred_at;
      c.expires_at = e.occurred_at + 5 * 365 * kMicrosPerDay;
      c.status_list = "1";
      c.status_index = static_cast<uint32_t>(seq * 7919 % 131072);
      e.payload = c;
    } else {
      e.payload = ResidentEnrolled{resident,
                                   std::string(32, '\x5a'),
                                   Attributes{"north", "25-34", "es"},
                                   {"passport"}};
    }
    out.push_back(StoredEvent{seq, EncodeEvent(e)});
  }
  return out;
}

std::function<Result<std::vector<StoredEvent>>(uint64_t, size_t)> VectorLog(
    const std::vector<StoredEvent>* log) {
  return
      [log](uint64_t after, size_t limit) -> Result<std::vector<StoredEvent>> {
        std::vector<StoredEvent> out;
        for (const StoredEvent& e : *log) {
          if (e.seq > after && out.size() < limit) out.push_back(e);
        }
        return out;
      };
}

Status CreateTopic(const KafkaOptions& options, const std::string& topic,
                   int partitions,
                   const std::map<std::string, std::string>& config) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  InstallKafkaLogBridge(conf);
  rd_kafka_conf_set(conf, "bootstrap.servers", options.bootstrap.c_str(), err,
                    sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) return Internal(err);
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof err);
  for (const auto& [k, v] : config)
    rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  Status s;
  if (ev == nullptr) {
    s = Unavailable("create topic: no answer");
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** r = rd_kafka_CreateTopics_result_topics(
        rd_kafka_event_CreateTopics_result(ev), &n);
    if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      s = Unavailable(rd_kafka_event_error_string(ev));
    } else if (n == 1 && rd_kafka_topic_result_error(r[0]) !=
                             RD_KAFKA_RESP_ERR_NO_ERROR) {
      s = Unavailable(rd_kafka_err2str(rd_kafka_topic_result_error(r[0])));
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return s;
}

Result<int64_t> ProduceForeign(const KafkaOptions& options, int32_t partition,
                               const std::vector<ForeignRecord>& records) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(
      RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  InstallKafkaLogBridge(*conf);
  if (conf->set("bootstrap.servers", options.bootstrap, err) !=
      RdKafka::Conf::CONF_OK)
    return InvalidArgument(err);
  std::unique_ptr<RdKafka::Producer> producer(
      RdKafka::Producer::create(conf.get(), err));
  if (!producer) return Internal(err);
  const std::string topic = options.EventsTopic();
  int64_t low = 0, next = -1;
  if (producer->query_watermark_offsets(topic, partition, &low, &next, 30000) !=
      RdKafka::ERR_NO_ERROR)
    return Unavailable("watermarks of " + topic);
  for (const ForeignRecord& r : records) {
    RdKafka::Headers* headers = RdKafka::Headers::create();
    for (const auto& [k, v] : r.headers) headers->add(k, v);
    if (producer->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY,
                          const_cast<char*>(r.value.data()), r.value.size(),
                          r.key.data(), r.key.size(), 0, headers,
                          nullptr) != RdKafka::ERR_NO_ERROR) {
      delete headers;
      return Internal("produce failed");
    }
  }
  if (producer->flush(30000) != RdKafka::ERR_NO_ERROR)
    return Unavailable("flush timed out");
  return next;
}

}  // namespace cityid::testing
