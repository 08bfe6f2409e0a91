#include "ledger/status_slots.h"

#include <algorithm>
#include <bit>

#include "base/bytes.h"

namespace cityid {
namespace {

constexpr uint32_t kWordsPerChunk = 8;  // 64-byte chunks of 512 slots
constexpr int kRandomProbes = 32;

std::string ChunkKey(uint32_t list, uint32_t chunk) {
  std::string key(8, '\0');
  for (int i = 0; i < 4; ++i) {
    key[i] = static_cast<char>(list >> (24 - 8 * i));
    key[4 + i] = static_cast<char>(chunk >> (24 - 8 * i));
  }
  return key;
}

uint32_t ReadBe32(std::string_view b) {
  return (uint32_t{static_cast<uint8_t>(b[0])} << 24) |
         (uint32_t{static_cast<uint8_t>(b[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[2])} << 8) |
         uint32_t{static_cast<uint8_t>(b[3])};
}

}  // namespace

StatusSlots::StatusSlots(uint32_t list_size)
    : list_size_(std::max<uint32_t>(list_size, 1)) {}

Status StatusSlots::Load(const RocksLog& log) {
  lists_.clear();
  pending_.clear();
  last_written_.clear();
  const size_t words = (list_size_ + 63) / 64;
  return log.ForEach(
      Cf::kStatusSlots, "", [&](std::string_view key, std::string_view value) {
        if (key.size() != 8 || value.size() != kWordsPerChunk * 8) {
          return Corruption("malformed status slot record");
        }
        uint32_t list = ReadBe32(key.substr(0, 4));
        uint32_t chunk = ReadBe32(key.substr(4));
        if (list == 0 || list > 1'000'000 || chunk * kWordsPerChunk >= words) {
          return Corruption(
              "status slot record out of range (status_list_size changed?)");
        }
        if (lists_.size() < list)
          lists_.resize(list, List{std::vector<uint64_t>(words, 0), 0});
        List& l = lists_[list - 1];
        for (uint32_t w = 0;
             w < kWordsPerChunk && chunk * kWordsPerChunk + w < words; ++w) {
          uint64_t v = 0;
          for (int b = 7; b >= 0; --b)
            v = (v << 8) | static_cast<uint8_t>(value[w * 8 + b]);
          l.words[chunk * kWordsPerChunk + w] = v;
          l.used += static_cast<uint32_t>(std::popcount(v));
        }
        return Status::Ok();
      });
}

StatusSlots::List& StatusSlots::Current() {
  if (lists_.empty() || lists_.back().used >= list_size_) {
    lists_.push_back(List{std::vector<uint64_t>((list_size_ + 63) / 64, 0), 0});
  }
  return lists_.back();
}

uint32_t StatusSlots::PickFree(const List& list) const {
  // Rejection sampling is uniform over free slots and fast while the list
  // has room; near full, pick the k-th free slot for a uniform k instead.
  for (int i = 0; i < kRandomProbes; ++i) {
    auto index = static_cast<uint32_t>(RandomBelow(list_size_));
    if ((list.words[index / 64] >> (index % 64) & 1) == 0) return index;
  }
  uint64_t k = RandomBelow(list_size_ - list.used);
  for (uint32_t index = 0; index < list_size_; ++index) {
    if ((list.words[index / 64] >> (index % 64) & 1) == 0 && k-- == 0)
      return index;
  }
  return 0;  // unreachable: used < list_size_
}

StatusSlot StatusSlots::Reserve() {
  List& list = Current();
  uint32_t index = PickFree(list);
  list.words[index / 64] |= uint64_t{1} << (index % 64);
  ++list.used;
  StatusSlot slot{static_cast<uint32_t>(lists_.size()), index};
  pending_.push_back(slot);
  return slot;
}

void StatusSlots::Release(const StatusSlot& slot) {
  if (!IsUsed(slot)) return;
  lists_[slot.list - 1].words[slot.index / 64] &=
      ~(uint64_t{1} << (slot.index % 64));
  --lists_[slot.list - 1].used;
  auto it =
      std::find_if(pending_.begin(), pending_.end(), [&](const StatusSlot& s) {
        return s.list == slot.list && s.index == slot.index;
      });
  if (it != pending_.end()) pending_.erase(it);
}

bool StatusSlots::IsUsed(const StatusSlot& slot) const {
  if (slot.list == 0 || slot.list > lists_.size() || slot.index >= list_size_)
    return false;
  return (lists_[slot.list - 1].words[slot.index / 64] >> (slot.index % 64) &
          1) != 0;
}

void StatusSlots::AddToBatch(const RocksLog& log, rocksdb::WriteBatch& batch) {
  std::set<std::pair<uint32_t, uint32_t>> chunks;
  for (const StatusSlot& s : pending_)
    chunks.emplace(s.list, s.index / 64 / kWordsPerChunk);
  for (const auto& [list, chunk] : chunks) {
    const List& l = lists_[list - 1];
    std::string value(kWordsPerChunk * 8, '\0');
    for (uint32_t w = 0;
         w < kWordsPerChunk && chunk * kWordsPerChunk + w < l.words.size();
         ++w) {
      uint64_t v = l.words[chunk * kWordsPerChunk + w];
      for (int b = 0; b < 8; ++b)
        value[w * 8 + b] = static_cast<char>(v >> (8 * b));
    }
    batch.Put(log.handle(Cf::kStatusSlots), ChunkKey(list, chunk), value)
        .PermitUncheckedError();
  }
  last_written_ = std::move(pending_);
  pending_.clear();
}

void StatusSlots::DropPending() {
  std::vector<StatusSlot> pending = pending_;
  for (const StatusSlot& s : pending) Release(s);
}

void StatusSlots::AbortLastBatch() {
  pending_.insert(pending_.end(), last_written_.begin(), last_written_.end());
  last_written_.clear();
  DropPending();
}

}  // namespace cityid
