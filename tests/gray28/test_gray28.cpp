// SPDX-License-Identifier: Apache-2.0
// The two image decoders of the classifying plugins give the same pixels:
// libpng and libjpeg (plugins/common/gray28_png_jpeg.hpp, what the torch
// plugin uses where there is no OpenCV, as on a GPU machine) against OpenCV
// (gray28_opencv.hpp, what the opencv plugin uses), on the model's samples,
// its 10,000 test images, and images made here in the shapes the samples do
// not have: colour, alpha, 16-bit, progressive, larger and smaller than the
// model's 28 x 28. And what either refuses.
#include "../../plugins/common/gray28_opencv.hpp"
#include "../../plugins/common/gray28_png_jpeg.hpp"
#include "model_data.hpp" // tests/unit

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

using vaccel_plugin::gray28_opencv;
using vaccel_plugin::gray28_png_jpeg;
using vaccel_plugin::kSide;
using Pixels = std::vector<uint8_t>;

Pixels decode(bool (*f)(const char *, const void *, size_t, uint8_t *),
	      const std::string &img, bool *ok)
{
	Pixels p(kSide * kSide, 0xEE);
	*ok = f("test", img.data(), img.size(), p.data());
	return p;
}

// The largest difference of two decodings of @p img, or -1 if either failed.
int max_diff(const std::string &img)
{
	bool ok1 = false, ok2 = false;
	Pixels a = decode(gray28_png_jpeg, img, &ok1), b = decode(gray28_opencv, img, &ok2);
	if (!ok1 || !ok2)
		return -1;
	int d = 0;
	for (size_t i = 0; i < a.size(); ++i)
		d = std::max(d, std::abs((int)a[i] - (int)b[i]));
	return d;
}

std::string encode(const cv::Mat &m, const char *ext, const std::vector<int> &params = {})
{
	std::vector<uchar> buf;
	EXPECT_TRUE(cv::imencode(ext, m, buf, params));
	return std::string(buf.begin(), buf.end());
}

// An image with structure at every scale: gradients, edges and noise.
cv::Mat picture(int w, int h, int type, unsigned seed)
{
	std::mt19937 rng(seed);
	cv::Mat m(h, w, type);
	const int ch = m.channels();
	const bool wide = m.depth() == CV_16U;
	for (int y = 0; y < h; ++y)
		for (int x = 0; x < w; ++x)
			for (int c = 0; c < ch; ++c) {
				int v = (x * 255 / std::max(1, w - 1) + (c + 1) * y * 97 / std::max(1, h)) % 256;
				if ((x / 7 + y / 5) % 3 == 0)
					v = 255 - v;
				v = std::clamp(v + (int)(rng() % 31) - 15, 0, 255);
				if (wide)
					m.ptr<uint16_t>(y)[x * ch + c] = (uint16_t)(v * 257 + rng() % 200);
				else
					m.ptr<uint8_t>(y)[x * ch + c] = (uint8_t)v;
			}
	return m;
}

TEST(Gray28, SamplesAndTestSetDecodeAlike)
{
	for (const auto &s : vtest::read_samples()) {
		SCOPED_TRACE(s.file);
		EXPECT_EQ(max_diff(vtest::slurp(vtest::kModelDir + "/" + s.file)), 0);
	}
	auto images = vtest::read_test_set();
	ASSERT_EQ(images.size(), 10000u);
	int differ = 0;
	for (const auto &im : images)
		differ += max_diff(im.png) != 0;
	EXPECT_EQ(differ, 0);
}

