#!/usr/bin/env bash
# The main demo: installs what is missing, builds, and shows one program
# reaching different plugins with only the environment changed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The tree scripts/test.sh builds and the README's commands use: configured
# the same way, so either script reuses what the other built.
scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
B=$PWD/build
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

# A real model: the Fashion-MNIST CNN the build trained, as installed
# (model.pt for torch, model.onnx for opencv, labels.txt), and test images
# the model never saw in training.
M=$B/models/fashion-mnist
if [ -f "$M/model.pt" ] && [ -f "$L/libvaccel-torch.so" ]; then
	cmake --install "$B" --prefix "$B/install" >/dev/null
	MODEL=$B/install/share/vaccel/models/fashion-mnist
	say "VACCEL_PLUGINS=torch ./classify image 1 $(echo "$MODEL" | sed "s|$PWD/||"), then VACCEL_PLUGINS=opencv"
	printf '  %-18s %-12s %-12s %-12s\n' image "true class" torch opencv
	for img in sample-0-png.png sample-1-png.png sample-2-jpg.jpg sample-5-png.png \
		sample-7-png.png sample-9-png.png; do
		c=${img#sample-}; c=${c%%-*}
		row=()
		for p in torch opencv; do
			row+=("$(VACCEL_PLUGINS=$L/libvaccel-$p.so "$B/bin/classify" "$M/$img" 1 "$MODEL" |
				sed -n 's/^classification tags: //p')")
		done
		printf '  %-18s %-12s %-12s %-12s\n' "$img" "$(sed -n "$((c + 1))p" "$MODEL/labels.txt")" \
			"${row[0]}" "${row[1]}"
	done
	CLASSIFY="classify $M/sample-2-jpg.jpg 200 $MODEL"
	TORCH=$L/libvaccel-torch.so:
else
	echo "(no trained model or torch plugin in this build: classification skipped)"
	CLASSIFY= TORCH=
fi

# The same programs, unchanged, through the agent: only the environment differs.
sock=$(mktemp -u /tmp/vaccel-demo.XXXXXX.sock)
VACCEL_PLUGINS=$TORCH$L/libvaccel-exec.so:$L/libvaccel-noop.so "$B/bin/vaccel-agent" \
	-a "unix://$sock" --exec-dir "$L" -q >/dev/null &
agent=$!
trap 'kill $agent 2>/dev/null; wait $agent 2>/dev/null' EXIT
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
timed() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
say "the same binaries, locally and through vaccel-agent (unix socket)"
printf '  %-44s %10s %10s\n' program local remote
LOCAL=$L/libvaccel-exec.so:$L/libvaccel-noop.so
for prog in "noop 20000" "sgemm 256 3" "exec $L/libmytestlib.so 1000" ${CLASSIFY:+"$CLASSIFY"}; do
	set -- $prog
	# Locally, libtorch is loaded only by the program that needs it.
	plugins=$LOCAL; [ "$1" = classify ] && plugins=$TORCH$LOCAL
	lt=$(VACCEL_PLUGINS=$plugins timed "$B/bin/$1" "${@:2}")
	rt=$(VACCEL_PLUGINS=$L/libvaccel-rpc.so VACCEL_RPC_ADDRESS=unix://$sock timed "$B/bin/$1" "${@:2}")
	printf '  %-44s %7s ms %7s ms\n' "$(echo "$1 ${*:2}" | sed "s|$L/||; s|$B/[^ ]*/||g")" "$lt" "$rt"
done
[ -n "$CLASSIFY" ] && echo "  (classify's local time includes loading libtorch, which the agent has loaded once)"
say "VACCEL_PLUGINS=rpc VACCEL_RPC_ADDRESS=unix://... ./exec libmytestlib.so"
VACCEL_PLUGINS=$L/libvaccel-rpc.so VACCEL_RPC_ADDRESS=unix://$sock "$B/bin/exec" "$L/libmytestlib.so"

say "per-call costs (Google Benchmark)"
"$B/bin/vaccel-bench-core" --benchmark_min_time=0.05 \
	--benchmark_filter='noop|indirect|exec|dlsym|session|resource|open_fstat' 2>/dev/null |
	grep -E '^BM_|^Benchmark'
