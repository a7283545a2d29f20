#!/usr/bin/env bash
# The container image (dist/container) without building it: its runtime
# stage's files, staged from this build tree by the same script the
# Containerfile runs (dist/container/stage.sh), must be complete and
# usable as the image has them:
#  - the file list: agent, tool, libvaccel, the plugins this build has, the
#    entrypoint, the model and a guest program; nothing only a build needs;
#  - every shared library they need resolves, and each one from outside the
#    stage comes from a Debian package the runtime stage installs
#    (RUNTIME_PACKAGES, with its dependencies) or the base image has;
#  - the staged agent and tool run and find the staged plugins by name;
#  - the entrypoint turns the Kubernetes ConfigMap's environment into the
#    agent's options, then starts the staged agent, which serves the staged
#    guest program's classification (torch, the installed model) and, where
#    the agent has a metrics endpoint, answers its health and metrics.
# Building the image itself is tests/container/image.sh (not part of the
# suite: see there why).
# run.sh BUILD_DIR
set -euo pipefail
S=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$1" && pwd)
tmp=$(mktemp -d /tmp/vaccel-container.XXXXXX)
agent=
cleanup() {
	if [ -n "$agent" ]; then kill "$agent" 2>/dev/null || true; fi
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
unset LD_LIBRARY_PATH VACCEL_PLUGINS VACCEL_RPC_ADDRESS
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
ok() { echo "ok: $*"; }

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:[A-Z]*=//p' "$B/CMakeCache.txt")
if [ "$prefix" != /usr/local ]; then
	echo "SKIP: this build is configured for $prefix; the image's is /usr/local"
	exit 77
fi
"$S/dist/container/stage.sh" "$B" "$tmp/stage"
R=$tmp/stage/usr/local

# ---- the file list --------------------------------------------------------
want=(bin/vaccel-agent bin/vaccel libexec/vaccel/entrypoint.sh)
for p in noop exec rpc blas opencl torch opencv cuda; do
	if [ -f "$B/lib/libvaccel-$p.so" ]; then want+=("lib/libvaccel-$p.so"); fi
done
if [ -x "$B/bin/classify" ]; then want+=(libexec/vaccel/classify); fi
if [ -d "$B/models/fashion-mnist" ]; then
	want+=(share/vaccel/models/fashion-mnist/model.pt share/vaccel/models/fashion-mnist/model.onnx
		share/vaccel/models/fashion-mnist/labels.txt share/vaccel/models/fashion-mnist/sample-9-png.png)
fi
missing=0
for f in "${want[@]}"; do [ -e "$R/$f" ] || { fail "not in the image: $f"; missing=1; }; done
ls "$R"/lib/libvaccel.so.* >/dev/null 2>&1 || { fail "not in the image: lib/libvaccel.so.*"; missing=1; }
[ "$missing" -ne 0 ] || ok "the image has ${#want[@]} expected files and libvaccel"
extra=$(cd "$tmp/stage" && find . \( -name '*.a' -o -name '*.h' -o -name '*.hpp' -o -name '*.pc' \
	-o -name '*.cmake' -o -name '*.service' -o -name '*.socket' \) | head -5)
if [ -z "$extra" ]; then ok "nothing only a build needs (headers, archives, pkg-config, CMake, units)"; else
	fail "files a runtime image need not have: $extra"; fi

# ---- shared libraries ----------------------------------------------------
# The runtime stage runs ldconfig: /usr/local/lib is on the loader's path
# there (Debian's /etc/ld.so.conf.d/libc.conf), which is how plugins and the
# guest program find libvaccel.
elves=()
while IFS= read -r f; do elves+=("$f"); done < <(find "$R/bin" "$R/lib" "$R/libexec" -type f \
	\( -perm -u+x -o -name '*.so*' \) -exec sh -c 'head -c 4 "$1" | grep -q ELF' sh {} \; -print)
libs=$tmp/libs
: >"$libs"
unresolved=0
for f in "${elves[@]}"; do
	out=$(LD_LIBRARY_PATH=$R/lib ldd "$f" 2>&1) || true
	if grep -q 'not found' <<<"$out"; then
		fail "${f#"$R/"}: $(grep 'not found' <<<"$out" | tr -s ' \t' ' ' | paste -sd ,)"
		unresolved=1
	fi
	# The cuda plugin's CUDA comes, here, from wherever this build found
	# it; the image's from Debian's non-free section (checked there).
	case $f in */libvaccel-cuda.so) continue ;; esac
	awk '$2 == "=>" && $3 ~ /^\// { print $3 }' <<<"$out" >>"$libs"
