#!/usr/bin/env bash
# stage.sh BUILD_DIR STAGE: the files of the image's runtime stage, from a
# build tree configured with the prefix /usr/local: the install less what
# only builds against it (headers, static libraries, CMake and pkg-config
# files) and less the systemd files, plus the entrypoint, a guest program
# (classify) and a sample image for the examples. The Containerfile's build
# stage runs it; so does tests/container/run.sh, on the project's build.
set -euo pipefail
S=$(cd "$(dirname "$0")/../.." && pwd)
B=$1
T=$2
P=/usr/local
mkdir -p "$T"
DESTDIR=$T cmake --install "$B" --prefix "$P" >/dev/null
R=${T:?}$P
rm -rf "$R/include" "$R/lib/cmake" "$R/lib/pkgconfig" "$R/lib/systemd" "$R/lib/sysusers.d" \
	"${R:?}/etc" "$R/share/doc" "$R"/lib/python3*
find "$R/lib" -name '*.a' -delete
install -D -m 755 "$S/dist/container/entrypoint.sh" "$R/libexec/vaccel/entrypoint.sh"
if [ -x "$B/bin/classify" ]; then
	install -D -m 755 "$B/bin/classify" "$R/libexec/vaccel/classify"
fi
models=$B/models/fashion-mnist
if [ -f "$models/sample-9-png.png" ]; then
	install -D -m 644 "$models/sample-9-png.png" "$R/share/vaccel/models/fashion-mnist/sample-9-png.png"
fi
