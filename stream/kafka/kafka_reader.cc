#include "stream/kafka/kafka_reader.h"

namespace cityid {
namespace {

constexpr size_t kChunk = 1000;
constexpr Micros kPollWait = 200'000;  // per Poll while catching up to the end

}  // namespace

Result<std::unique_ptr<KafkaEventReader>> KafkaEventReader::Open(
    const KafkaOptions& options) {
  ScannerOptions scanner;
  scanner.group_id = options.topic_prefix + "reader";
  CITYID_ASSIGN_OR_RETURN(std::unique_ptr<KafkaScanner> s,
                          KafkaScanner::Open(options, scanner));
  return std::unique_ptr<KafkaEventReader>(new KafkaEventReader(std::move(s)));
}

KafkaEventReader::KafkaEventReader(std::unique_ptr<KafkaScanner> scanner)
    : scanner_(std::move(scanner)) {}

Result<uint64_t> KafkaEventReader::LastCommittedSeq() {
  return scanner_->LastCommittedSeq();
}

Result<std::optional<KafkaRecord>> KafkaEventReader::ReadSeq(uint64_t seq) {
  if (seq == 0) return std::optional<KafkaRecord>();
  CITYID_RETURN_IF_ERROR(scanner_->SeekAfter(seq - 1));
  while (true) {
    CITYID_ASSIGN_OR_RETURN(std::vector<KafkaRecord> got,
                            scanner_->Poll(1, kPollWait, true));
    if (!got.empty()) return std::optional<KafkaRecord>(std::move(got.front()));
    if (scanner_->AtEnd()) return std::optional<KafkaRecord>();
  }
}

Status KafkaEventReader::ReadAfter(
    uint64_t after, const std::function<Status(KafkaRecord&&)>& fn) {
  CITYID_RETURN_IF_ERROR(scanner_->SeekAfter(after));
  while (true) {
    CITYID_ASSIGN_OR_RETURN(std::vector<KafkaRecord> got,
                            scanner_->Poll(kChunk, kPollWait, true));
    for (KafkaRecord& rec : got) CITYID_RETURN_IF_ERROR(fn(std::move(rec)));
    if (got.empty() && scanner_->AtEnd()) return Status::Ok();
  }
}

}  // namespace cityid
