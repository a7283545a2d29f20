#!/usr/bin/env bash
# docs/kubernetes.svg is what graphviz draws from docs/kubernetes.dot: the
# committed picture is not older than its source. Exit 77 (skipped) without
# dot (Debian package graphviz).
set -euo pipefail
S=$(cd "$(dirname "$0")/../.." && pwd)
command -v dot >/dev/null || { echo "SKIP: no dot (graphviz)"; exit 77; }
if dot -Tsvg "$S/docs/kubernetes.dot" | cmp -s - "$S/docs/kubernetes.svg"; then
	echo "ok: docs/kubernetes.svg is drawn from docs/kubernetes.dot"
else
	echo "FAIL: docs/kubernetes.svg differs from what dot draws from docs/kubernetes.dot;" >&2
	echo "  redraw it: dot -Tsvg docs/kubernetes.dot -o docs/kubernetes.svg" >&2
	exit 1
fi
