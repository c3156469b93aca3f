#!/usr/bin/env bash
# The main job on a bundled example: compile the golden CNN with Kiln, build the bundle with the host
# C compiler under strict C99 flags, run it on the golden input and print the result next to the
# reference output computed by numpy.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$root"
if ! command -v cc >/dev/null || ! command -v make >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends build-essential maven
  else
    echo "example.sh: needs a C compiler (cc) and make" >&2; exit 1
  fi
fi
model=golden/models/cnn
out=target/example
./kiln compile "$model/model.onnx" --target c -o "$out/bundle" --force
./kiln run "$out/bundle" --input "x=$model/input_0.npy" --output-dir "$out/result" \
  --cflags "-std=c99 -O2 -Wall -Wextra -Werror -pedantic"
./kiln compare "$out/result/output_0.npy" "$model/output_0.npy"
