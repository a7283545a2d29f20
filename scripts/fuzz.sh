#!/usr/bin/env bash
# fuzz.sh [SECONDS]: builds the libFuzzer targets with clang (ASan+UBSan) and
# runs each for SECONDS:
#   fuzz_decode_op  the wire decoders of OP and MODEL bodies;
#   fuzz_agent      everything a guest can send on one connection, served by
#                   the agent's own code with the noop and exec plugins;
#   fuzz_gray28     the image decoder of the torch plugin without OpenCV
#                   (libpng, libjpeg), seeded with the model's samples.
# A crash fails the script and leaves its input in build-fuzz/. Objects are
# rebuilt when any source they may include changed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
CXX=$(command -v clang++ || command -v clang++-14 || true)
if [ -z "$CXX" ]; then
	echo "fuzz: clang++ not found (scripts/setup.sh installs it)" >&2
	exit 1
fi
CC=${CXX/clang++/clang}
out=build-fuzz
mkdir -p "$out/obj" "$out/corpus" "$out/corpus-agent" "$out/corpus-gray28"
flags=(-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
	-Isrc -Iinclude -Iplugins -Ibuild/include -Ibuild-release/include)

# The runtime, the wire code and the two plugins, instrumented for coverage.
sources=(src/core/*.cpp src/ops/*.cpp src/rpc/*.cpp agent/metrics.cpp agent/connection.cpp
	agent/model.cpp agent/options.cpp plugins/exec/exec.cpp
	plugins/noop/noop.c)
stamp=$(find src include agent plugins/common plugins/noop plugins/exec "$0" \
	-type f -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-16)
if [ "$(cat "$out/obj/stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -f "$out"/obj/*.o
	printf '%s\n' "${sources[@]}" | xargs -P 2 -I{} sh -c '
		src={}; obj='"$out"'/obj/$(echo "$src" | tr / _).o
		case "$src" in
		*.c) '"$CC"' -std=gnu11 '"${flags[*]}"' -fsanitize=fuzzer-no-link \
			-DVACCEL_PLUGIN_BUILTIN -c "$src" -o "$obj" ;;
		*) '"$CXX"' -std=c++20 '"${flags[*]}"' -fsanitize=fuzzer-no-link \
			-DVACCEL_PLUGIN_BUILTIN -c "$src" -o "$obj" ;;
		esac'
	echo "$stamp" >"$out/obj/stamp"
fi
wire_objs=("$out"/obj/src_rpc_wire.cpp.o)
"$CXX" -std=c++20 "${flags[@]}" -fsanitize=fuzzer tests/fuzz/fuzz_decode_op.cpp \
	"${wire_objs[@]}" -o "$out/fuzz_decode_op"
"$CXX" -std=c++20 "${flags[@]}" -fsanitize=fuzzer tests/fuzz/fuzz_agent.cpp \
	"$out"/obj/*.o -lpthread -ldl -o "$out/fuzz_agent"
"$CXX" -std=c++20 "${flags[@]}" -fsanitize=fuzzer tests/fuzz/fuzz_gray28.cpp \
	"$out"/obj/*.o -lpng16 -ljpeg -lpthread -ldl -o "$out/fuzz_gray28"

# Seeds for the agent: a session, a noop call in it, the session released
# (records as tests/fuzz/fuzz_agent.cpp reads them).
if [ -z "$(ls -A "$out/corpus-agent")" ]; then
	z8='\x00\x00\x00\x00\x00\x00\x00\x00'
	printf "\x02\x08\x00$z8\x88\x18\x00$z8$z8$z8\x83\x08\x00$z8" \
		>"$out/corpus-agent/seed-noop"
fi

# Seeds for the decoder: the model's sample images, where a build made them.
if [ -z "$(ls -A "$out/corpus-gray28")" ]; then
	cp build/models/fashion-mnist/sample-* "$out/corpus-gray28/" 2>/dev/null || true
fi

run() { # target corpus
	"$out/$1" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$out/" "$out/$2" 2>&1 | tail -4
	return "${PIPESTATUS[0]}"
}
echo "fuzz_decode_op, $secs s:"
run fuzz_decode_op corpus
echo "fuzz_agent, $secs s:"
run fuzz_agent corpus-agent
echo "fuzz_gray28, $secs s:"
run fuzz_gray28 corpus-gray28
