#!/usr/bin/env bash
# The two commands of the README's quick start.
#
#   tools/dev.sh up     install what is missing, build the `cityid` binary
#                       (only it: not the tests or benchmarks), run
#                       `cityid up` with a demo city loaded (Ctrl-C stops it)
#   tools/dev.sh test   install what is missing, build, run the whole test
#                       suite: unit, integration (real Kafka broker, real
#                       HTTP, headless Chromium), the benchmark smoke test,
#                       ASan+UBSan unit tests, the ledger and HTTP server
#                       tests under TSan, and bounded libFuzzer runs
#
#   tools/dev.sh plan up|test
#                       print the ninja targets that `up` or `test` builds,
#                       and run nothing (tests/ci/dev_sh_up_test.sh checks
#                       that `up` builds only what it runs)
#
# Environment: BUILD_DIR (default build), DATA_DIR (default var), JOBS,
# FUZZ_SECONDS (per fuzz target, default 30).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
DATA_DIR="${DATA_DIR:-$ROOT/var}"
JOBS="${JOBS:-$(nproc)}"

stage() { echo "== $(date -u +%H:%M:%S) $*"; }

# What each command builds: `up` only the binary it runs; `test` everything
# (the test binaries, the benchmarks, and the binary the tests start).
UP_TARGETS=(cityid)
TEST_TARGETS=(all)

# build WERROR TARGET...: setup, configure, build the targets.
build() {
  local werror="$1"
  shift
  stage "setup"
  "$ROOT/tools/setup.sh"
  stage "build ($BUILD_DIR: $*)"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCITYID_WERROR="$werror" \
    -DCITYID_BENCHMARKS=ON >/dev/null
  ninja -C "$BUILD_DIR" -j "$JOBS" "$@"
}

case "${1:-}" in
  up)
    build OFF "${UP_TARGETS[@]}"
    exec "$BUILD_DIR/tools/cityid" up --data "$DATA_DIR" --demo
    ;;
  test)
    build ON "${TEST_TARGETS[@]}"
    stage "kafka broker jars"
    "$ROOT/tests/kafka/kafka.sh" install
    cd "$BUILD_DIR"
    stage "unit tests"
    ctest -L unit --output-on-failure -j "$JOBS" --timeout 600
    stage "integration and slow tests"
    ctest -LE unit --output-on-failure -j 1 --timeout 1200
    cd "$ROOT"
    stage "ASan+UBSan unit tests"
    JOBS="$JOBS" tests/ci/sanitizers.sh
    stage "TSan ledger and HTTP server tests"
    JOBS="$JOBS" BUILD_DIR="$ROOT/build-tsan" tests/ci/sanitizers.sh tsan
    stage "fuzzing"
    JOBS="$JOBS" tests/fuzz/run_fuzzers.sh "${FUZZ_SECONDS:-30}"
    stage "done"
    ;;
  plan)
    case "${2:-}" in
      up) echo "ninja ${UP_TARGETS[*]}" ;;
      test) echo "ninja ${TEST_TARGETS[*]}" ;;
      *) echo "usage: tools/dev.sh plan up|test" >&2; exit 2 ;;
    esac
    ;;
  *)
    echo "usage: tools/dev.sh up|test|plan up|test" >&2
    exit 2
    ;;
esac
