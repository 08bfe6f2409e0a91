#!/usr/bin/env bash
# `tools/dev.sh up` builds only what `cityid up` runs (issue 16): the targets
# it names, in a build directory configured as dev.sh configures it, compile
# no test, benchmark or fuzz source, and do build tools/cityid. The same check
# against `tools/dev.sh test`'s targets must see the tests, so the test can
# tell the two apart.
#
#   dev_sh_up_test.sh SOURCE_DIR
set -euo pipefail

src="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cmake -S "$src" -B "$work" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCITYID_BENCHMARKS=ON >/dev/null

# plan_edges up|test: the build steps ninja would run for that command.
plan_edges() {
  local targets
  targets="$("$src/tools/dev.sh" plan "$1")"
  targets="${targets#ninja }"
  # shellcheck disable=SC2086  # the targets are words
  ninja -C "$work" -n $targets | grep -E '^\[[0-9]+/[0-9]+\]'
}

up="$(plan_edges up)"
test="$(plan_edges test)"
test_pattern='_test(\.dir|\.cc|$| )|_benchmark|fuzz|gtest|gmock'

up_count="$(wc -l <<<"$up")"
test_count="$(wc -l <<<"$test")"
echo "dev.sh up: $up_count build steps; dev.sh test: $test_count"

fail=0
if grep -Eq "$test_pattern" <<<"$up"; then
  echo "FAIL: dev.sh up builds test, benchmark or fuzz code:"
  grep -E "$test_pattern" <<<"$up" | head -n 10
  fail=1
fi
if ! grep -Eq 'Linking CXX executable tools/cityid$' <<<"$up"; then
  echo "FAIL: dev.sh up does not build tools/cityid"
  fail=1
fi
if ! grep -Eq "$test_pattern" <<<"$test"; then
  echo "FAIL: dev.sh test builds no test code (the check cannot tell)"
  fail=1
fi
if [ "$up_count" -ge "$test_count" ]; then
  echo "FAIL: dev.sh up builds as much as dev.sh test"
  fail=1
fi
[ "$fail" -eq 0 ] && echo "ok: dev.sh up builds only the cityid binary"
exit "$fail"