TEST(Gray28, MadeImagesDecodeAlike)
{
	struct Case {
		const char *what;
		int w, h, type;
		const char *ext;
		std::vector<int> params;
		int tolerance; // grey levels: 1 where colour is weighed or the size changes
	} cases[] = {
		{"gray PNG, 28 x 28", 28, 28, CV_8UC1, ".png", {}, 0},
		{"colour PNG", 28, 28, CV_8UC3, ".png", {}, 1},
		{"colour PNG with alpha", 28, 28, CV_8UC4, ".png", {}, 1},
		{"16-bit gray PNG", 28, 28, CV_16UC1, ".png", {}, 0},
		{"gray PNG shrunk 10x", 280, 280, CV_8UC1, ".png", {}, 1},
		{"gray PNG shrunk 3.6 x 3.2", 100, 90, CV_8UC1, ".png", {}, 1},
		{"colour PNG shrunk 2.5x", 70, 70, CV_8UC3, ".png", {}, 1},
		{"tall gray PNG", 29, 400, CV_8UC1, ".png", {}, 1},
		{"gray JPEG", 28, 28, CV_8UC1, ".jpg", {}, 0},
		{"colour JPEG", 28, 28, CV_8UC3, ".jpg", {}, 0},
		{"colour JPEG shrunk 2x", 56, 56, CV_8UC3, ".jpg", {}, 1},
		{"colour JPEG shrunk 4.6x", 128, 129, CV_8UC3, ".jpg", {}, 1},
		{"progressive JPEG", 64, 48, CV_8UC3, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}, 1},
		{"JPEG of quality 100", 40, 40, CV_8UC3, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 100}, 1},
	};
	unsigned seed = 1;
	for (const Case &c : cases) {
		SCOPED_TRACE(c.what);
		std::string img = encode(picture(c.w, c.h, c.type, seed++), c.ext, c.params);
		int d = max_diff(img);
		EXPECT_GE(d, 0);
		EXPECT_LE(d, c.tolerance);
	}
}

// Smaller than the model's input: each output pixel is the input pixel it
// falls in, or a mix of the two it straddles.
TEST(Gray28, SmallImagesAreEnlarged)
{
	cv::Mat m(2, 2, CV_8UC1);
	m.at<uint8_t>(0, 0) = 0;
	m.at<uint8_t>(0, 1) = 100;
	m.at<uint8_t>(1, 0) = 200;
	m.at<uint8_t>(1, 1) = 250;
	bool ok = false;
	Pixels p = decode(gray28_png_jpeg, encode(m, ".png"), &ok);
	ASSERT_TRUE(ok);
	EXPECT_EQ(p[0], 0);
	EXPECT_EQ(p[kSide - 1], 100);
	EXPECT_EQ(p[(kSide - 1) * kSide], 200);
	EXPECT_EQ(p[kSide * kSide - 1], 250);
	EXPECT_EQ(p[13 * kSide + 13], 0);
	EXPECT_EQ(p[14 * kSide + 14], 250);
	// A uniform image stays uniform at any size.
	for (int side : {1, 5, 27, 29, 57}) {
		Pixels q = decode(gray28_png_jpeg, encode(cv::Mat(side, side, CV_8UC1, cv::Scalar(77)), ".png"), &ok);
		ASSERT_TRUE(ok) << side;
		EXPECT_EQ(q, Pixels(kSide * kSide, 77)) << side;
	}
}

TEST(Gray28, Refusals)
{
	bool ok = true;
	uint8_t out[kSide * kSide];
	EXPECT_FALSE(gray28_png_jpeg("test", nullptr, 10, out));
	EXPECT_FALSE(gray28_png_jpeg("test", "x", 0, out));
	EXPECT_FALSE(gray28_png_jpeg("test", "not an image at all", 19, out));
	// Formats OpenCV decodes and this build does not.
	std::string bmp = encode(picture(28, 28, CV_8UC1, 9), ".bmp");
	decode(gray28_opencv, bmp, &ok);
	EXPECT_TRUE(ok);
	decode(gray28_png_jpeg, bmp, &ok);
	EXPECT_FALSE(ok);
	// Truncated and corrupted PNG: libpng's CRCs and zlib say so.
	std::string png = encode(picture(28, 28, CV_8UC1, 10), ".png");
	decode(gray28_png_jpeg, png.substr(0, png.size() / 2), &ok);
	EXPECT_FALSE(ok);
	std::string bad = png;
	bad[png.size() / 2] ^= 0x55;
	decode(gray28_png_jpeg, bad, &ok);
	EXPECT_FALSE(ok);
	// A JPEG cut short decodes in both (libjpeg warns and pads it); its
	// top rows, which are there, come out alike, the padding need not.
	std::string jpg = encode(picture(64, 64, CV_8UC1, 11), ".jpg");
	std::string cut = jpg.substr(0, jpg.size() * 2 / 3);
	bool ok2 = false;
	Pixels a = decode(gray28_png_jpeg, cut, &ok), b = decode(gray28_opencv, cut, &ok2);
	EXPECT_TRUE(ok);
	EXPECT_TRUE(ok2);
	int d = 0; // within a grey level, as resized whole ones (above)
	for (int i = 0; i < 8 * kSide; ++i)
		d = std::max(d, std::abs((int)a[i] - (int)b[i]));
	EXPECT_LE(d, 1);
	// A JPEG without its image data fails.
	decode(gray28_png_jpeg, jpg.substr(0, 200), &ok);
	EXPECT_FALSE(ok);
}

