// registry_kill_helper DATA_DIR RESIDENTS BATCH_LIMIT
//
// Test helper for registry_kill_test: folds the deterministic sample history
// of RESIDENTS residents (stream/sample_history.h) into the registry
// under DATA_DIR/registry, BATCH_LIMIT events per synced commit, resuming
// from whatever position is committed there. Prints "position N" after every
// commit so the test can kill it (SIGKILL) in the middle of catch-up, and
// "done N <fingerprint>" at the end. Exit 0 on success, 1 on any error.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "projections/projection_runner.h"
#include "projections/registry.h"
#include "stream/sample_history.h"

int main(int argc, char** argv) {
  using namespace cityid;
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DATA_DIR RESIDENTS BATCH_LIMIT\n", argv[0]);
    return 1;
  }
  MemoryEventSource source;
  AppendSampleHistory(source, 0, std::atoi(argv[2]));
  auto store = ProjectionStore::Open(argv[1], Registry::kName);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  FakeClock clock(kSampleT0);
  Registry registry(store->get(), &clock);
  ProjectionRunner runner(
      store->get(), &registry, &source,
      ProjectionRunnerOptions{
          .batch_limit = static_cast<size_t>(std::atoi(argv[3])), .wait = 0});
  while (true) {
    Result<size_t> n = runner.RunOnce();
    if (!n.ok()) {
      std::fprintf(stderr, "%s\n", n.status().ToString().c_str());
      return 1;
    }
    if (*n == 0) break;
    std::printf("position %llu\n",
                static_cast<unsigned long long>(runner.position()));
    std::fflush(stdout);
  }
  Result<std::string> fingerprint = registry.Fingerprint();
  if (!fingerprint.ok()) return 1;
  std::printf("done %llu %s\n",
              static_cast<unsigned long long>(runner.position()),
              fingerprint->c_str());
  return 0;
}
