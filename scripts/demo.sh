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

say "per-call costs (Google Benchmark, Release build)"
"$B/bin/vaccel-bench-core" --benchmark_min_time=0.05 \
	--benchmark_filter='noop|indirect|exec|dlsym|session|resource|open_fstat' 2>/dev/null |
	grep -E '^BM_|^Benchmark'
