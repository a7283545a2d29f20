#!/usr/bin/env bash
# gpu-check.sh [BUILD_DIR]: on a machine with an NVIDIA GPU, builds what the
# GPU path needs with what the machine has (a C++ compiler, CMake, Ninja,
# the CUDA toolkit; none of Debian's packages), runs the GPU checks locally
# and through an agent, and prints the sgemm table of docs/performance.md
# (vaccel next to cuBLAS from pageable, pinned and resident memory and
# cublasXt, locally and through the agent over a unix socket and TCP) from
# one run. What the machine lacks is said and skipped.
#   VACCEL_GPU_SIZES="1024 4096 8192"   problem sizes of the table
set -uo pipefail
cd "$(dirname "$0")/.."
B=${1:-build-gpu}
sizes=${VACCEL_GPU_SIZES:-1024 4096 8192}
say() { printf '== %s\n' "$*"; }
skip() { printf 'skipped: %s\n' "$*"; }

cuda=${CUDA_HOME:-/usr/local/cuda}
for tool in cmake ninja c++; do
	command -v "$tool" >/dev/null || { echo "gpu-check: $tool is missing" >&2; exit 1; }
done
[ -x "$cuda/bin/nvcc" ] || command -v nvcc >/dev/null ||
	{ echo "gpu-check: no CUDA toolkit in $cuda (set CUDA_HOME)" >&2; exit 1; }
if command -v nvidia-smi >/dev/null; then
	nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
else
	echo "gpu-check: no nvidia-smi: the checks will say whether a device answers"
fi

say "configure and build ($B)"
export PATH="$cuda/bin:$PATH"
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release \
	-DCUDAToolkit_ROOT="$cuda" -DVACCEL_BUILD_TESTS=OFF -DVACCEL_BUILD_BENCH=OFF \
	-DVACCEL_BUILD_EXAMPLES=OFF -DVACCEL_BUILD_MODEL=OFF >"$B.configure.log" 2>&1 ||
	{ tail -30 "$B.configure.log" >&2; exit 1; }
ninja -C "$B" vaccel vaccel-cuda vaccel-rpc vaccel-agent vaccel-gpu-check-sgemm \
	vaccel-bench-cuda >"$B.build.log" 2>&1 || { tail -30 "$B.build.log" >&2; exit 1; }
lib=$B/lib bin=$B/bin
export LD_LIBRARY_PATH="$PWD/$lib:$cuda/lib64:${LD_LIBRARY_PATH:-}"

rc=0
check() { # label, then the command's environment and command
	local label=$1
	shift
	env "$@" >"$B/check.log" 2>&1
	local r=$?
	case $r in
	0) echo "ok: $label" ;;
	77) skip "$label: no CUDA device"; return 77 ;;
	*) echo "FAIL: $label"; grep -E 'FAIL|error' "$B/check.log" | head -20; rc=1 ;;
	esac
	return $r
}

say "checks: sgemm against a double reference"
cudap=$PWD/$lib/libvaccel-cuda.so
check "sgemm, local" VACCEL_PLUGINS="$cudap" "$bin/vaccel-gpu-check-sgemm"
[ $? -eq 77 ] && exit 0
check "sgemm, local, tiled (VACCEL_CUDA_MAX_MIB=1)" VACCEL_PLUGINS="$cudap" \
	VACCEL_CUDA_MAX_MIB=1 "$bin/vaccel-gpu-check-sgemm"

