// Test-only: a RocksDB in a fresh temporary directory with the integrity
// column families ("merkle", "checkpoints"), reopenable to test recovery.
#ifndef CITYID_LEDGER_INTEGRITY_MERKLE_STORE_TEST_DB_H_
#define CITYID_LEDGER_INTEGRITY_MERKLE_STORE_TEST_DB_H_

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ledger/integrity/checkpoint_store.h"
#include "ledger/integrity/merkle_store.h"

namespace cityid::testing {

class TestDb {
 public:
  TestDb() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "cityid-integrity-XXXXXX")
            .string();
    dir_ = mkdtemp(tmpl.data());
    Open();
  }
  ~TestDb() {
    Close();
    std::filesystem::remove_all(dir_);
  }

  void Open() {
    rocksdb::DBOptions options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, {}},
        {kMerkleColumnFamily, {}},
        {kCheckpointColumnFamily, {}}};
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options, dir_, cfs, &handles_, &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
  }

  void Close() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    handles_.clear();
    db_.reset();
  }

  void Reopen() {
    Close();
    Open();
  }

  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* merkle() { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* checkpoints() { return handles_[2]; }

 private:
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace cityid::testing

#endif  // CITYID_LEDGER_INTEGRITY_MERKLE_STORE_TEST_DB_H_
