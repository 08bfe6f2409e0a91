# Sourced by tests/ci/sanitizers.sh and tests/fuzz/run_fuzzers.sh: configures
# ONE clang build directory shared by the sanitizer unit tests and the
# fuzzers, so CI compiles the libraries once. Every file gets
# -fsanitize=address,undefined (what CITYID_SANITIZE adds) plus
# fuzzer-no-link coverage instrumentation (inert in the gtest binaries).
#   asan_configure <root> <build dir>
asan_configure() {
  local root="$1" build="$2"
  local flags="-fsanitize=fuzzer-no-link,address,undefined"
  flags+=" -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DCITYID_FUZZ=ON \
    -DCMAKE_CXX_FLAGS="$flags" >/dev/null
}
