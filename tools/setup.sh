#!/usr/bin/env bash
# Installs the Debian 12 packages cityid needs to build, run and test.
# Idempotent: installs only what is missing. Runs as root or through sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  librocksdb-dev librdkafka-dev
  libboost1.81-dev libboost-json1.81-dev
  libcereal-dev libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev zlib1g-dev libtomlplusplus-dev libcli11-dev libspdlog-dev
  libfmt-dev
  clang clang-format libclang-rt-14-dev llvm-14
  openjdk-17-jre-headless maven
  postgresql libpq-dev
  chromium chromium-driver
  curl python3 procps
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: need root or sudo to install packages" >&2; exit 1
  fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
