#!/usr/bin/env bash
# Classification throughput through vaccel-classify-server, at 1, 2, 4 and 8
# concurrent clients, next to its baseline measured in the same run: the same
# images classified by calling vaccel_image_classification directly (one
# session per thread, as the service has), with the same plugins.
#
#   local: torch in the caller's process
#   rpc:   through vaccel-agent (torch) over a unix socket
#
# bench/classify_load.sh [BUILD_DIR] [SECONDS] [RUNS] [TURNS]
#
# Per point, the direct calls and the service take TURNS turns (default 3)
# of SECONDS each (default 1); prints the medians in images/s and the
# service's fraction of its baseline.
# OMP_NUM_THREADS=1 unless set: the model is tiny (28 x 28), so libtorch's
# intra-op threads only compete with the clients for the cores.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build}")
secs=${2:-1}
runs=${3:-1}
turns=${4:-3}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} VACCEL_LOG_LEVEL=1
bin=$build/bin lib=$build/lib model=$build/models/fashion-mnist
for f in "$bin/vaccel-classify-server" "$bin/vaccel-agent" "$bin/vaccel-bench-classify-load" \
	"$lib/libvaccel-torch.so" "$lib/libvaccel-rpc.so" "$model/model.pt"; do
	[ -e "$f" ] || { echo "missing: $f (build vaccel-classify-server, vaccel-agent," \
		"vaccel-bench-classify-load, vaccel-torch, vaccel-rpc)" >&2; exit 1; }
done
images=("$model"/sample-*)
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# start NAME ENV... -- ARGV...: run a program that prints "listening on
# URI"; its URI lands in $uri.
start() {
	local name=$1 env=()
	shift
	while [ "$1" != "--" ]; do env+=("$1"); shift; done
	shift
	: >"$tmp/$name.out"
	env "${env[@]}" "$@" >>"$tmp/$name.out" 2>"$tmp/$name.err" &
	pids+=($!)
	for _ in $(seq 300); do
		uri=$(sed -n 's/^listening on //p' "$tmp/$name.out")
		[ -n "$uri" ] && return
		sleep 0.05
	done
	echo "$name did not start:" >&2
	cat "$tmp/$name.err" >&2
	exit 1
}

serve=(--threads 8 --max-inflight 64 --max-connections 64 --model "$model"
	--listen tcp://127.0.0.1:0)
start agent VACCEL_PLUGINS="$lib/libvaccel-torch.so" -- \
	"$bin/vaccel-agent" -a "unix://$tmp/agent.sock"
agent=$uri
start local VACCEL_PLUGINS="$lib/libvaccel-torch.so" -- "$bin/vaccel-classify-server" "${serve[@]}"
local_uri=$uri
start rpc VACCEL_PLUGINS="$lib/libvaccel-rpc.so" VACCEL_RPC_ADDRESS="$agent" -- \
	"$bin/vaccel-classify-server" "${serve[@]}"
rpc_uri=$uri

# rate MODE TARGET CLIENTS [ENV...]: images/s.
rate() {
	local mode=$1 target=$2 n=$3
	shift 3
	env "$@" "$bin/vaccel-bench-classify-load" "$mode" "$n" "$secs" "$target" "${images[@]}" |
		sed -n 's/.*images_per_s=//p'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "classification throughput, images/s; $(getconf _NPROCESSORS_ONLN) CPUs;" \
	"OMP_NUM_THREADS=$OMP_NUM_THREADS; $turns turns of $secs s per side and point;" \
	"load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-4s %-7s %-6s %9s %9s %6s\n' run clients path direct service ratio
for r in $(seq "$runs"); do
	for n in 1 2 4 8; do
		for path in local rpc; do
			# The two sides take turns, so that a change in the
			# machine's load falls on both; the medians are compared.
			ds=() ss=()
			for _ in $(seq "$turns"); do
				if [ $path = local ]; then
					ds+=("$(rate direct "$model" "$n" VACCEL_PLUGINS="$lib/libvaccel-torch.so")")
					ss+=("$(rate http "$local_uri" "$n")")
				else
					ds+=("$(rate direct "$model" "$n" VACCEL_PLUGINS="$lib/libvaccel-rpc.so" \
						VACCEL_RPC_ADDRESS="$agent")")
					ss+=("$(rate http "$rpc_uri" "$n")")
				fi
			done
			d=$(median "${ds[@]}") s=$(median "${ss[@]}")
			printf '%-4s %-7s %-6s %9.0f %9.0f %6.2f\n' "$r" "$n" "$path" "$d" "$s" \
				"$(awk -v a="$s" -v b="$d" 'BEGIN { print a / b }')"
		done
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
