#!/usr/bin/env bash
# The systemd units as configured by the build (dist/systemd): systemd's own
# checker accepts them, their sandboxing keeps the exposure systemd-analyze
# rates at 2.0 or under, the install puts them where systemd reads them, and
# the agent runs under what of the unit's sandbox can be had without systemd
# as PID 1 (user, no new privileges, no capabilities, read-only root, private
# /tmp, the memlock limit), started as the socket unit starts it, and serves
# a guest.
# run.sh BUILD_DIR; exit 77 (skipped) without systemd-analyze.
set -euo pipefail
S=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$1" && pwd)
U=$B/dist/systemd-test
command -v systemd-analyze >/dev/null ||
	{ echo "SKIP: no systemd-analyze (Debian package systemd)"; exit 77; }

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
ok() { echo "ok: $*"; }
tmp=$(mktemp -d /tmp/vaccel-systemd.XXXXXX)
run_dir=
agent=
cleanup() {
	if [ -n "$agent" ]; then kill "$agent" 2>/dev/null || true; fi
	wait 2>/dev/null || true
	rm -rf "$tmp"
	[ -z "$run_dir" ] || rm -rf "$run_dir"
}
trap cleanup EXIT

# 1. systemd's checker: syntax, known directives, ExecStart executable, the
# socket's service. It prints what it finds wrong; anything printed fails.
if out=$(cd "$U" && systemd-analyze verify ./vaccel-agent.socket ./vaccel-agent.service 2>&1) &&
	[ -z "$out" ]; then
	ok "systemd-analyze verify: vaccel-agent.socket, vaccel-agent.service"
else
	fail "systemd-analyze verify"
	echo "$out" | sed 's/^/  /' >&2
fi

# 2. Sandboxing: the exposure systemd-analyze rates from the unit alone
# (0 fully sandboxed .. 10 not at all; 2.0 is 20 on its threshold's scale).
if out=$(systemd-analyze security --offline=true --threshold=20 "$U/vaccel-agent.service" 2>&1); then
	ok "sandboxing: $(grep -o 'Overall exposure level[^:]*: [0-9.]*' <<<"$out")"
else
	fail "sandboxing: exposure above 2.0"
	grep -E '✗|Overall' <<<"$out" | sed 's/^/  /' >&2
fi

# 3. The install: units where systemd reads them, the environment file as
# /etc/default/vaccel-agent (under the prefix's sysconfdir), the sysusers.d
# file; ExecStart names the installed agent.
cached() { sed -n "s/^$1:[A-Z]*=//p" "$B/CMakeCache.txt"; }
prefix=$(cached CMAKE_INSTALL_PREFIX)
DESTDIR=$tmp/stage cmake --install "$B" --component service >/dev/null
rel() { # an installed path, as it lies in the stage
	case $1 in /*) echo "$tmp/stage$1" ;; *) echo "$tmp/stage$prefix/$1" ;; esac
}
unit_dir=$(cached VACCEL_SYSTEMD_UNIT_DIR)
service=$(rel "$unit_dir")/vaccel-agent.service
envfile=$(sed -n 's/^EnvironmentFile=-//p' "$service" 2>/dev/null || true)
for f in "$service" "$(rel "$unit_dir")/vaccel-agent.socket" \
	"$(rel "$(cached VACCEL_SYSUSERS_DIR)")/vaccel-agent.conf" "$(rel "$envfile")"; do
	if [ -f "$f" ]; then ok "installed ${f#"$tmp/stage/"}"; else fail "not installed: ${f#"$tmp/stage/"}"; fi
done
want=$(cached CMAKE_INSTALL_BINDIR)
case $want in /*) ;; *) want=$prefix/$want ;; esac
if grep -qx "ExecStart=$want/vaccel-agent \$VACCEL_AGENT_OPTIONS" "$service"; then
	ok "ExecStart names the installed agent ($want/vaccel-agent)"
else
	fail "ExecStart: $(grep ^ExecStart= "$service")"
fi
case $envfile in
*/default/vaccel-agent) ok "environment file $envfile" ;;
*) fail "environment file: '$envfile'" ;;
esac

