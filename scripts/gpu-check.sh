#!/usr/bin/env bash
# gpu-check.sh [BUILD_DIR]: on a machine with an NVIDIA GPU, builds what the
# GPU paths need with what the machine has (a C++ compiler, CMake, Ninja,
# the CUDA toolkit, optionally a CUDA libtorch; none of Debian's packages),
# and in one run:
#   - sgemm on cuBLAS against a double reference, locally and through an
#     agent (unix socket and TCP), then the sgemm table of
#     docs/performance.md: vaccel next to cuBLAS from pageable, pinned and
#     resident memory and cublasXt;
#   - the fpga operations of the opencl plugin on NVIDIA's OpenCL platform,
#     bit for bit, locally and through the agent;
#   - TorchScript on the GPU: vaccel_torch_model_run next to libtorch
#     directly, locally and through an agent, and every sample image
#     classified (vaccel_image_classification) on the GPU.
# What the machine lacks is said and skipped. What it cannot download comes
# from build/gpu-carry (scripts/gpu-carry.sh makes it here; VACCEL_GPU_CARRY
# names another place): OpenCL headers and loader, libpng, libjpeg, the
# model.
#   VACCEL_GPU_SIZES="1024 4096 8192"   problem sizes of the sgemm table
#   VACCEL_GPU_OPENCL_PLATFORM=nvidia   the OpenCL platform to check
#   VACCEL_GPU_TORCH_DEVICE=cuda        where torch runs (cpu: a dry run of
#                                       this script on a machine without GPU)
#   VACCEL_GPU_TORCH_DECODER=auto       the torch plugin's image decoder
#                                       (png-jpeg: as where there is no OpenCV)
set -uo pipefail
cd "$(dirname "$0")/.."
B=${1:-build-gpu}
sizes=${VACCEL_GPU_SIZES:-1024 4096 8192}
carry=${VACCEL_GPU_CARRY:-build/gpu-carry}
cl_platform=${VACCEL_GPU_OPENCL_PLATFORM:-nvidia}
torch_device=${VACCEL_GPU_TORCH_DEVICE:-cuda}
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
prefix_path=
if [ -d "$carry" ]; then
	carry=$(cd "$carry" && pwd)
	echo "carried: $carry ($(ls "$carry/lib" | tr '\n' ' '))"
	prefix_path=$carry
	export LD_LIBRARY_PATH="$carry/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
	echo "gpu-check: no $carry (scripts/gpu-carry.sh): OpenCL and image classification may be skipped"
fi

say "configure and build ($B)"
export PATH="$cuda/bin:$PATH"
mkdir -p "$B"
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix_path" \
	-DCUDAToolkit_ROOT="$cuda" -DVACCEL_BUILD_TESTS=OFF -DVACCEL_BUILD_BENCH=OFF \
	-DVACCEL_BUILD_EXAMPLES=OFF -DVACCEL_BUILD_MODEL=OFF >"$B/gpu-check.configure.log" 2>&1 ||
	{ tail -30 "$B/gpu-check.configure.log" >&2; exit 1; }
grep -E 'plugins? skipped' "$B/gpu-check.configure.log"
targets=(vaccel vaccel-rpc vaccel-agent)
have() { ninja -C "$B" -t targets all 2>/dev/null | grep -q "^$1:"; }
for t in vaccel-cuda vaccel-gpu-check-sgemm vaccel-bench-cuda vaccel-opencl \
	vaccel-gpu-check-opencl; do
	have "$t" && targets+=("$t")
done
ninja -C "$B" "${targets[@]}" >"$B/gpu-check.build.log" 2>&1 || { tail -30 "$B/gpu-check.build.log" >&2; exit 1; }
lib=$PWD/$B/lib bin=$PWD/$B/bin
export LD_LIBRARY_PATH="$lib:$cuda/lib64:$LD_LIBRARY_PATH"

