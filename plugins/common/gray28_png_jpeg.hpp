// SPDX-License-Identifier: Apache-2.0
// An image (PNG or JPEG) as kSide x kSide 8-bit grayscale (classify.hpp),
// decoded by libpng and libjpeg and resized here: for a plugin built where
// there is no OpenCV, such as a GPU machine with pip's libtorch, whose one
// other need is these two small libraries. It gives what gray28_opencv.hpp
// gives for the same PNG or JPEG (tests/gray28/test_gray28.cpp), so that a
// model labels an image alike in either build:
//  - PNG: libpng's simplified reader to RGBA, alpha dropped, the weights
//    OpenCV has libpng use (0.299, 0.587, 0.114 in 1/32768ths; gray images
//    come out unchanged), and 16-bit values cut to their high byte;
//  - JPEG: libjpeg's grayscale output (its luma), which OpenCV asks for too,
//    with at most kMaxScans scans (a progressive JPEG of thousands of tiny
//    scans costs seconds of CPU for a few KiB);
//  - resize: each output pixel is the mean of the input area it covers,
//    edges weighted by the fraction covered (OpenCV's INTER_AREA when
//    shrinking).
// The bytes come from guests: libpng and libjpeg-turbo are what Debian and
// the browsers decode untrusted images with, and the size is checked from
// the header before either allocates (image_admitted). stb_image would be
// shorter but is not meant for untrusted input.
// Header-only: plugins share no library.
#pragma once

#include "classify.hpp"

#include <cmath>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <jpeglib.h>
#include <png.h>

namespace vaccel_plugin {

namespace gray28_detail {

constexpr int kMaxScans = 500;

inline bool too_large(const char *tag, uint64_t w, uint64_t h)
{
	uint64_t pixels = 0;
	if (w && h && !__builtin_mul_overflow(w, h, &pixels) && pixels <= image_max_pixels())
		return false;
	vaccel_error("[%s] image_classification: a %" PRIu64 " x %" PRIu64
		     " image is refused (VACCEL_IMAGE_MAX_PIXELS: %" PRIu64 ")",
		     tag, w, h, image_max_pixels());
	return true;
}

inline bool png_gray(const char *tag, const void *img, size_t len,
		     std::vector<uint8_t> &gray, uint32_t &w, uint32_t &h)
{
	png_image im;
	memset(&im, 0, sizeof im);
	im.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&im, img, len)) {
		vaccel_error("[%s] image_classification: cannot decode the PNG: %s", tag,
			     im.message);
		return false;
	}
	if (too_large(tag, im.width, im.height)) {
		png_image_free(&im);
		return false;
	}
	w = im.width;
	h = im.height;
	// 16-bit files are read as they are (libpng takes them as linear)
	// and cut to their high byte, as OpenCV has libpng do; 8-bit ones in
	// sRGB.
	const bool wide = im.format & PNG_FORMAT_FLAG_LINEAR;
	im.format = wide ? PNG_FORMAT_LINEAR_RGB_ALPHA : PNG_FORMAT_RGBA;
	std::vector<uint16_t> rgba;
	try {
		rgba.resize(PNG_IMAGE_SIZE(im) / sizeof(uint16_t) + 1);
		gray.resize((size_t)w * h);
	} catch (...) {
		png_image_free(&im);
		throw;
	}
	// Frees what begin_read allocated, whatever the outcome.
	if (!png_image_finish_read(&im, nullptr, rgba.data(), 0, nullptr)) {
		vaccel_error("[%s] image_classification: cannot decode the PNG: %s", tag,
			     im.message);
		return false;
	}
	auto luma = [](uint32_t r, uint32_t g, uint32_t b) {
		return (9798u * r + 19235u * g + 3735u * b + 16384u) >> 15;
	};
	const auto *p8 = reinterpret_cast<const uint8_t *>(rgba.data());
	for (size_t i = 0; i < gray.size(); ++i) {
		if (wide) {
			const uint16_t *p = &rgba[4 * i];
			gray[i] = (uint8_t)(luma(p[0], p[1], p[2]) >> 8);
		} else {
			const uint8_t *p = &p8[4 * i];
			gray[i] = (uint8_t)luma(p[0], p[1], p[2]);
		}
	}
	return true;
}

struct JpegError {
	jpeg_error_mgr mgr;
	jmp_buf jump;
	char message[JMSG_LENGTH_MAX];
};

// libjpeg's fatal errors, and too many scans: back to jpeg_gray's setjmp.
inline void jpeg_fail(j_common_ptr c)
{
	auto *e = reinterpret_cast<JpegError *>(c->err);
	(*c->err->format_message)(c, e->message);
	longjmp(e->jump, 1);
}

inline void jpeg_warning(j_common_ptr, int) {} // corrupt data is decoded as OpenCV would

inline void jpeg_progress(j_common_ptr c)
{
	auto *d = reinterpret_cast<j_decompress_ptr>(c);
	if (d->input_scan_number > kMaxScans) {
		auto *e = reinterpret_cast<JpegError *>(c->err);
		snprintf(e->message, sizeof e->message, "more than %d scans", kMaxScans);
		longjmp(e->jump, 1);
	}
}

