#!/usr/bin/env bash
# The static guest programs, run through a vaccel-agent, print what the
# dynamic programs print locally; and they need no dynamic linker.
# run.sh BIN_DIR LIB_DIR SOURCE_DIR
set -euo pipefail
B=$1 L=$2 S=$3
dir=$(mktemp -d /tmp/vaccel-static.XXXXXX)
agent=
cleanup() { [ -n "$agent" ] && kill "$agent" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

for p in noop sgemm exec classify; do
	if readelf -l "$B/$p-static" | grep -q INTERP; then
		echo "FAIL: $p-static is dynamically linked" >&2
		exit 1
	fi
done

host_plugins=$L/libvaccel-exec.so:$L/libvaccel-noop.so
VACCEL_PLUGINS=$host_plugins "$B/vaccel-agent" -q -a "unix://$dir/a.sock" \
	-a tcp://127.0.0.1:0 --exec-dir "$L" >"$dir/addrs" 2>"$dir/agent.log" &
agent=$!
for _ in $(seq 100); do [ "$(wc -l <"$dir/addrs")" -ge 2 ] && break; sleep 0.05; done
tcp=$(sed -n 's/^listening on //p' "$dir/addrs" | grep tcp)

check() { # name, args...
	local name=$1
	shift
	local want got
	want=$(VACCEL_PLUGINS=$host_plugins "$B/$name" "$@" 2>&1)
	for uri in "unix://$dir/a.sock" "$tcp"; do
		got=$(VACCEL_PLUGINS=rpc VACCEL_RPC_ADDRESS=$uri "$B/$name-static" "$@" 2>&1 |
			sed 's/(rpc plugin)/(noop plugin)/')
		if [ "$got" != "$want" ]; then
			echo "FAIL: $name $* over $uri" >&2
			diff <(echo "$want") <(echo "$got") >&2 || true
			exit 1
		fi
	done
	echo "ok: $name-static $* (unix, tcp) = local"
}
check noop 100
check sgemm 64 2
check exec "$L/libmytestlib.so" 3
check classify "$S/examples/noop.c" 2
