#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs the suite; then again
# with AddressSanitizer + UndefinedBehaviorSanitizer (leaks included).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CTEST_OUTPUT_ON_FAILURE=1

echo "== build and test (RelWithDebInfo)"
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
ctest --test-dir build -j"$(nproc)" --timeout 120

echo "== build and test with ASan + UBSan"
scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DVACCEL_SANITIZE=address,undefined \
	-DVACCEL_BUILD_BENCH=OFF -DVACCEL_MODEL_FROM="$PWD/build/models/fashion-mnist"
# PoCL's kernel compiler (LLVM) leaks when it compiles a kernel it has not
# cached: those two libraries only, see tests/lsan.supp. libtorch's OpenMP
# worker threads (libgomp) carry dynamic TLS that this LeakSanitizer
# misreads at exit, crashing its leak check ("Tracer caught signal 11"):
# one OpenMP thread under the sanitizers.
# One test still meets that crash at exit under CTest, after it passed
# (LeakSanitizer reads a bogus dynamic-TLS range of the main thread,
# "DTLS 24 at 0x391f-0x2400004a21" with verbosity=1; not reproducible outside
# CTest): it runs on its own with AddressSanitizer and UBSan but without the
# leak check, and every other test with it.
lsan_dtls_crash='^Torch\.ClassifyErrors$'
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp OMP_NUM_THREADS=1 \
	ctest --test-dir build-asan -j"$(nproc)" --timeout 300 -E "$lsan_dtls_crash"
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	OMP_NUM_THREADS=1 ctest --test-dir build-asan --timeout 300 -R "$lsan_dtls_crash"

echo "== end to end in a QEMU guest (static guests over TCP and vsock)"
tests/vm/run.sh build

echo "== fuzz the wire decoder, an agent connection and the PNG/JPEG decoder (libFuzzer, 20 s each)"
scripts/fuzz.sh 20

echo "== benchmarks run (smoke, figures are in docs/performance.md)"
# Each program also checks its results (the paired ones fail on a wrong one).
for b in core blas models remote; do
	[ -x build/bin/vaccel-bench-$b ] || continue
	build/bin/vaccel-bench-$b --benchmark_min_time=0.01 >/dev/null 2>&1 ||
		{ echo "benchmark program vaccel-bench-$b failed" >&2; exit 1; }
done

echo "== install: into a temporary prefix, moved, then used (tools, pkg-config, CMake, static guests)"
tests/install/run.sh build

echo "all tests passed"