// Only objects whose memory libjpeg holds live across the setjmp: no
// destructor is skipped by the longjmp.
inline bool jpeg_gray(const char *tag, const void *img, size_t len,
		      std::vector<uint8_t> &gray, uint32_t &w, uint32_t &h)
{
	jpeg_decompress_struct d;
	JpegError err;
	jpeg_progress_mgr progress;
	memset(&progress, 0, sizeof progress);
	progress.progress_monitor = jpeg_progress;
	d.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = jpeg_fail;
	err.mgr.emit_message = jpeg_warning;
	err.message[0] = '\0';
	if (setjmp(err.jump)) {
		vaccel_error("[%s] image_classification: cannot decode the JPEG: %s", tag,
			     err.message);
		jpeg_destroy_decompress(&d);
		return false;
	}
	jpeg_create_decompress(&d);
	d.progress = &progress;
	jpeg_mem_src(&d, static_cast<const unsigned char *>(img), (unsigned long)len);
	jpeg_read_header(&d, TRUE);
	if (too_large(tag, d.image_width, d.image_height)) {
		jpeg_destroy_decompress(&d);
		return false;
	}
	d.out_color_space = JCS_GRAYSCALE;
	jpeg_start_decompress(&d);
	w = d.output_width;
	h = d.output_height;
	// A bad_alloc here would skip jpeg_destroy_decompress: ask first.
	try {
		gray.resize((size_t)w * h);
	} catch (...) {
		jpeg_destroy_decompress(&d);
		throw;
	}
	while (d.output_scanline < d.output_height) {
		JSAMPROW row = &gray[(size_t)d.output_scanline * w];
		jpeg_read_scanlines(&d, &row, 1);
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	return true;
}

} // namespace gray28_detail

// Each output pixel the mean of the @p w x @p h input's area it covers.
inline void area_resize(const uint8_t *src, uint32_t w, uint32_t h,
			uint8_t out[kSide * kSide])
{
	if (w == (uint32_t)kSide && h == (uint32_t)kSide) {
		memcpy(out, src, (size_t)kSide * kSide);
		return;
	}
	// The input pixels [first, last] that output pixel i covers along an
	// axis of n pixels, and how much of the first and the last.
	struct Span {
		uint32_t first, last;
		double wfirst, wlast;
	};
	auto spans = [](uint32_t n) {
		std::vector<Span> s(kSide);
		const double scale = (double)n / kSide;
		for (int i = 0; i < kSide; ++i) {
			double a = i * scale, b = (i + 1) * scale;
			uint32_t f = (uint32_t)a, l = (uint32_t)b;
			if ((double)l == b) // ends on a pixel's edge
				--l;
			if (l >= n)
				l = n - 1;
			s[i].first = f;
			s[i].last = l;
			s[i].wfirst = (f == l ? b : f + 1.0) - a;
			s[i].wlast = f == l ? s[i].wfirst : b - l;
		}
		return s;
	};
	const std::vector<Span> xs = spans(w), ys = spans(h);
	const double area = ((double)w / kSide) * ((double)h / kSide);
	std::vector<double> row(w);
	for (int oy = 0; oy < kSide; ++oy) {
		const Span &y = ys[oy];
		std::fill(row.begin(), row.end(), 0.0);
		for (uint32_t iy = y.first; iy <= y.last; ++iy) {
			double wy = iy == y.first ? y.wfirst : iy == y.last ? y.wlast : 1.0;
			const uint8_t *in = src + (size_t)iy * w;
			for (uint32_t ix = 0; ix < w; ++ix)
				row[ix] += wy * in[ix];
		}
		for (int ox = 0; ox < kSide; ++ox) {
			const Span &x = xs[ox];
			double sum = 0;
			for (uint32_t ix = x.first; ix <= x.last; ++ix)
				sum += (ix == x.first ? x.wfirst : ix == x.last ? x.wlast : 1.0) *
				       row[ix];
			double v = std::nearbyint(sum / area);
			out[oy * kSide + ox] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
	}
}

// false, and logged, if the image is refused or cannot be decoded (formats
// other than PNG and JPEG are not decoded).
inline bool gray28_png_jpeg(const char *tag, const void *img, size_t len,
			    uint8_t out[kSide * kSide])
{
	const char *format = image_admitted(tag, img, len);
	if (!format)
		return false;
	std::vector<uint8_t> gray;
	uint32_t w = 0, h = 0;
	bool ok = false;
	if (!strcmp(format, "PNG"))
		ok = gray28_detail::png_gray(tag, img, len, gray, w, h);
	else if (!strcmp(format, "JPEG"))
		ok = gray28_detail::jpeg_gray(tag, img, len, gray, w, h);
	else
		vaccel_error("[%s] image_classification: a %s image: this build "
			     "decodes PNG and JPEG only (no OpenCV)", tag, format);
	if (ok)
		area_resize(gray.data(), w, h, out);
	return ok;
}

} // namespace vaccel_plugin
