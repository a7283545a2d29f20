#!/bin/sh
# The image's entrypoint: runs vaccel-agent with options taken from the
# environment (a Kubernetes ConfigMap, podman run -e ...), followed by any
# arguments given to the container. A first argument that is not an option
# is a command to run instead (a shell, a guest program).
#
#   VACCEL_AGENT_ADDRESSES        listeners, space-separated (-a each);
#                                 default unix:///run/vaccel/agent.sock
#   VACCEL_AGENT_METRICS          --metrics tcp://HOST:PORT (health, metrics)
#   VACCEL_AGENT_METRICS_PUBLIC   1: --metrics-public (HOST not loopback)
#   VACCEL_AGENT_EXEC_DIRS        --exec-dir each, space-separated
#   VACCEL_AGENT_ALLOW_REMOTE     1: --allow-remote
#   VACCEL_AGENT_ALLOW_GUEST_LIBS 1: --allow-guest-libs
#   VACCEL_AGENT_SOCKET_MODE      --socket-mode
#   VACCEL_AGENT_MEMORY_BUDGET    --memory-budget
#   VACCEL_AGENT_DRAIN_TIMEOUT_S  --drain-timeout-s
#   VACCEL_AGENT_MAX_CONNECTIONS  --max-connections
#   VACCEL_AGENT_IDLE_TIMEOUT_S   --idle-timeout-s
#   VACCEL_AGENT_QUIET            1: -q
#   VACCEL_AGENT_DRY_RUN          1: print the command, one word a line, and exit
# VACCEL_PLUGINS and VACCEL_LOG_LEVEL reach the agent as they are.
set -eu
agent=${VACCEL_AGENT_BIN:-/usr/local/bin/vaccel-agent}

case ${1:-} in
'' | -*) ;;
*) exec "$@" ;;
esac

yes() { case ${1:-} in 1 | yes | true) return 0 ;; *) return 1 ;; esac; }

# The container's own arguments go last: they are moved behind the options.
n=$#
for a in ${VACCEL_AGENT_ADDRESSES:-unix:///run/vaccel/agent.sock}; do
	set -- "$@" -a "$a"
done
if [ -n "${VACCEL_AGENT_METRICS:-}" ]; then
	# An agent built without libmicrohttpd has no metrics endpoint: it
	# would refuse the option, so it runs without and says so.
	if "$agent" --help 2>&1 | grep -q -- '--metrics'; then
		set -- "$@" --metrics "$VACCEL_AGENT_METRICS"
		if yes "${VACCEL_AGENT_METRICS_PUBLIC:-}"; then set -- "$@" --metrics-public; fi
	else
		echo "entrypoint: this agent has no --metrics: VACCEL_AGENT_METRICS ignored" >&2
	fi
fi
for d in ${VACCEL_AGENT_EXEC_DIRS:-}; do
	set -- "$@" --exec-dir "$d"
done
if yes "${VACCEL_AGENT_ALLOW_REMOTE:-}"; then set -- "$@" --allow-remote; fi
if yes "${VACCEL_AGENT_ALLOW_GUEST_LIBS:-}"; then set -- "$@" --allow-guest-libs; fi
[ -z "${VACCEL_AGENT_SOCKET_MODE:-}" ] || set -- "$@" --socket-mode "$VACCEL_AGENT_SOCKET_MODE"
[ -z "${VACCEL_AGENT_MEMORY_BUDGET:-}" ] || set -- "$@" --memory-budget "$VACCEL_AGENT_MEMORY_BUDGET"
[ -z "${VACCEL_AGENT_DRAIN_TIMEOUT_S:-}" ] || set -- "$@" --drain-timeout-s "$VACCEL_AGENT_DRAIN_TIMEOUT_S"
[ -z "${VACCEL_AGENT_MAX_CONNECTIONS:-}" ] || set -- "$@" --max-connections "$VACCEL_AGENT_MAX_CONNECTIONS"
[ -z "${VACCEL_AGENT_IDLE_TIMEOUT_S:-}" ] || set -- "$@" --idle-timeout-s "$VACCEL_AGENT_IDLE_TIMEOUT_S"
if yes "${VACCEL_AGENT_QUIET:-}"; then set -- "$@" -q; fi
while [ "$n" -gt 0 ]; do
	a=$1
	shift
	set -- "$@" "$a"
	n=$((n - 1))
done

if yes "${VACCEL_AGENT_DRY_RUN:-}"; then
	printf '%s\n' "$agent" "$@"
	exit 0
fi
exec "$agent" "$@"