# 4. The agent under the unit's sandbox, as far as it can be had here. A
# unit runs only under a systemd that is PID 1 (systemd-run and systemctl
# talk to it); where PID 1 is another init, as in this project's machines,
# util-linux does what it can: a mount namespace whose root is read-only
# (ProtectSystem=strict) with a private /tmp (PrivateTmp=), an unprivileged
# user without capabilities that can gain none (User=, CapabilityBoundingSet=,
# NoNewPrivileges=) and LimitMEMLOCK= (as far as the hard limit goes: raising
# it takes CAP_SYS_RESOURCE, which root lacks on some machines). Not had: the seccomp filters
# (SystemCallFilter=, RestrictAddressFamilies=, ...), the device cgroup
# (DevicePolicy=, DeviceAllow=) and ProtectProc=.
sandbox() {
	if [ "$(id -u)" -ne 0 ]; then echo "needs root (namespaces, another user)"; return 1; fi
	for t in unshare setpriv prlimit; do
		command -v $t >/dev/null || { echo "no $t (util-linux)"; return 1; }
	done
	unshare --mount --fork true 2>/dev/null || { echo "no mount namespaces here"; return 1; }
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$B/bin/vaccel-agent" ||
		{ echo "user nobody cannot run $B/bin/vaccel-agent (a directory above is closed)"; return 1; }
}
if ! why=$(sandbox); then
	echo "SKIP (part): the agent under the unit's sandbox: $why"
	[ "$failures" -eq 0 ] || exit 1
	exit 0
