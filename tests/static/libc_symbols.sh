#!/usr/bin/env bash
# The libc symbols the guest side (static libvaccel + the rpc transport)
# needs must all be listed in docs/unikernels.md, so the list cannot grow
# unnoticed. libc_symbols.sh DOC ARCHIVES_AND_OBJECTS...
set -euo pipefail
doc=$1
shift
und=$(mktemp) def=$(mktemp) listed=$(mktemp)
trap 'rm -f "$und" "$def" "$listed"' EXIT
nm -u "$@" 2>/dev/null | awk 'NF {print $NF}' | grep -v ':$' | sort -u >"$und"
nm --defined-only "$@" 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u >"$def"
# What remains, minus the C++ runtime (linked statically into the guest) and
# sanitizer hooks of instrumented builds.
needed=$(comm -23 "$und" "$def" |
	grep -v -E '^(_Z|__cxa|__gxx|_Unwind|__dynamic_cast|_GLOBAL_OFFSET_TABLE_|__asan|__ubsan|__sanitizer|__lsan|__tsan|_ITM_|__gcov)' || true)
sed -n '/<!-- libc-symbols -->/,/<!-- \/libc-symbols -->/p' "$doc" |
	grep -o '`[A-Za-z_][A-Za-z0-9_]*`' | tr -d '`' | sort -u >"$listed"
missing=$(comm -23 <(echo "$needed" | sort -u | sed '/^$/d') "$listed")
if [ -n "$missing" ]; then
	echo "libc symbols used by the guest side but not listed in $doc:" >&2
	echo "$missing" >&2
	exit 1
fi
echo "ok: $(echo "$needed" | sed '/^$/d' | wc -l) libc symbols, all listed"