rc=0
check() { # label, then the command's environment and command
	local label=$1
	shift
	env "$@" >"$B/check.log" 2>&1
	local r=$?
	case $r in
	0) echo "ok: $label" ;;
	77) skip "$label: $(tail -1 "$B/check.log")" ;;
	*) echo "FAIL: $label"; grep -E 'FAIL|WRONG|error|ERROR' "$B/check.log" | head -20; rc=1 ;;
	esac
	return $r
}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
# agent NAME PLUGINS [ENV...]: an agent on a unix socket and TCP; sets
# unix_addr and tcp_addr.
agent() {
	local name=$1 plugins=$2
	shift 2
	unix_addr= tcp_addr=
	env "$@" VACCEL_PLUGINS="$plugins" VACCEL_LOG_LEVEL=2 "$agent_bin" -q \
		-a "unix://$tmp/$name.sock" -a tcp://127.0.0.1:0 >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pids+=($!)
	for _ in $(seq 300); do
		[ "$(grep -c '^listening on' "$tmp/$name.out")" -ge 2 ] && break
		sleep 0.1
	done
	unix_addr=$(sed -n 's/^listening on \(unix:.*\)/\1/p' "$tmp/$name.out")
	tcp_addr=$(sed -n 's/^listening on \(tcp:.*\)/\1/p' "$tmp/$name.out")
	if [ -z "$unix_addr" ] || [ -z "$tcp_addr" ]; then
		echo "FAIL: the $name agent did not start"
		cat "$tmp/$name.err"
		rc=1
		return 1
	fi
}
agent_bin=$bin/vaccel-agent
rpc=$lib/libvaccel-rpc.so

say "sgemm on cuBLAS against a double reference"
cudap=$lib/libvaccel-cuda.so
if [ ! -f "$cudap" ]; then
	skip "sgemm: the cuda plugin was not built (see $B/gpu-check.configure.log)"
elif check "sgemm, local" VACCEL_PLUGINS="$cudap" "$bin/vaccel-gpu-check-sgemm"; [ $? -eq 77 ]; then
	skip "sgemm through the agent and its table: no CUDA device"
else
	check "sgemm, local, tiled (VACCEL_CUDA_MAX_MIB=1)" VACCEL_PLUGINS="$cudap" \
		VACCEL_CUDA_MAX_MIB=1 "$bin/vaccel-gpu-check-sgemm"
	if agent cuda "$cudap"; then
		check "sgemm through the agent, unix socket" VACCEL_PLUGINS="$rpc" \
			VACCEL_RPC_ADDRESS="$unix_addr" "$bin/vaccel-gpu-check-sgemm"
		check "sgemm through the agent, TCP" VACCEL_PLUGINS="$rpc" \
			VACCEL_RPC_ADDRESS="$tcp_addr" "$bin/vaccel-gpu-check-sgemm"
		if grep -q 'cannot page-lock' "$tmp/cuda.err"; then
			echo "note: the cuda plugin could not page-lock the agent's shared memory:"
			grep 'cannot page-lock' "$tmp/cuda.err" | head -3
		fi
		say "sgemm, median ms per call (m = n, k = n + 7, alpha 1.5, beta 0.25)"
		# shellcheck disable=SC2086
		VACCEL_PLUGINS="$cudap" "$bin/vaccel-bench-cuda" --label "vaccel + cuda, local" $sizes || rc=1
		# shellcheck disable=SC2086
		VACCEL_PLUGINS="$rpc" VACCEL_RPC_ADDRESS="$unix_addr" "$bin/vaccel-bench-cuda" \
			--vaccel-only --label "through the agent, unix socket" $sizes || rc=1
		# shellcheck disable=SC2086
		VACCEL_PLUGINS="$rpc" VACCEL_RPC_ADDRESS="$tcp_addr" "$bin/vaccel-bench-cuda" \
			--vaccel-only --label "through the agent, TCP" $sizes || rc=1
	fi
fi

say "OpenCL: the fpga operations on the platform '$cl_platform'"
clp=$lib/libvaccel-opencl.so
if [ ! -f "$clp" ]; then
	skip "OpenCL: the opencl plugin was not built (no OpenCL headers or loader; see $B/gpu-check.configure.log)"
