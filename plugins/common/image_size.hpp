// SPDX-License-Identifier: Apache-2.0
// An image's width and height read from its header, before anything is
// decoded: a few bytes of PNG can declare 32000 x 32000 pixels, and
// decoding them took a GiB and seconds of CPU per call. OpenCV has such a
// cap (OPENCV_IO_MAX_IMAGE_PIXELS), but it is read once when the library
// loads, before a plugin could set it, so the plugins check first.
// Header-only: plugins share no library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace vaccel_plugin {

struct ImageSize {
	uint64_t width = 0, height = 0;
	const char *format = nullptr; // nullptr: not a format sized here
};

namespace detail {
inline uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
inline uint32_t be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }
inline uint32_t le16(const uint8_t *p) { return (uint32_t)p[1] << 8 | p[0]; }
inline uint32_t le24(const uint8_t *p) { return le16(p) | (uint32_t)p[2] << 16; }
inline uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }

// JPEG: the first start-of-frame segment's dimensions.
inline bool jpeg(const uint8_t *p, size_t n, ImageSize &s)
{
	size_t i = 2;
	while (i + 4 <= n) {
		if (p[i] != 0xff)
			return false;
		uint8_t m = p[i + 1];
		if (m == 0xff) { // fill byte
			++i;
			continue;
		}
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) { // no length
			i += 2;
			continue;
		}
		size_t len = be16(p + i + 2);
		if (len < 2)
			return false;
		bool sof = m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
		if (sof) {
			if (len < 7 || i + 9 > n)
				return false;
			s.height = be16(p + i + 5);
			s.width = be16(p + i + 7);
			return s.height != 0; // 0: given later (DNL), unsized
		}
		if (m == 0xd9 || m == 0xda) // end, or scan data before a frame
			return false;
		i += 2 + len;
	}
	return false;
}

// Netpbm P1-P6: width and height in ASCII after the magic and comments.
inline bool pnm(const uint8_t *p, size_t n, ImageSize &s)
{
	size_t i = 2;
	uint64_t v[2];
	for (auto &x : v) {
		for (;;) { // whitespace and comments
			if (i >= n)
				return false;
			if (p[i] == '#')
				while (i < n && p[i] != '\n')
					++i;
			else if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')
				++i;
			else
				break;
		}
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = 0;
		for (; i < n && p[i] >= '0' && p[i] <= '9'; ++i)
			if ((x = x * 10 + (p[i] - '0')) > (1ull << 32))
				return false;
		if (i >= n) // cut inside the number: more digits may follow
			return false;
	}
	s.width = v[0];
	s.height = v[1];
	return true;
}
} // namespace detail

// The size @p p declares, for PNG, JPEG, BMP, Netpbm and WebP; format
// nullptr if the bytes are none of these or their header is cut short.
inline ImageSize image_size(const void *img, size_t n)
{
	using namespace detail;
	const auto *p = static_cast<const uint8_t *>(img);
	ImageSize s;
	if (n >= 24 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8) && !memcmp(p + 12, "IHDR", 4)) {
		s.width = be32(p + 16);
		s.height = be32(p + 20);
		s.format = "PNG";
	} else if (n >= 4 && p[0] == 0xff && p[1] == 0xd8) {
		if (jpeg(p, n, s))
			s.format = "JPEG";
	} else if (n >= 26 && p[0] == 'B' && p[1] == 'M') {
		if (le32(p + 14) == 12) { // OS/2 core header: 16-bit sizes
			s.width = le16(p + 18);
			s.height = le16(p + 20);
		} else {
			s.width = (uint64_t)std::llabs((int32_t)le32(p + 18));
			s.height = (uint64_t)std::llabs((int32_t)le32(p + 22));
		}
		s.format = "BMP";
	} else if (n >= 3 && p[0] == 'P' && p[1] >= '1' && p[1] <= '6') {
		if (pnm(p, n, s))
			s.format = "PNM";
	} else if (n >= 30 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4)) {
		if (!memcmp(p + 12, "VP8 ", 4)) {
			s.width = le16(p + 26) & 0x3fff;
			s.height = le16(p + 28) & 0x3fff;
			s.format = "WebP";
		} else if (!memcmp(p + 12, "VP8L", 4) && p[20] == 0x2f) {
			uint32_t b = le32(p + 21);
			s.width = (b & 0x3fff) + 1;
			s.height = ((b >> 14) & 0x3fff) + 1;
			s.format = "WebP";
		} else if (!memcmp(p + 12, "VP8X", 4)) {
			s.width = (uint64_t)le24(p + 24) + 1;
			s.height = (uint64_t)le24(p + 27) + 1;
			s.format = "WebP";
		}
	}
	return s;
}

// The most pixels an image may declare: VACCEL_IMAGE_MAX_PIXELS, else
// 16 Mi (4096 x 4096), read once.
inline uint64_t image_max_pixels()
{
	static const uint64_t max = [] {
		const char *e = getenv("VACCEL_IMAGE_MAX_PIXELS");
		char *end = nullptr;
		unsigned long long v = e ? strtoull(e, &end, 10) : 0;
		return e && *e && !*end && v ? (uint64_t)v : (uint64_t)1 << 24;
	}();
	return max;
}

} // namespace vaccel_plugin