done
[ "$unresolved" -ne 0 ] || ok "every shared library of ${#elves[@]} programs and libraries resolves"
sort -u -o "$libs" "$libs"
runtime=$(sed -n '/^ARG RUNTIME_PACKAGES=/,/[^\\]$/p' "$S/dist/container/Containerfile" |
	sed 's/^ARG RUNTIME_PACKAGES=//; s/[\\"]//g' | tr -s ' \n' ' ')
# Packages apt does not know: a misspelled name, or (all of them) no
# package lists on this machine yet.
unknown=() known=0
if command -v apt-cache >/dev/null; then
	for p in $runtime; do
		if apt-cache show "$p" >/dev/null 2>&1; then known=$((known + 1)); else unknown+=("$p"); fi
	done
fi
if [ "$known" -eq 0 ]; then
	echo "note: apt knows none of RUNTIME_PACKAGES (no package lists: apt-get update): not checked"
elif [ ${#unknown[@]} -gt 0 ]; then
	fail "RUNTIME_PACKAGES names packages Debian 12 does not have: ${unknown[*]}"
elif command -v dpkg >/dev/null && command -v apt-cache >/dev/null; then
	# What the runtime stage has: its packages and their dependencies, and
	# the base image's (apt and what it needs, the required packages).
	# shellcheck disable=SC2086
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances apt $runtime 2>/dev/null | grep -v '^ ' | sed 's/:.*//' |
		sort -u >"$tmp/have"
	dpkg-query -W -f='${Package} ${Priority}\n' | awk '$2 == "required" { print $1 }' >>"$tmp/have"
	# The package of each library (one dpkg -S for all: it reads its
	# whole database each time), under the merged /usr too.
	grep -v "^$tmp/" "$libs" >"$tmp/outside" || true
	mapfile -t paths < <(while IFS= read -r p; do
		echo "$p"
		case $p in /usr/lib/*) echo "${p#/usr}" ;; /lib/*) echo "/usr$p" ;; esac
		realpath "$p"
	done <"$tmp/outside" | sort -u)
	dpkg -S "${paths[@]}" 2>/dev/null | sed 's/^\([^:,]*\)[^ ]* \(.*\)$/\2 \1/' >"$tmp/owners" || true
	owner() {
		local p=$1 alt
		case $p in /usr/lib/*) alt=${p#/usr} ;; /lib/*) alt=/usr$p ;; *) alt=$p ;; esac
		awk -v a="$p" -v b="$alt" -v c="$(realpath "$p")" '$1 == a || $1 == b || $1 == c { print $2; exit }' "$tmp/owners"
	}
	notfrom=()
	while IFS= read -r lib; do
		pkg=$(owner "$lib")
		if [ -z "$pkg" ]; then
			notfrom+=("$lib (no package)")
		elif ! grep -qx "$pkg" "$tmp/have"; then
			notfrom+=("$lib ($pkg)")
		fi
	done <"$tmp/outside"
	if [ ${#notfrom[@]} -eq 0 ]; then
		ok "$(wc -l <"$tmp/outside") libraries, each from RUNTIME_PACKAGES, their dependencies or the base image"
	else
		fail "libraries the runtime stage does not install: ${notfrom[*]}"
	fi
else
	echo "note: no dpkg/apt-cache: the runtime packages are not checked"
fi

# ---- the staged programs --------------------------------------------------
if v=$("$R/bin/vaccel-agent" --version 2>&1); then ok "staged agent runs: $(head -1 <<<"$v")"; else
	fail "staged agent: $v"; fi
plugins=$(sed -n 's/^ *VACCEL_PLUGINS=\([^ ]*\) .*/\1/p' "$S/dist/container/Containerfile")
out=$(VACCEL_PLUGINS=$plugins "$R/bin/vaccel" info 2>&1) || true
for p in ${plugins//:/ }; do
	if [ ! -f "$R/lib/libvaccel-$p.so" ]; then echo "note: plugin $p not built here"; continue; fi
	if grep -qE "^  $p +(loaded|skipped: no device)" <<<"$out"; then
		ok "the image's VACCEL_PLUGINS finds $p in the stage"
	else
		fail "plugin $p from the stage"
		echo "$out" | sed 's/^/  /' >&2
	fi
done

# ---- the entrypoint --------------------------------------------------------
E=$R/libexec/vaccel/entrypoint.sh
has_metrics=no
"$R/bin/vaccel-agent" --help 2>&1 | grep -q -- '--metrics' && has_metrics=yes
if /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
	# The Kubernetes ConfigMap's data, as the pod's environment.
	mapfile -t cmenv < <(/usr/bin/python3 -c '
import sys, yaml
for k, v in yaml.safe_load(open(sys.argv[1]))["data"].items():
    print(f"{k}={v}")' "$S/deploy/kubernetes/configmap.yaml")
	got=$(env -i PATH="$PATH" "${cmenv[@]}" VACCEL_AGENT_BIN="$R/bin/vaccel-agent" \
		VACCEL_AGENT_DRY_RUN=1 "$E" --max-sessions 16 2>/dev/null | tail -n +2 | paste -sd ' ')
	cm() { /usr/bin/python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["data"][sys.argv[2]])' \
		"$S/deploy/kubernetes/configmap.yaml" "$1"; }
	exp="-a unix:///run/vaccel/agent.sock -a vsock://4294967295:8192"
	if [ $has_metrics = yes ]; then exp+=" --metrics $(cm VACCEL_AGENT_METRICS) --metrics-public"; fi
	exp+=" --socket-mode $(cm VACCEL_AGENT_SOCKET_MODE) --memory-budget $(cm VACCEL_AGENT_MEMORY_BUDGET)"
	exp+=" --drain-timeout-s $(cm VACCEL_AGENT_DRAIN_TIMEOUT_S) --max-sessions 16"
	if [ "$got" = "$exp" ]; then ok "entrypoint with the ConfigMap's environment: $got"; else
		fail "entrypoint with the ConfigMap's environment: '$got', expected '$exp'"; fi
else
	echo "note: no python3-yaml: the ConfigMap's environment is not tried"
fi
# A first argument that is not an option is a command.
if [ "$("$E" echo guest 2>&1)" = guest ]; then ok "entrypoint runs a command given instead"; else
	fail "entrypoint with a command"; fi

# The staged agent, started by the entrypoint, serves the staged guest.
sock=$tmp/agent.sock
menv=()
if [ $has_metrics = yes ]; then
	port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	menv=(VACCEL_AGENT_METRICS="tcp://127.0.0.1:$port")
fi
env "${menv[@]}" VACCEL_AGENT_BIN="$R/bin/vaccel-agent" VACCEL_AGENT_ADDRESSES="unix://$sock" \
	VACCEL_PLUGINS="torch:noop" VACCEL_LOG_LEVEL=3 XDG_CACHE_HOME="$tmp/cache" \
	"$E" >"$tmp/agent.log" 2>&1 &
agent=$!
for _ in $(seq 300); do
	if grep -q "listening on" "$tmp/agent.log" || ! kill -0 "$agent" 2>/dev/null; then break; fi
	sleep 0.1
done
if ! grep -q "listening on" "$tmp/agent.log"; then
	fail "the entrypoint's agent did not start"
	sed 's/^/  agent: /' "$tmp/agent.log" >&2
else
	ok "the entrypoint starts the staged agent"
	M=$R/share/vaccel/models/fashion-mnist
	if [ -x "$R/libexec/vaccel/classify" ] && [ -f "$R/lib/libvaccel-torch.so" ] && [ -f "$M/model.pt" ]; then
		out=$(VACCEL_PLUGINS="$R/lib/libvaccel-rpc.so" VACCEL_RPC_ADDRESS="unix://$sock" \
			LD_LIBRARY_PATH="$R/lib" timeout 60 "$R/libexec/vaccel/classify" "$M/sample-9-png.png" 1 "$M" 2>&1) || true
		if grep -q "classification tags: Ankle boot" <<<"$out"; then
			ok "the staged guest program's classification, served by the staged agent: Ankle boot"
		else
			fail "classification through the staged agent"
			echo "$out" | sed 's/^/  /' >&2
		fi
	else
		echo "note: no classify, torch plugin or model in this build: no classification"
	fi
	if [ $has_metrics = yes ]; then
		for path in /health/live /health/ready /metrics; do
			code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path" || true)
			if [ "$code" = 200 ]; then ok "GET $path: 200"; else fail "GET $path: $code"; fi
		done
	else
		echo "note: this agent has no --metrics: health endpoints not tried"
	fi
fi
kill -TERM "$agent" 2>/dev/null || true
if timeout 40 tail --pid="$agent" -f /dev/null && wait "$agent"; then
	ok "agent exits cleanly on SIGTERM"
else
	fail "agent on SIGTERM"
fi
agent=

[ "$failures" -eq 0 ] || { echo "$failures failed" >&2; exit 1; }
echo "all container checks passed"
