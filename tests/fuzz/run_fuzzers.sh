#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) in build-asan/ and runs
# each for a bounded time on a copy of its seed corpus. Exits non-zero on any
# finding (crash, leak, UBSan report, timeout) or build failure; crash inputs
# are left in build-asan/findings/<target>/.
#
#   tests/fuzz/run_fuzzers.sh [seconds per target, default 45] [target...]
#
# Needs clang-14 and libclang-rt-14-dev (Debian). Env: BUILD_DIR, JOBS.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SECS="${1:-45}"
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(fuzz_ledger_json fuzz_event_decode fuzz_compact_list
           fuzz_signed_note fuzz_http_request)
fi
# The same build directory as tests/ci/sanitizers.sh: libraries compile once.
BUILD="${BUILD_DIR:-$ROOT/build-asan}"
JOBS="${JOBS:-2}"
# shellcheck source=../ci/asan_build.sh
source "$ROOT/tests/ci/asan_build.sh"
asan_configure "$ROOT" "$BUILD"
ninja -C "$BUILD" -j"$JOBS" "${TARGETS[@]}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
for t in "${TARGETS[@]}"; do
  name="${t#fuzz_}"
  work="$BUILD/corpus/$name"
  findings="$BUILD/findings/$name"
  mkdir -p "$work" "$findings"
  cp -n "$ROOT/tests/fuzz/corpus/$name/"* "$work/" 2>/dev/null || true
  echo "== $t: ${SECS}s"
  if ! (cd "$findings" && "$BUILD/tests/fuzz/$t" "$work" \
        -max_total_time="$SECS" -timeout=25 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$findings/" >"$findings/log.txt" 2>&1); then
    echo "!! $t: finding; see $findings/log.txt"
    tail -40 "$findings/log.txt"
    failed+=("$t")
  else
    grep -E '^stat::number_of_executed_units|^Done' "$findings/log.txt" || true
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzing failed: ${failed[*]}"
  exit 1
fi
echo "fuzzing: all ${#TARGETS[@]} targets clean (${SECS}s each)"
