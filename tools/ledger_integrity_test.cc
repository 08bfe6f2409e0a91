#include "tools/ledger_integrity.h"

#include <gtest/gtest.h>

#include "ledger/ledger.h"
#include "ledger/ledger_test_util.h"
#include "tests/harness/harness.h"
#include "tools/bootstrap.h"

namespace cityid {
namespace {

// A log written without the Merkle tree (an older ledger, or one whose tree
// was lost) gets its leaves from the events when `cityid ledger` opens it:
// the integrity extension must hand the ledger's event reader to the tree.
TEST(LedgerIntegrityTest, TreeCatchesUpWithEventsWrittenWithoutIt) {
  testing::TempDir dir;
  Config config;
  config.Set("data", dir.Sub("data"));
  const DataLayout layout = LayoutFor(config);
  bool created = false;
  ASSERT_TRUE(BootstrapDataDir(layout, &created).ok());
  LedgerOptions options;
  options.data_dir = layout.data_dir;
  options.kek_file = layout.kek_file;
  options.blind_index_key_file = layout.blind_index_key;
  CommandContext ctx;
  ctx.actor = "tok_test";
  ctx.office = "central";
  {
    auto ledger = Ledger::Open(options);
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    for (int i = 0; i < 3; ++i) {
      auto r = (*ledger)->Execute(
          testing_util::MakeEnroll("Ana", "Diaz" + std::to_string(i)), ctx);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
    (*ledger)->Close();
  }
  auto integrity = LedgerIntegrity::Create(config);
  ASSERT_TRUE(integrity.ok()) << integrity.status().ToString();
  options.extensions = {integrity->get()};
  auto ledger = Ledger::Open(options);
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
  ASSERT_TRUE((*integrity)->Start().ok());
  EXPECT_EQ((*integrity)->tree()->size(), 3u);
  (*ledger)->Close();
}

}  // namespace
}  // namespace cityid
