#!/usr/bin/env bash
# Runs Kiln's whole test suite. As root on Debian 12 it first installs the system packages the tests
# use (C compiler, make, numpy/onnx/torch for the golden data, the ONNX backend test data, and the
# cross toolchains with their emulators: aarch64 and armhf gcc + qemu-user, MinGW + wine64, arm-none-eabi).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$root"

packages=(build-essential make python3-numpy python3-onnx python3-torch python3-torchvision libonnx-testdata maven
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user
  gcc-mingw-w64-x86-64 wine64 gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm cmake)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test.sh: installing ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "test.sh: missing packages: ${missing[*]} (run as root to install them, or install them yourself)" >&2
  fi
fi

. "$root/scripts/jdk.sh"
find_jdk 1
if [ -z "$java_home" ]; then
  echo "test.sh: no JDK 21 or newer found (looked at \$JAVA_HOME, javac on PATH and /usr/lib/jvm/*); install one and set JAVA_HOME" >&2
  exit 1
fi
export JAVA_HOME=$java_home
exec mvn -B -ntp test "$@"
