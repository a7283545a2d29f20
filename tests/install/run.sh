#!/usr/bin/env bash
# An install works wherever its tree ends up, not only at the prefix it was
# installed to: the tree is installed into one directory and moved to
# another before anything uses it. From there the tools must run without
# LD_LIBRARY_PATH, pkg-config and find_package(vaccel) must give working
# compile and link lines (shared programs, plugins, static guests), and a
# static guest must reach the installed agent.
# run.sh BUILD_DIR
set -euo pipefail
S=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$1" && pwd)
tmp=$(mktemp -d /tmp/vaccel-install.XXXXXX)
agent=
cleanup() {
	if [ -n "$agent" ]; then kill "$agent" 2>/dev/null || true; fi
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# Whatever the caller's environment points at must not stand in for what the
# install provides.
unset LD_LIBRARY_PATH PKG_CONFIG_PATH CMAKE_PREFIX_PATH VACCEL_PLUGINS VACCEL_RPC_ADDRESS

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
ok() { echo "ok: $*"; }

cmake --install "$B" --prefix "$tmp/first/prefix" >/dev/null
mkdir "$tmp/moved"
mv "$tmp/first/prefix" "$tmp/moved/tree"
rmdir "$tmp/first"
P=$(realpath "$tmp/moved/tree")
cached() { sed -n "s/^$1:[A-Z]*=//p" "$B/CMakeCache.txt"; }
libdir=$(cached CMAKE_INSTALL_LIBDIR)
includedir=$(cached CMAKE_INSTALL_INCLUDEDIR)
case $libdir in /*) ;; *) libdir=$P/$libdir ;; esac
case $includedir in /*) ;; *) includedir=$P/$includedir ;; esac
version=$(cached CMAKE_PROJECT_VERSION)

# A program that runs and prints what it was expected to print.
expect() { # description, pattern, command...
	local what=$1 want=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$what: exit status $rc"
		echo "$out" | sed 's/^/  /' >&2
	elif ! grep -q -- "$want" <<<"$out"; then
		fail "$what: no '$want' in its output"
		echo "$out" | sed 's/^/  /' >&2
	else
		ok "$what"
	fi
}

# Static links warn about getaddrinfo; shown only when a build fails.
quiet() {
	local log=$tmp/quiet.log
	"$@" >"$log" 2>&1 && return
	sed 's/^/  /' "$log" >&2
	return 1
}

# A static program needs no dynamic linker, so nothing of a host's
# libraries: what a VM or unikernel guest runs.
is_static() { [ -f "$1" ] && ! readelf -l "$1" | grep -q INTERP; }

tools() {
	local exe found extra=()
	# The classification service, where libmicrohttpd was found.
	[ -e "$P/bin/vaccel-classify-server" ] && extra=(vaccel-classify-server)
	for exe in vaccel vaccel-agent "${extra[@]}"; do
		# Run from the moved tree, the library has to come from there
		# too, not from some other install on the loader's path.
		found=$(ldd "$P/bin/$exe" | awk '$1 ~ /^libvaccel\.so/ { print $3 }')
		if [ "$(realpath -m "$found")" != "$(realpath "$libdir"/libvaccel.so.*.*)" ]; then
			fail "bin/$exe does not find the install's libvaccel"
			ldd "$P/bin/$exe" | sed 's/^/  /' >&2
		fi
	done
	expect "vaccel --version" "vaccel $version" "$P/bin/vaccel" --version
	expect "vaccel-agent --version" "$version" "$P/bin/vaccel-agent" --version
	# By name: found next to the install's libvaccel.
	expect "VACCEL_PLUGINS=noop vaccel info" "^  noop " \
		env VACCEL_PLUGINS=noop "$P/bin/vaccel" info
}

pkgconfig() {
	local pc=(env PKG_CONFIG_LIBDIR="$libdir/pkgconfig" pkg-config) var dir want
	# Consumers written for upstream vAccel check its version (docs/compat.md).
	if "${pc[@]}" --atleast-version=0.7 vaccel && ! "${pc[@]}" --atleast-version=0.8 vaccel; then
		ok "pkg-config: at least upstream's 0.7, not yet 0.8"
	else
		fail "pkg-config --atleast-version: $("${pc[@]}" --modversion vaccel)"
	fi
	for var in prefix libdir includedir; do
		dir=$("${pc[@]}" --variable=$var vaccel) || { fail "pkg-config vaccel"; return; }
		case $var in
		prefix) want=$P ;;
		libdir) want=$libdir ;;
		includedir) want=$includedir ;;
		esac
		if [ "$(realpath -m "$dir")" != "$want" ]; then
			fail "vaccel.pc: $var=$dir, not in the moved tree ($want)"
		fi
	done
	if quiet cc "$S/examples/noop.c" $("${pc[@]}" --cflags --libs vaccel) \
		-Wl,-rpath,"$libdir" -o "$tmp/noop-pc"; then
		expect "C program built with pkg-config vaccel" "Initialized session" \
			env VACCEL_PLUGINS=noop "$tmp/noop-pc" 3
	else
		fail "C program built with pkg-config vaccel"
	fi
	if quiet cc -static "$S/examples/noop.c" $("${pc[@]}" --cflags --libs vaccel-static) \
		-o "$tmp/guest-pc" && is_static "$tmp/guest-pc"; then
		ok "static guest built with pkg-config vaccel-static"
	else
		fail "static guest built with pkg-config vaccel-static"
	fi
	# The static runtime with another built-in plugin, as docs/plugins.md
	# shows it.
	if quiet cc -static "$S/examples/noop.c" -Wl,-u,vaccel_plugin_builtin_noop \
		-lvaccel-plugin-noop-builtin $("${pc[@]}" --cflags --libs --static vaccel) \
		-o "$tmp/noop-static" && is_static "$tmp/noop-static"; then
		expect "static program with noop built in (pkg-config --static vaccel)" \
			"Initialized session" env VACCEL_PLUGINS=noop "$tmp/noop-static" 3
	else
		fail "static program with noop built in (pkg-config --static vaccel)"
	fi
}

cmake_package() {
	local c=$tmp/consumer
	mkdir -p "$c"
	cat >"$c/mine.c" <<'EOF'
#include <stdio.h>
#include <vaccel.h>

static int mine_noop(struct vaccel_session *sess)
{
	printf("mine: noop in session %d\n", (int)sess->id);
	return VACCEL_OK;
}

static const struct vaccel_plugin_ops mine_ops = { .noop = mine_noop };

static const struct vaccel_plugin_desc mine_plugin = {
	VACCEL_PLUGIN_DESC_HEADER,
	.name = "mine",
	.version = "1.0",
	.type = VACCEL_PLUGIN_CPU,
	VACCEL_PLUGIN_OPS(mine_ops),
};

VACCEL_PLUGIN_ENTRY(mine, mine_plugin)
EOF
	# A C-only project: the C++ runtime that libvaccel.a needs has to come
	# from the package, not from the project's languages.
	cat >"$c/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.16)
project(consumer LANGUAGES C)
find_package(vaccel $version REQUIRED)

add_executable(app $S/examples/noop.c)
target_link_libraries(app PRIVATE vaccel::vaccel)

vaccel_add_plugin(mine mine.c)
add_executable(mine-static $S/examples/noop.c)
target_link_libraries(mine-static PRIVATE vaccel-plugin-mine-builtin vaccel::static -static)

add_executable(guest $S/examples/noop.c)
target_link_libraries(guest PRIVATE vaccel::plugin-rpc-builtin -static)
EOF
	if ! quiet cmake -S "$c" -B "$c/build" -G Ninja -DCMAKE_PREFIX_PATH="$P" ||
		! quiet ninja -C "$c/build"; then
		fail "CMake project with find_package(vaccel)"
		return
	fi
	ok "CMake project with find_package(vaccel), vaccel_add_plugin, vaccel::static"
	expect "find_package: program and plugin" "mine: noop" \
		env VACCEL_PLUGINS="$c/build/libvaccel-mine.so" "$c/build/app" 2
	is_static "$c/build/mine-static" || fail "mine-static is dynamically linked"
	expect "find_package: static program, plugin built in" "mine: noop" \
		env VACCEL_PLUGINS=mine "$c/build/mine-static" 2
	if is_static "$c/build/guest"; then cp "$c/build/guest" "$tmp/guest-cmake"; else
		fail "guest (vaccel::plugin-rpc-builtin) is dynamically linked"; fi
}

static_guests() {
	local sock=$tmp/agent.sock g n=0 seen
	VACCEL_LOG_LEVEL=4 VACCEL_PLUGINS=noop "$P/bin/vaccel-agent" -a "unix://$sock" \
		>"$tmp/agent.out" 2>"$tmp/agent.log" &
	agent=$!
	for _ in $(seq 100); do grep -q "listening on" "$tmp/agent.out" && break; sleep 0.05; done
	if ! grep -q "listening on" "$tmp/agent.out"; then
		fail "the installed vaccel-agent did not start"
		sed 's/^/  /' "$tmp/agent.log" >&2
		return
	fi
	for g in guest-pc guest-cmake; do
		if [ ! -x "$tmp/$g" ]; then
			fail "$g: not built"
			continue
		fi
		expect "static guest $g through the installed agent" "Initialized session" \
			env VACCEL_PLUGINS=rpc VACCEL_RPC_ADDRESS="unix://$sock" "$tmp/$g" 5
		n=$((n + 5))
	done
	# Each guest's calls were served by the agent's noop plugin.
	seen=$(grep -c '\[noop\] noop' "$tmp/agent.log" || true)
	[ "$seen" -ge "$n" ] || fail "the agent served $seen noop calls, not $n"
}

tools
pkgconfig
cmake_package
static_guests
if [ "$failures" -ne 0 ]; then
	echo "install test: $failures failure(s)" >&2
	exit 1
fi
echo "install test: all passed"
