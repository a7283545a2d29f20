#!/usr/bin/env bash
# Builds and starts the image's runtime stage with podman, from this build
# tree's staged files (dist/container/stage.sh) instead of the build stage,
# then serves a guest on the host through the container's socket:
#   tests/container/image.sh BUILD_DIR [CUDA=yes|no]
# Needs root, podman (with runc: see below), debootstrap and Debian's
# archive. Not part of the suite: making the base image and installing the
# runtime packages into it downloads and unpacks about a gigabyte (here:
# three minutes for debootstrap, four for the runtime stage), and the whole Containerfile, which also installs the build's
# packages and compiles the project, takes far longer than CI has.
#
# No registry is reachable here, so the base image debian:bookworm-slim is
# made with debootstrap (minbase) and imported (cached in
# BUILD_DIR/container-cache). On machines like this project's (a VM whose
# init is not systemd, cgroups in hybrid v1/v2 mode, root without
# CAP_SYS_RESOURCE), podman runs containers only with runc, cgroupfs, and
# ulimits no higher than the current hard limits: crun refuses hybrid
# cgroups and podman's default ulimits cannot be raised to.
set -euo pipefail
S=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$1" && pwd)
CUDA=${2:-no}
for t in podman debootstrap runc; do
	command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
P=(podman --storage-driver vfs --runtime runc --cgroup-manager cgroupfs)
# nproc: even the current hard limit is refused above some 60000 here.
RUN_LIMITS=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=4096:4096)
base=localhost/debian:bookworm-slim
cache=$B/container-cache
tmp=$(mktemp -d /tmp/vaccel-image.XXXXXX)
cid=
cleanup() {
	if [ -n "$cid" ]; then "${P[@]}" rm -f "$cid" >/dev/null 2>&1 || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! "${P[@]}" image exists "$base"; then
	if [ ! -f "$cache/bookworm.tar" ]; then
		mkdir -p "$cache"
		echo "== debootstrap bookworm (minbase)"
		debootstrap --variant=minbase bookworm "$tmp/rootfs" http://deb.debian.org/debian >"$tmp/debootstrap.log" 2>&1 ||
			{ tail -20 "$tmp/debootstrap.log"; exit 1; }
		# As the official image: deb822 sources, no package lists.
		rm -f "$tmp/rootfs/etc/apt/sources.list"
		printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" \
			"Suites: bookworm bookworm-updates" "Components: main" \
			"Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" \
			>"$tmp/rootfs/etc/apt/sources.list.d/debian.sources"
		rm -rf "$tmp/rootfs/var/lib/apt/lists/"* "$tmp/rootfs/var/cache/apt/archives/"*.deb
		tar -C "$tmp/rootfs" -cf "$cache/bookworm.tar" .
		rm -rf "$tmp/rootfs"
	fi
	"${P[@]}" import "$cache/bookworm.tar" "$base" >/dev/null
fi

# The Containerfile's runtime stage, its build stage replaced by the staged
# files of this build.
ctx=$tmp/ctx
mkdir -p "$ctx"
"$S/dist/container/stage.sh" "$B" "$ctx/stage"
# Without CUDA in the image, a cuda plugin built here against another CUDA
# would only fail to load there.
if [ "$CUDA" != yes ]; then rm -f "$ctx/stage/usr/local/lib/libvaccel-cuda.so"; fi
{
	grep '^ARG BASE=' "$S/dist/container/Containerfile"
	echo "FROM scratch AS build"
	echo "COPY stage/ /stage/"
	sed -n '/^# ---- runtime/,$p' "$S/dist/container/Containerfile"
} >"$ctx/Containerfile"
echo "== podman build (the runtime stage)"
start=$(date +%s)
"${P[@]}" build --network host --build-arg BASE="$base" --build-arg CUDA="$CUDA" \
	-f "$ctx/Containerfile" -t localhost/vaccel-agent:test "$ctx"
echo "built in $(($(date +%s) - start)) s: $("${P[@]}" image inspect localhost/vaccel-agent:test --format '{{.Size}}') bytes"

echo "== podman run"
mkdir -p "$tmp/run"
chmod 777 "$tmp/run"
cid=$("${P[@]}" run -d "${RUN_LIMITS[@]}" --network none -v "$tmp/run:/run/vaccel" \
	-e VACCEL_PLUGINS=noop -e VACCEL_AGENT_SOCKET_MODE=0666 localhost/vaccel-agent:test)
for _ in $(seq 100); do
	[ -S "$tmp/run/agent.sock" ] && break
	sleep 0.1
done
"${P[@]}" logs "$cid" | sed 's/^/  container: /'
VACCEL_PLUGINS=$B/lib/libvaccel-rpc.so VACCEL_RPC_ADDRESS=unix://$tmp/run/agent.sock "$B/bin/noop"
echo "ok: a guest on the host served by the agent in the container"
"${P[@]}" stop -t 40 "$cid" >/dev/null
echo "ok: container stopped: exit code $("${P[@]}" inspect "$cid" --format '{{.State.ExitCode}}')"