tmp=$(mktemp -d)
agent_pid=
cleanup() { [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
VACCEL_PLUGINS="$cudap" VACCEL_LOG_LEVEL=2 "$bin/vaccel-agent" -q \
	-a "unix://$tmp/agent.sock" -a tcp://127.0.0.1:0 >"$tmp/agent.out" 2>"$tmp/agent.err" &
agent_pid=$!
for _ in $(seq 100); do [ "$(grep -c '^listening on' "$tmp/agent.out")" -ge 2 ] && break; sleep 0.1; done
unix=$(sed -n 's/^listening on \(unix:.*\)/\1/p' "$tmp/agent.out")
tcp=$(sed -n 's/^listening on \(tcp:.*\)/\1/p' "$tmp/agent.out")
if [ -z "$unix" ] || [ -z "$tcp" ]; then
	echo "FAIL: the agent did not start"; cat "$tmp/agent.err"; exit 1
fi
rpc=$PWD/$lib/libvaccel-rpc.so
check "sgemm through the agent, unix socket" VACCEL_PLUGINS="$rpc" VACCEL_RPC_ADDRESS="$unix" \
	"$bin/vaccel-gpu-check-sgemm"
check "sgemm through the agent, TCP" VACCEL_PLUGINS="$rpc" VACCEL_RPC_ADDRESS="$tcp" \
	"$bin/vaccel-gpu-check-sgemm"
if grep -q 'cannot page-lock' "$tmp/agent.err"; then
	echo "note: the cuda plugin could not page-lock the agent's shared memory:"
	grep 'cannot page-lock' "$tmp/agent.err" | head -3
fi

say "sgemm, median ms per call (m = n, k = n + 7, alpha 1.5, beta 0.25)"
# shellcheck disable=SC2086
VACCEL_PLUGINS="$cudap" "$bin/vaccel-bench-cuda" --label "vaccel + cuda, local" $sizes || rc=1
# shellcheck disable=SC2086
VACCEL_PLUGINS="$rpc" VACCEL_RPC_ADDRESS="$unix" "$bin/vaccel-bench-cuda" --vaccel-only \
	--label "through the agent, unix socket" $sizes || rc=1
# shellcheck disable=SC2086
VACCEL_PLUGINS="$rpc" VACCEL_RPC_ADDRESS="$tcp" "$bin/vaccel-bench-cuda" --vaccel-only \
	--label "through the agent, TCP" $sizes || rc=1

say "TorchScript on the GPU: vaccel_torch_model_run next to libtorch directly"
model=${VACCEL_GPU_MODEL:-build/models/fashion-mnist/model.pt}
py=
for p in /opt/torch/.venv/bin/python3 python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import torch' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
	skip "torch: no Python with torch (a CUDA libtorch) on this machine"
elif [ ! -f "$model" ]; then
	skip "torch: no model at $model (VACCEL_GPU_MODEL; the build trains it in models/)"
else
	prefix=$("$py" -c 'import torch; print(torch.utils.cmake_prefix_path)')
	tlib=$("$py" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
	if cmake -S . -B "$B-torch" -G Ninja -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_PREFIX_PATH="$prefix" -DCUDAToolkit_ROOT="$cuda" \
		-DVACCEL_BUILD_TESTS=OFF -DVACCEL_BUILD_BENCH=OFF -DVACCEL_BUILD_EXAMPLES=OFF \
		-DVACCEL_BUILD_MODEL=OFF >"$B-torch.configure.log" 2>&1 &&
		ninja -C "$B-torch" vaccel-torch vaccel-bench-torch vaccel-agent vaccel-rpc \
			>"$B-torch.build.log" 2>&1; then
		tp=$PWD/$B-torch/lib
		export LD_LIBRARY_PATH="$tp:$tlib:$LD_LIBRARY_PATH"
		for d in cuda cpu; do
			VACCEL_TORCH_DEVICE=$d VACCEL_PLUGINS="$tp/libvaccel-torch.so" \
				"$B-torch/bin/vaccel-bench-torch" "$model" 2000 || rc=1
		done
		VACCEL_TORCH_DEVICE=cuda VACCEL_PLUGINS="$tp/libvaccel-torch.so" \
			"$B-torch/bin/vaccel-agent" -q -a "unix://$tmp/torch.sock" >"$tmp/torch.out" 2>&1 &
		tpid=$!
		for _ in $(seq 100); do grep -q '^listening on' "$tmp/torch.out" && break; sleep 0.1; done
		echo "through the agent, unix socket:"
		VACCEL_TORCH_DEVICE=cuda VACCEL_PLUGINS="$tp/libvaccel-rpc.so" \
			VACCEL_RPC_ADDRESS="unix://$tmp/torch.sock" \
			"$B-torch/bin/vaccel-bench-torch" "$model" 2000 || rc=1
		kill "$tpid" 2>/dev/null
	else
		echo "FAIL: building the torch plugin against $prefix"
		tail -20 "$B-torch.build.log" "$B-torch.configure.log" 2>/dev/null
		rc=1
	fi
fi

say "not yet on the GPU"
skip "image classification on the GPU: the torch plugin decodes images with OpenCV, which this machine lacks"
skip "OpenCL on an NVIDIA platform: the opencl plugin was not tried there"
exit $rc