else
	# NVIDIA's driver ships its OpenCL library, not always the ICD file
	# that names it to the loader: make one beside the machine's own.
	nvcl=$(ls /usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.1 /usr/lib64/libnvidia-opencl.so.1 \
		/usr/lib/libnvidia-opencl.so.1 2>/dev/null | head -1)
	if [ -n "$nvcl" ] && ! grep -qs nvidia-opencl /etc/OpenCL/vendors/*.icd; then
		mkdir -p "$tmp/vendors"
		cp /etc/OpenCL/vendors/*.icd "$tmp/vendors/" 2>/dev/null
		echo "$nvcl" >"$tmp/vendors/nvidia.icd"
		export OCL_ICD_VENDORS=$tmp/vendors
		echo "OpenCL vendors: $(cat "$tmp/vendors"/*.icd | tr '\n' ' ')"
	fi
	if check "fpga operations, local" VACCEL_PLUGINS="$clp" VACCEL_OPENCL_PLATFORM="$cl_platform" \
		VACCEL_LOG_LEVEL=4 "$bin/vaccel-gpu-check-opencl"; then
		grep -m1 -o '\[opencl\] device .*' "$B/check.log"
		sed -n '/^median ms/,/^|.*parallel/p' "$B/check.log"
		if agent opencl "$clp" VACCEL_OPENCL_PLATFORM="$cl_platform"; then
			check "fpga operations through the agent, unix socket" VACCEL_PLUGINS="$rpc" \
				VACCEL_RPC_ADDRESS="$unix_addr" "$bin/vaccel-gpu-check-opencl" &&
				sed -n '/^median ms/,/^|.*parallel/p' "$B/check.log"
		fi
	fi
fi

say "TorchScript on '$torch_device': vaccel next to libtorch directly, and classification"
model=${VACCEL_GPU_MODEL:-}
for m in "$carry/models/fashion-mnist/model.pt" build/models/fashion-mnist/model.pt; do
	[ -z "$model" ] && [ -f "$m" ] && model=$m
done
py=
for p in /opt/torch/.venv/bin/python3 python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import torch' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
	skip "torch: no Python with torch (a CUDA libtorch) on this machine"
elif [ -z "$model" ]; then
	skip "torch: no model (VACCEL_GPU_MODEL, or scripts/gpu-carry.sh's models/)"
else
	mdir=$(cd "$(dirname "$model")" && pwd)
	tprefix=$("$py" -c 'import torch; print(torch.utils.cmake_prefix_path)')
	tlib=$("$py" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
	T=$B-torch
	mkdir -p "$T"
	if cmake -S . -B "$T" -G Ninja -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_PREFIX_PATH="$tprefix${prefix_path:+;$prefix_path}" -DCUDAToolkit_ROOT="$cuda" \
		-DVACCEL_BUILD_TESTS=OFF -DVACCEL_BUILD_BENCH=OFF -DVACCEL_BUILD_EXAMPLES=ON \
		-DVACCEL_BUILD_MODEL=OFF -DVACCEL_TORCH_DECODER="${VACCEL_GPU_TORCH_DECODER:-auto}" \
		>"$T/gpu-check.configure.log" 2>&1 &&
		ninja -C "$T" vaccel-torch vaccel-bench-torch vaccel-agent vaccel-rpc \
			vaccel-example-classify >"$T/gpu-check.build.log" 2>&1; then
		grep 'plugin torch' "$T/gpu-check.configure.log"
		tp=$PWD/$T/lib
		export LD_LIBRARY_PATH="$tp:$tlib:$LD_LIBRARY_PATH"
		devices=("$torch_device")
		[ "$torch_device" != cpu ] && devices+=(cpu)
		for d in "${devices[@]}"; do
			VACCEL_TORCH_DEVICE=$d VACCEL_PLUGINS="$tp/libvaccel-torch.so" \
				"$T/bin/vaccel-bench-torch" "$model" 2000 || rc=1
		done
		agent_bin=$PWD/$T/bin/vaccel-agent
		if agent torch "$tp/libvaccel-torch.so" VACCEL_TORCH_DEVICE="$torch_device"; then
			echo "through the agent, unix socket:"
			VACCEL_TORCH_DEVICE=$torch_device VACCEL_PLUGINS="$tp/libvaccel-rpc.so" \
				VACCEL_RPC_ADDRESS="$unix_addr" "$T/bin/vaccel-bench-torch" "$model" 2000 || rc=1
		fi
		if ! grep -q 'images decoded with none' "$T/gpu-check.configure.log"; then
			check "classification of the samples on $torch_device, local" \
				VACCEL_TORCH_DEVICE="$torch_device" VACCEL_PLUGINS="$tp/libvaccel-torch.so" \
				tests/classify/samples.sh "$T/bin/classify" "$mdir" && tail -1 "$B/check.log"
			[ -n "${unix_addr:-}" ] &&
				check "classification of the samples on $torch_device, through the agent" \
					VACCEL_PLUGINS="$tp/libvaccel-rpc.so" VACCEL_RPC_ADDRESS="$unix_addr" \
					tests/classify/samples.sh "$T/bin/classify" "$mdir" && tail -1 "$B/check.log"
		else
			skip "classification: the torch plugin found no image decoder (OpenCV, or libpng and libjpeg)"
		fi
	else
		echo "FAIL: building the torch plugin against $tprefix"
		tail -20 "$T/gpu-check.build.log" "$T/gpu-check.configure.log" 2>/dev/null
		rc=1
	fi
fi
exit $rc
