#!/usr/bin/env bash
# The compatibility suite (compat.c) on the noop plugin in its own process,
# then through the rpc plugin and a vaccel-agent serving noop: both pass,
# and print the same lines but for the one that names the serving plugin
# and the one about a session that demands a remote plugin.
# run.sh COMPAT_BIN AGENT_BIN LIB_DIR TEST_LIB
set -euo pipefail
compat=$1 agent_bin=$2 L=$3 lib=$4
dir=$(mktemp -d /tmp/vaccel-compat.XXXXXX)
agent=
cleanup() { [ -n "$agent" ] && kill "$agent" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

# Upstream's spelling of a plugin: its file name, found on the library path.
LD_LIBRARY_PATH=$L${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} VACCEL_PLUGINS=libvaccel-noop.so \
	VACCEL_LOG_LEVEL=1 "$compat" "$lib" >"$dir/local" 2>"$dir/local.err" || {
	cat "$dir/local" "$dir/local.err" >&2
	echo "FAIL: local run" >&2
	exit 1
}

VACCEL_PLUGINS=$L/libvaccel-noop.so VACCEL_LOG_LEVEL=1 "$agent_bin" -q \
	-a "unix://$dir/a.sock" --exec-dir "$(dirname "$lib")" --allow-guest-libs >"$dir/addrs" 2>"$dir/agent.log" &
agent=$!
for _ in $(seq 100); do [ -S "$dir/a.sock" ] && break; sleep 0.05; done
VACCEL_PLUGINS=$L/libvaccel-rpc.so VACCEL_RPC_ADDRESS=unix://$dir/a.sock VACCEL_LOG_LEVEL=1 \
	"$compat" "$lib" remote >"$dir/remote" 2>"$dir/remote.err" || {
	cat "$dir/remote" "$dir/remote.err" "$dir/agent.log" >&2
	echo "FAIL: remote run" >&2
	exit 1
}
mode_lines='strcmp\(by, remote|ret == \(remote'
if ! diff <(grep -Ev "$mode_lines" "$dir/local") <(grep -Ev "$mode_lines" "$dir/remote") >&2; then
	echo "FAIL: local and remote runs differ" >&2
	exit 1
fi
echo "ok: $(grep -c '^ok' "$dir/local") checks, locally and through the agent"
