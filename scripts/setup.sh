#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs, if any is missing.
# Idempotent and quick when everything is there; non-interactive.
set -euo pipefail

PACKAGES=(
	g++ cmake ninja-build pkg-config ccache
	libgtest-dev libgmock-dev libbenchmark-dev
	clang libclang-rt-14-dev
	qemu-system-x86 busybox-static cpio
	libopenblas-dev ocl-icd-opencl-dev opencl-headers pocl-opencl-icd
	pybind11-dev python3-dev python3-numpy python3-pytest python3-pip
	libtorch-dev libopencv-dev libpng-dev libjpeg-dev python3-torch python3-pil dataset-fashion-mnist
	libmicrohttpd-dev graphviz curl systemd
	yamllint
)
# Node.js for the Kubernetes manifests' schema check (tests/kubernetes, its
# packages from the npm registry): Debian's, unless a Node.js with npm is
# there already (another distribution's would conflict with Debian's npm).
command -v npm >/dev/null || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
	SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only if they are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
	"${SUDO[@]}" apt-get update -qq
fi
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
