#!/usr/bin/env bash
# The two commands of the README's quick start.
#
#   tools/dev.sh up     install what is missing, build, run `cityid up` with a
#                       demo city loaded (Ctrl-C stops it)
#   tools/dev.sh test   install what is missing, build, run the whole test suite
#
# Environment: BUILD_DIR (default build), DATA_DIR (default var), JOBS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
DATA_DIR="${DATA_DIR:-$ROOT/var}"
JOBS="${JOBS:-$(nproc)}"

build() {
  local werror="$1"
  "$ROOT/tools/setup.sh"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCITYID_WERROR="$werror" -DCITYID_BENCHMARKS=ON >/dev/null
  ninja -C "$BUILD_DIR" -j "$JOBS"
}

case "${1:-}" in
  up)
    build OFF
    exec "$BUILD_DIR/tools/cityid" up --data "$DATA_DIR" --demo
    ;;
  test)
    build ON
    if [ -x "$ROOT/tests/kafka/kafka.sh" ]; then "$ROOT/tests/kafka/kafka.sh" install; fi
    cd "$BUILD_DIR"
    # Unit tests first (fast feedback), then everything else.
    ctest -L unit --output-on-failure -j "$JOBS" --timeout 600
    ctest -LE unit --output-on-failure --timeout 1200
    ;;
  *)
    echo "usage: tools/dev.sh up|test" >&2
    exit 2
    ;;
esac
