#!/usr/bin/env bash
# The main demo: installs what is missing, builds, and shows one program
# reaching different plugins with only the environment changed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
B=$PWD/build-release
L=$B/lib
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "vaccel --version"
"$B/bin/vaccel" --version

say "VACCEL_PLUGINS=exec:noop vaccel info"
VACCEL_PLUGINS=$L/libvaccel-exec.so:$L/libvaccel-noop.so "$B/bin/vaccel" info

say "VACCEL_PLUGINS=noop ./noop 1000000   (one million calls)"
s=$(date +%s%N)
VACCEL_PLUGINS=$L/libvaccel-noop.so "$B/bin/noop" 1000000
e=$(date +%s%N)
echo "  $(( (e - s) / 1000000 )) ms for the whole program"

say "VACCEL_PLUGINS=exec ./exec libmytestlib.so   (a function from a library)"
VACCEL_PLUGINS=$L/libvaccel-exec.so "$B/bin/exec" "$L/libmytestlib.so"

say "same, the library passed as a LIB resource"
VACCEL_PLUGINS=$L/libvaccel-exec.so "$B/bin/exec" "$L/libmytestlib.so" 1 --resource

say "VACCEL_PLUGINS=noop ./classify image   (the noop plugin answers every op)"
VACCEL_PLUGINS=$L/libvaccel-noop.so "$B/bin/classify" examples/classify.c

say "VACCEL_PLUGINS=noop VACCEL_LOG_LEVEL=4 ./sgemm 4   (debug log: which plugin, why)"
VACCEL_PLUGINS=$L/libvaccel-noop.so VACCEL_LOG_LEVEL=4 "$B/bin/sgemm" 4 2>&1 | sed 's/^/  /'

# The same programs, unchanged, through the agent: only the environment differs.
sock=$(mktemp -u /tmp/vaccel-demo.XXXXXX.sock)
VACCEL_PLUGINS=$L/libvaccel-exec.so:$L/libvaccel-noop.so "$B/bin/vaccel-agent" \
	-a "unix://$sock" --exec-dir "$L" -q >/dev/null &
agent=$!
trap 'kill $agent 2>/dev/null; wait $agent 2>/dev/null' EXIT
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
timed() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
say "the same binaries, locally and through vaccel-agent (unix socket)"
printf '  %-36s %10s %10s\n' program local remote
for prog in "noop 20000" "sgemm 256 3" "exec $L/libmytestlib.so 1000"; do
	set -- $prog
	lt=$(VACCEL_PLUGINS=$L/libvaccel-exec.so:$L/libvaccel-noop.so timed "$B/bin/$1" "${@:2}")
	rt=$(VACCEL_PLUGINS=$L/libvaccel-rpc.so VACCEL_RPC_ADDRESS=unix://$sock timed "$B/bin/$1" "${@:2}")
	printf '  %-36s %7s ms %7s ms\n' "$(echo "$1 ${*:2}" | sed "s|$L/||")" "$lt" "$rt"
done
say "VACCEL_PLUGINS=rpc VACCEL_RPC_ADDRESS=unix://... ./exec libmytestlib.so"
VACCEL_PLUGINS=$L/libvaccel-rpc.so VACCEL_RPC_ADDRESS=unix://$sock "$B/bin/exec" "$L/libmytestlib.so"

say "per-call costs (Google Benchmark, Release build)"
"$B/bin/vaccel-bench-core" --benchmark_min_time=0.05 \
	--benchmark_filter='noop|indirect|exec|dlsym|session|resource|open_fstat' 2>/dev/null |
	grep -E '^BM_|^Benchmark'