TEST(Gray28, ImagesOverTheLimitAreNotDecoded)
{
	setenv("VACCEL_IMAGE_MAX_PIXELS", "1000", 1); // read once, here first or not
	const bool applies = vaccel_plugin::image_max_pixels() == 1000;
	unsetenv("VACCEL_IMAGE_MAX_PIXELS");
	if (!applies)
		GTEST_SKIP() << "the limit was read before this test";
	bool ok = true;
	decode(gray28_png_jpeg, encode(picture(40, 30, CV_8UC1, 12), ".png"), &ok);
	EXPECT_FALSE(ok);
	decode(gray28_png_jpeg, encode(picture(40, 30, CV_8UC1, 12), ".jpg"), &ok);
	EXPECT_FALSE(ok);
	decode(gray28_png_jpeg, encode(picture(30, 30, CV_8UC1, 12), ".png"), &ok);
	EXPECT_TRUE(ok);
}

// A progressive JPEG of more scans than any encoder writes (every AC
// coefficient alone, bit by bit: 704 scans) is refused before it is read
// through; its first few hundred scans already show the pattern.
TEST(Gray28, JpegWithTooManyScansIsRefused)
{
	const int w = 16, h = 16;
	std::vector<jpeg_scan_info> scans;
	auto add = [&](int ss, int se, int ah, int al) {
		jpeg_scan_info s{};
		s.comps_in_scan = 1;
		s.component_index[0] = 0;
		s.Ss = ss;
		s.Se = se;
		s.Ah = ah;
		s.Al = al;
		scans.push_back(s);
	};
	for (int al = 10; al >= 0; --al)
		add(0, 0, al == 10 ? 0 : al + 1, al);
	for (int k = 1; k < 64; ++k)
		for (int al = 10; al >= 0; --al)
			add(k, k, al == 10 ? 0 : al + 1, al);
	ASSERT_GT(scans.size(), 600u);

	jpeg_compress_struct c;
	jpeg_error_mgr err;
	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	unsigned char *buf = nullptr;
	unsigned long len = 0;
	jpeg_mem_dest(&c, &buf, &len);
	c.image_width = w;
	c.image_height = h;
	c.input_components = 1;
	c.in_color_space = JCS_GRAYSCALE;
	jpeg_set_defaults(&c);
	c.scan_info = scans.data();
	c.num_scans = (int)scans.size();
	jpeg_start_compress(&c, TRUE);
	cv::Mat m = picture(w, h, CV_8UC1, 13);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = m.ptr<uint8_t>((int)c.next_scanline);
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	std::string many(reinterpret_cast<char *>(buf), len);
	free(buf);

	bool ok = true;
	decode(gray28_png_jpeg, many, &ok);
	EXPECT_FALSE(ok);
	// The same picture in an ordinary progressive JPEG is decoded.
	decode(gray28_png_jpeg, encode(m, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}), &ok);
	EXPECT_TRUE(ok);
}

} // namespace
