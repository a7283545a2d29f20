#!/usr/bin/env bash
# gpu-carry.sh [DIR]: gathers in DIR (default build/gpu-carry) what
# scripts/gpu-check.sh needs on a GPU machine that has none of Debian's
# packages and no network, for its optional parts:
#   include/, lib/   the OpenCL headers and ICD loader (the opencl plugin on
#                    NVIDIA's OpenCL), libpng and libjpeg (the torch plugin's
#                    image decoding without OpenCV) and zlib's headers (for
#                    CMake's FindPNG), Debian 12's builds, which run on newer
#                    glibc;
#   models/          the Fashion-MNIST model the build trains, its labels and
#                    sample images with their expected labels.
# Run it here after a build (scripts/build.sh build), then hand DIR to the
# GPU machine with the working tree (the device tool: carry build/gpu-carry);
# gpu-check.sh finds it there. About 3 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build/gpu-carry}
models=${VACCEL_MODEL_DIR:-build/models/fashion-mnist}
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
rm -rf "$dir"
mkdir -p "$dir/include" "$dir/lib" "$dir/models/fashion-mnist"

need() { # a file this script copies
	[ -e "$1" ] || { echo "gpu-carry: $1 is missing (scripts/setup.sh installs it)" >&2; exit 1; }
}
for h in /usr/include/CL/cl.h /usr/include/png.h /usr/include/jpeglib.h \
	/usr/include/$multiarch/jconfig.h /usr/include/zlib.h; do
	need "$h"
done
cp -rL /usr/include/CL "$dir/include/"
cp -L /usr/include/png.h /usr/include/pngconf.h /usr/include/pnglibconf.h \
	/usr/include/jpeglib.h /usr/include/jmorecfg.h /usr/include/jerror.h \
	/usr/include/$multiarch/jconfig.h /usr/include/zlib.h /usr/include/zconf.h \
	"$dir/include/"
# Each library under its soname (what programs load) and its link name
# (what the linker and CMake look for); copies, since a link may not travel.
for so in libOpenCL.so.1 libpng16.so.16 libjpeg.so.62; do
	src=/usr/lib/$multiarch/$so
	need "$src"
	cp -L "$src" "$dir/lib/$so"
	cp -L "$src" "$dir/lib/${so%%.so*}.so"
done
# zlib under its link name only: libpng needs it, and the machine's own
# (newer) libz.so.1 serves at run time.
need /usr/lib/$multiarch/libz.so
cp -L /usr/lib/$multiarch/libz.so "$dir/lib/libz.so"

need "$models/model.pt"
cp "$models/model.pt" "$models/labels.txt" "$models/expected.txt" "$models"/sample-* \
	"$dir/models/fashion-mnist/"
du -sh "$dir" | sed 's/\t.*/ in '"${dir//\//\\/}"'/'