fi
# The socket lives where the client outside the namespace sees it; systemd
# would make it in /run/vaccel before the sandbox exists.
run_dir=$(mktemp -d "$B/systemd-run.XXXXXX")
chmod 755 "$run_dir"
sock=$run_dir/agent.sock
# What the unit's environment file gives, plugins resolved in the build
# tree; noop last, for the guest's call.
plugins=$(sed -n 's/^VACCEL_PLUGINS=//p' "$U/vaccel-agent.env")
plugins=${plugins:+$plugins:}noop
# The unit's Environment= lines, with its cache and state directories
# (CacheDirectory=, StateDirectory=: %C and %S) made here, the user's: PoCL
# finds no device where it cannot write its kernel cache.
mkdir -p "$run_dir/cache/vaccel-agent" "$run_dir/state/vaccel-agent"
chown -R 65534:65534 "$run_dir/cache" "$run_dir/state"
unit_env=()
while IFS= read -r line; do
	line=${line//%C/$run_dir/cache}
	unit_env+=("${line//%S/$run_dir/state}")
done < <(sed -n 's/^Environment=//p' "$U/vaccel-agent.service")
# The environment file's options, as ExecStart splits them; its metrics
# endpoint on a free port where this agent has one, left out where not.
read -r -a options <<<"$(sed -n 's/^VACCEL_AGENT_OPTIONS=//p' "$U/vaccel-agent.env" | tr -d '"')"
metrics_port=
if "$B/bin/vaccel-agent" --help 2>&1 | grep -q -- '--metrics'; then
	metrics_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
opts=()
for ((k = 0; k < ${#options[@]}; k++)); do
	if [ "${options[k]}" = --metrics ]; then
		k=$((k + 1))
		if [ -n "$metrics_port" ]; then opts+=(--metrics "tcp://127.0.0.1:$metrics_port"); fi
	else
		opts+=("${options[k]}")
	fi
done
start_agent() { # how: activated | listening
	local listen=()
	[ "$1" = listening ] && listen=(-a "unix://$sock")
	local pre=()
	[ "$1" = activated ] && pre=(/usr/bin/python3 "$S/tests/systemd/activate.py" "$sock" 0660 --)
	# shellcheck disable=SC2016
	env "${unit_env[@]}" VACCEL_PLUGINS="$plugins" VACCEL_LOG_LEVEL=3 unshare --mount --fork -- sh -c '
		set -e
		mount --make-rprivate /
		mount -t tmpfs -o mode=1777 tmpfs /tmp
		mount --bind "$1" "$1"
		mount -o remount,bind,ro /
		shift
		exec "$@"' sh "$run_dir" "${pre[@]}" \
		prlimit --memlock="$(ulimit -Hl)" \
		setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
		--bounding-set=-all --inh-caps=-all \
		"$B/bin/vaccel-agent" "${listen[@]}" "${opts[@]}" >"$tmp/agent.log" 2>&1 &
	agent=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && grep -q "plugin noop" "$tmp/agent.log" && return 0
		kill -0 "$agent" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
how=activated
if ! start_agent activated; then
	wait "$agent" 2>/dev/null || true
	agent=
	if grep -q "^usage:" "$tmp/agent.log"; then
		# An agent without socket activation asks for -a.
		echo "note: this agent takes no sockets from systemd (LISTEN_FDS): listening with -a instead"
		rm -f "$sock"
		# The agent binds as nobody now: the directory must be its.
		chown 65534:65534 "$run_dir"
		how=listening
		start_agent listening || { fail "the sandboxed agent did not start"; sed 's/^/  /' "$tmp/agent.log" >&2; }
	else
		fail "the sandboxed agent did not start"
		sed 's/^/  /' "$tmp/agent.log" >&2
	fi
fi
if [ -n "$agent" ]; then
	# The agent is the namespace's child of unshare: its own pid.
	pid=$(pgrep -P "$agent" -x vaccel-agent || true)
	st=/proc/${pid:-0}/status
	if [ -n "$pid" ] && grep -qE '^Uid:\s+65534\s' "$st" && grep -qE '^NoNewPrivs:\s+1' "$st" &&
		grep -qE '^CapBnd:\s+0+$' "$st"; then
		ok "agent ($how) runs as nobody, no new privileges, no capabilities"
	else
		fail "agent's credentials"
		grep -E '^(Uid|NoNewPrivs|CapBnd)' "$st" 2>/dev/null | sed 's/^/  /' >&2 || true
	fi
	# Every plugin of the unit's default list that this build has loads
	# in the sandbox (cuda may report no device instead).
	for p in ${plugins//:/ }; do
		[ -f "$B/lib/libvaccel-$p.so" ] || { echo "note: plugin $p not built here"; continue; }
		if grep -q "\[agent\] plugin $p\$" "$tmp/agent.log" ||
			{ [ "$p" = cuda ] && grep -q "plugin cuda.*no device" "$tmp/agent.log"; }; then
			ok "plugin $p loads in the sandbox"
		else
			fail "plugin $p in the sandbox"
			grep -i "$p" "$tmp/agent.log" | sed 's/^/  /' >&2
		fi
	done
	if [ ! -x "$B/bin/noop" ]; then
		echo "note: no examples built (bin/noop): no guest call"
	elif out=$(VACCEL_PLUGINS=$B/lib/libvaccel-rpc.so VACCEL_RPC_ADDRESS=unix://$sock \
		VACCEL_LOG_LEVEL=1 timeout 20 "$B/bin/noop" 2>&1); then
		ok "a guest's call served by the sandboxed agent"
	else
		fail "a guest's call through the sandboxed agent"
		echo "$out" | sed 's/^/  /' >&2
		sed 's/^/  agent: /' "$tmp/agent.log" >&2
	fi
	if [ -n "$metrics_port" ]; then
		body=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$metrics_port/health/ready" || true)
		code=${body##*$'\n'}
		if [ "$code" = 200 ]; then ok "the sandboxed agent is ready (GET /health/ready)"; else
			fail "GET /health/ready of the sandboxed agent: $code: ${body%$'\n'*}"; fi
	else
		echo "note: this agent has no --metrics: health not tried"
	fi
	kill -TERM "${pid:-$agent}" 2>/dev/null || true
	rc=0
	timeout 45 tail --pid="$agent" -f /dev/null || rc=$?
	if [ "$rc" -eq 0 ] && wait "$agent"; then
		ok "agent exits cleanly on SIGTERM"
	else
		fail "agent on SIGTERM (rc $rc)"
		sed 's/^/  agent: /' "$tmp/agent.log" >&2
	fi
	agent=
fi

[ "$failures" -eq 0 ] || { echo "$failures failed" >&2; exit 1; }
echo "all systemd checks passed"
