#!/usr/bin/env bash
# The README's commands, run as written. Each ```sh block that follows a
# line `<!-- tested by tests/readme/run.sh -->` runs in one shell from the
# repository root (so `build/` is the build tree the README means); a
# command ending in `# -> TEXT` must print TEXT. Debian's python3 comes
# first on PATH, as on the machine the README is written for.
set -euo pipefail
cd "$(dirname "$0")/../.."
readme=${1:-README.md}
export PATH=/usr/bin:$PATH
unset VACCEL_PLUGINS VACCEL_RPC_ADDRESS VACCEL_LOG_LEVEL

script=$(mktemp)
trap 'rm -f "$script"' EXIT
# Blocks and expectations into one script: each command's output is
# captured and searched for its TEXT; a failing command fails the test.
awk '
	/^<!-- tested by tests\/readme\/run.sh -->$/ { armed = 1; next }
	armed && /^```sh$/ { inblock = 1; armed = 0; blocks++; next }
	inblock && /^```$/ { inblock = 0; next }
	inblock {
		line = $0
		want = ""
		if (match(line, /# -> .*$/)) {
			want = substr(line, RSTART + 5)
			line = substr(line, 1, RSTART - 1)
		}
		sub(/[ \t]+$/, "", line)
		if (line == "" || line ~ /^#/)
			next
		gsub(/'\''/, "'\''\\'\'''\''", line)
		printf "run '\''%s'\''", line
		if (want != "") {
			gsub(/'\''/, "'\''\\'\'''\''", want)
			printf " '\''%s'\''", want
		}
		printf "\n"
	}
	END { if (!blocks) print "echo \"no tested block in the README\" >&2; exit 1" }
' "$readme" >"$script"

run() { # command, expected text
	local out rc=0
	echo "\$ $1"
	# A variable the next commands use is set in this shell.
	if [[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]*=[^\ ]*$ ]]; then
		eval "$1"
		return
	fi
	out=$(eval "$1" 2>&1) || rc=$?
	printf '%s\n' "$out" | sed 's/^/  /'
	if [ "$rc" -ne 0 ]; then
		echo "readme test: '$1' exited with $rc" >&2
		exit 1
	fi
	if [ $# -gt 1 ] && ! grep -qF -- "$2" <<<"$out"; then
		echo "readme test: '$1' did not print '$2'" >&2
		exit 1
	fi
}
# shellcheck disable=SC1090
. "$script"
echo "readme test: every tested command ran as written"
