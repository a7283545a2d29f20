#!/usr/bin/env bash
# fuzz.sh [SECONDS]: builds the wire decoder's libFuzzer target with clang
# (ASan+UBSan) and runs it; a crash fails the script and leaves its input.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
CXX=$(command -v clang++ || command -v clang++-14 || true)
if [ -z "$CXX" ]; then
	echo "fuzz: clang++ not found (scripts/setup.sh installs it)" >&2
	exit 1
fi
out=build-fuzz
mkdir -p "$out/corpus"
"$CXX" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Isrc -Iinclude -Ibuild/include -Ibuild-release/include \
	tests/fuzz/fuzz_decode_op.cpp src/rpc/wire.cpp -o "$out/fuzz_decode_op"
"$out/fuzz_decode_op" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
	-artifact_prefix="$out/" "$out/corpus" 2>&1 | tail -4
