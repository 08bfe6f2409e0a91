// StatusSlots: allocation of revocation status list slots (SPEC §2, §5).
//
// Every card gets one slot (list id, index) in a status list of `list_size`
// entries. A slot is drawn uniformly at random among the FREE slots of the
// current list, so a slot says nothing about issuance order; a slot is never
// given out twice, even after its card is revoked. Lists are "1", "2", ...;
// the next list opens when the current one is full.
//
// Memory: one bitmap per list (list_size / 8 bytes: 16 KiB for 131072).
// Storage: the status_slots column family holds the bitmaps in 64-byte
// chunks (key: 4-byte BE list number, 4-byte BE chunk number); Load()
// rebuilds the bitmaps from it, AddToBatch() writes the chunks a batch
// touched, in the batch's WriteBatch.
//
// Threading: writer thread only (no locking).
#ifndef CITYID_LEDGER_STATUS_SLOTS_H_
#define CITYID_LEDGER_STATUS_SLOTS_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "ledger/rocksdb_log.h"

namespace cityid {

struct StatusSlot {
  uint32_t list = 0;  // 1-based list number; its id is std::to_string(list)
  uint32_t index = 0;
};

class StatusSlots {
 public:
  explicit StatusSlots(uint32_t list_size);

  // Rebuilds the bitmaps from `log`. kCorruption on a malformed record.
  Status Load(const RocksLog& log);

  // Takes a random free slot of the current list (opening the next list when
  // it is full) and marks it used in memory.
  StatusSlot Reserve();
  // Gives back a slot reserved by this batch that will not be written.
  void Release(const StatusSlot& slot);
  // Puts the chunks holding every slot reserved since the last
  // AddToBatch/DropPending into `batch`, and forgets them as pending.
  void AddToBatch(const RocksLog& log, rocksdb::WriteBatch& batch);
  // Releases every slot reserved since the last AddToBatch (a batch that
  // failed to write).
  void DropPending();
  // The WriteBatch from the last AddToBatch failed: releases its slots.
  void AbortLastBatch();

  uint32_t list_size() const { return list_size_; }
  uint32_t list_count() const { return static_cast<uint32_t>(lists_.size()); }
  uint32_t used(uint32_t list) const { return lists_.at(list - 1).used; }
  bool IsUsed(const StatusSlot& slot) const;

 private:
  struct List {
    std::vector<uint64_t> words;
    uint32_t used = 0;
  };
  List& Current();
  uint32_t PickFree(const List& list) const;

  uint32_t list_size_;
  std::vector<List> lists_;
  std::vector<StatusSlot> pending_;
  std::vector<StatusSlot> last_written_;
};

}  // namespace cityid

#endif  // CITYID_LEDGER_STATUS_SLOTS_H_
