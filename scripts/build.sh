#!/usr/bin/env bash
# build.sh DIR [cmake args...]: configure (once) and build into DIR.
set -euo pipefail
dir=$1
shift
cd "$(dirname "$0")/.."
if [ ! -f "$dir/build.ninja" ]; then
	cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
fi
ninja -C "$dir" -j"${JOBS:-$(nproc)}"
