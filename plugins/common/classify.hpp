// SPDX-License-Identifier: Apache-2.0
// What the classifying plugins (torch, opencv) do alike around inference:
// find the session's classifier, decode the image the same way (so that
// the same model in two formats gives the same label), and hand back the
// label. Header-only: plugins share no library. The decoders are beside it:
// gray28_opencv.hpp (OpenCV) and gray28_png_jpeg.hpp (libpng and libjpeg,
// for a plugin built where there is no OpenCV, as on a GPU machine with
// pip's libtorch).
#pragma once

#include "image_size.hpp"
#include "model_files.hpp"

#include <cinttypes>
#include <climits>
#include <string>
#include <vector>

namespace vaccel_plugin {

// The first MODEL resource of @p sess holding @p file (else a *@p suffix
// file); logged as a "@p kind" missing if there is none.
inline vaccel_resource *classifier(const char *tag, vaccel_session *sess,
				   const char *file, const char *suffix,
				   const char *kind)
{
	vaccel_resource *found = find_model(sess, file, suffix);
	if (!found)
		vaccel_error("[%s] image_classification: no MODEL resource with "
			     "a %s file (*%s) is registered with session %" PRId64,
			     tag, kind, suffix, sess->id);
	return found;
}

// Whether an image may be decoded: it is there, its header says how large
// it is (PNG, JPEG, BMP, PNM, WebP), and that is within
// VACCEL_IMAGE_MAX_PIXELS: its format ("PNG", ...), else nullptr, logged.
// Each decoder (gray28_opencv.hpp, gray28_png_jpeg.hpp) asks this first.
inline const char *image_admitted(const char *tag, const void *img, size_t len)
{
	if (!img || !len || len > INT32_MAX) {
		vaccel_error("[%s] image_classification: no image", tag);
		return nullptr;
	}
	// Sized before it is decoded: what it declares is what decoding
	// would take.
	ImageSize size = image_size(img, len);
	uint64_t pixels = 0;
	if (!size.format) {
		vaccel_error("[%s] image_classification: not an image whose size "
			     "can be checked before decoding (PNG, JPEG, BMP, PNM, "
			     "WebP)", tag);
		return nullptr;
	}
	if (!size.width || !size.height ||
	    __builtin_mul_overflow(size.width, size.height, &pixels) ||
	    pixels > image_max_pixels()) {
		vaccel_error("[%s] image_classification: a %s of %" PRIu64 " x %" PRIu64
			     " pixels is refused (VACCEL_IMAGE_MAX_PIXELS: %" PRIu64 ")",
			     tag, size.format, size.width, size.height,
			     image_max_pixels());
		return nullptr;
	}
	return size.format;
}

// The side of the square grayscale input of the Fashion-MNIST model the
// build trains: what every decoder gives.
constexpr int kSide = 28;

// Class @p cls as the tag (its label, else its number) and "classify" as
// the image name.
inline void put_class(const char *tag, const std::vector<std::string> &labels,
		      size_t cls, unsigned char *out_text, size_t len_out_text,
		      unsigned char *out_imgname, size_t len_out_imgname)
{
	put_str(out_text, len_out_text,
		cls < labels.size() ? labels[cls] : std::to_string(cls));
	put_str(out_imgname, len_out_imgname, "classify");
	vaccel_debug("[%s] image_classification: class %zu", tag, cls);
}

} // namespace vaccel_plugin
