// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the image decoder of the torch plugin built without
// OpenCV (plugins/common/gray28_png_jpeg.hpp) on guest bytes: the size
// check before decoding, libpng's and libjpeg's error paths (the longjmp
// out of libjpeg), the scan limit and the resize. Whatever it accepts
// fills exactly the 28 x 28 output.
#include "common/gray28_png_jpeg.hpp"

#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	// Large declared sizes are refused the same way at any limit; a lower
	// one keeps each run quick. Errors are the expected outcome: quiet.
	setenv("VACCEL_IMAGE_MAX_PIXELS", "1000000", 1);
	setenv("VACCEL_LOG_LEVEL", "0", 1);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	// An exact-size copy, so that ASan sees a read past the end.
	auto *img = static_cast<uint8_t *>(malloc(size ? size : 1));
	if (size)
		memcpy(img, data, size);
	uint8_t out[vaccel_plugin::kSide * vaccel_plugin::kSide + 1];
	out[sizeof out - 1] = 0xA5;
	vaccel_plugin::gray28_png_jpeg("fuzz", img, size, out);
	if (out[sizeof out - 1] != 0xA5)
		abort();
	free(img);
	return 0;
}
