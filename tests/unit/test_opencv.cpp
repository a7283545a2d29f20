// SPDX-License-Identifier: Apache-2.0
// The opencv plugin (OpenCV DNN) on the ONNX export of the Fashion-MNIST
// model the build trains (models/): classification of PNG and JPEG samples
// and of the 10,000 test images, errors as codes, and, where the torch
// plugin is built too, both plugins on the same images in one process:
// same model, same image, same label.
#include "../../plugins/common/image_size.hpp"
#include "model_data.hpp"
#include "support.hpp"

#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using vtest::boot;

namespace {

const std::string &kDir = vtest::kModelDir;
using vtest::read_labels;
using vtest::read_samples;
using vtest::read_test_set;
using vtest::slurp;

int classify(vaccel_session *sess, const std::string &img, std::string *tag,
	     std::string *name = nullptr, size_t len_tag = 64)
{
	std::vector<unsigned char> t(len_tag + 1, 0xEE), n(64, 0xEE);
	int ret = vaccel_image_classification(sess, img.data(), t.data(),
					      n.data(), img.size(), len_tag,
					      n.size());
	if (ret == VACCEL_OK) {
		*tag = (const char *)t.data();
		if (name)
			*name = (const char *)n.data();
	}
	return ret;
}

class OpenCV : public vtest::Runtime {
protected:
	vaccel_session sess{};
	vaccel_resource model{};

	void SetUp() override
	{
		ASSERT_EQ(boot({"opencv"}), VACCEL_OK);
		ASSERT_EQ(vaccel_session_init(&sess, 0), VACCEL_OK);
	}
	void TearDown() override
	{
		if (model.id > 0) {
			EXPECT_EQ(vaccel_resource_release(&model), VACCEL_OK);
		}
		EXPECT_EQ(vaccel_session_release(&sess), VACCEL_OK);
		Runtime::TearDown();
	}
	void use_classifier()
	{
		std::string onnx = kDir + "/model.onnx";
		std::string txt = kDir + "/labels.txt";
		const char *paths[] = {onnx.c_str(), txt.c_str()};
		ASSERT_EQ(vaccel_resource_init_multi(&model, paths, 2,
						     VACCEL_RESOURCE_MODEL),
			  VACCEL_OK);
		ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);
	}
};

TEST_F(OpenCV, ClassifySamples)
{
	use_classifier();
	std::vector<std::string> labels = read_labels();
	ASSERT_EQ(labels.size(), 10U);
	int n = 0;
	for (auto &[file, label, logits] : read_samples()) {
		std::string tag, name;
		ASSERT_EQ(classify(&sess, slurp(kDir + "/" + file), &tag, &name),
			  VACCEL_OK);
		EXPECT_EQ(tag, labels[label]) << file;
		EXPECT_EQ(name, "classify");
		++n;
	}
	EXPECT_EQ(n, 13);
	std::string tag;
	ASSERT_EQ(classify(&sess, slurp(kDir + "/sample-9-png.png"), &tag,
			   nullptr, 6),
		  VACCEL_OK);
	EXPECT_EQ(tag, "Ankle");
}

TEST_F(OpenCV, ModelFromMemory)
{
	// Model and labels as blobs in memory: nothing on disk.
	std::string onnx = slurp(kDir + "/model.onnx");
	std::string txt = slurp(kDir + "/labels.txt");
	vaccel_blob b[2]{};
	ASSERT_EQ(vaccel_blob_init_from_buf(&b[0], (const uint8_t *)onnx.data(),
					    onnx.size(), true, "model.onnx",
					    nullptr, false),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_blob_init_from_buf(&b[1], (const uint8_t *)txt.data(),
					    txt.size(), true, "labels.txt",
					    nullptr, false),
		  VACCEL_OK);
	const vaccel_blob *blobs[] = {&b[0], &b[1]};
	ASSERT_EQ(vaccel_resource_init_from_blobs(&model, blobs, 2,
						  VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	vaccel_blob_release(&b[0]);
	vaccel_blob_release(&b[1]);
	ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);
	std::string tag;
	ASSERT_EQ(classify(&sess, slurp(kDir + "/sample-7-png.png"), &tag),
		  VACCEL_OK);
	EXPECT_EQ(tag, "Sneaker");
}

// The build tree's directory: model.onnx and labels.txt among other files
// of the same kinds (expected.txt).
TEST_F(OpenCV, ClassifyWithDirectoryResource)
{
	ASSERT_EQ(vaccel_resource_init(&model, kDir.c_str(),
				       VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);
	std::string tag;
	ASSERT_EQ(classify(&sess, slurp(kDir + "/sample-9-png.png"), &tag),
		  VACCEL_OK);
	EXPECT_EQ(tag, "Ankle boot");
}

TEST_F(OpenCV, Errors)
{
	std::string png = slurp(kDir + "/sample-3-png.png"), tag;
	EXPECT_EQ(classify(&sess, png, &tag), VACCEL_ENOENT);
	use_classifier();
	EXPECT_EQ(classify(&sess, "not an image at all", &tag), VACCEL_EINVAL);
	EXPECT_EQ(classify(&sess, png.substr(0, png.size() / 2), &tag),
		  VACCEL_EINVAL);
	EXPECT_EQ(classify(&sess, png, &tag), VACCEL_OK);
	EXPECT_EQ(tag, "Dress");
}

// Images are sized from their headers before decoding: the same size as
// OpenCV's encoders wrote, for every format sized, and never a read past a
// header cut short (the sanitizer builds run this too).
TEST(ImageSize, HeadersGiveTheEncodedSize)
{
	struct Fmt {
		const char *ext, *name;
		int channels;
		std::vector<int> params;
	};
	const Fmt fmts[] = {{".png", "PNG", 1, {}},
			    {".png", "PNG", 3, {}},
			    {".jpg", "JPEG", 1, {}},
			    {".jpg", "JPEG", 3, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
			    {".bmp", "BMP", 3, {}},
			    {".pgm", "PNM", 1, {}},
			    {".ppm", "PNM", 3, {}},
			    {".pgm", "PNM", 1, {cv::IMWRITE_PXM_BINARY, 0}},
			    {".webp", "WebP", 3, {cv::IMWRITE_WEBP_QUALITY, 80}},
			    {".webp", "WebP", 3, {cv::IMWRITE_WEBP_QUALITY, 101}}};
	const std::pair<int, int> sizes[] = {{1, 1}, {28, 28}, {37, 1013}, {3001, 2}};
	for (auto &f : fmts)
		for (auto [w, h] : sizes) {
			cv::Mat img(h, w, f.channels == 1 ? CV_8UC1 : CV_8UC3,
				    cv::Scalar::all(90));
			std::vector<uchar> bytes;
			ASSERT_TRUE(cv::imencode(f.ext, img, bytes, f.params));
			auto s = vaccel_plugin::image_size(bytes.data(), bytes.size());
			ASSERT_NE(s.format, nullptr) << f.ext << " " << w << "x" << h;
			EXPECT_STREQ(s.format, f.name);
			EXPECT_EQ(s.width, (uint64_t)w) << f.ext;
			EXPECT_EQ(s.height, (uint64_t)h) << f.ext;
			// Every cut of the first bytes: sized or not, never more.
			for (size_t n = 0; n < std::min<size_t>(bytes.size(), 64); ++n) {
				std::vector<uchar> cut(bytes.begin(), bytes.begin() + n);
				auto c = vaccel_plugin::image_size(cut.data(), cut.size());
				if (c.format)
					EXPECT_TRUE(c.width == (uint64_t)w && c.height == (uint64_t)h)
						<< f.ext << " cut at " << n;
			}
		}
	EXPECT_EQ(vaccel_plugin::image_size("GIF89a....", 10).format, nullptr);
}

// A picture declaring more than VACCEL_IMAGE_MAX_PIXELS (16 Mi by default)
// is refused before a pixel is decoded; one at the limit is classified.
TEST_F(OpenCV, ImagesLargerThanTheCapAreNotDecoded)
{
	use_classifier();
	std::string tag;
	for (auto [w, h, ok] : {std::tuple{5000, 4000, false}, {4096, 4096, true},
				{8193, 2048, false}}) {
		std::vector<uchar> png;
		ASSERT_TRUE(cv::imencode(".png", cv::Mat((int)h, (int)w, CV_8UC1,
							 cv::Scalar(0)), png));
		EXPECT_EQ(classify(&sess, std::string(png.begin(), png.end()), &tag),
			  ok ? VACCEL_OK : VACCEL_EINVAL) << w << "x" << h;
	}
	// A header that claims 32000 x 32000, then nothing that decodes.
	std::string bomb = slurp(kDir + "/sample-3-png.png");
	const unsigned char dims[8] = {0, 0, 0x7d, 0, 0, 0, 0x7d, 0};
	bomb.replace(16, 8, (const char *)dims, 8);
	EXPECT_EQ(classify(&sess, bomb, &tag), VACCEL_EINVAL);
	EXPECT_EQ(classify(&sess, "GIF89a\x01\x00\x01\x00", &tag), VACCEL_EINVAL);
}

TEST_F(OpenCV, CorruptModel)
{
	std::string junk = "\x08\x07 this is not an ONNX protobuf";
	ASSERT_EQ(vaccel_resource_init_from_buf(&model, junk.data(),
						junk.size(),
						VACCEL_RESOURCE_MODEL,
						"bad.onnx", true),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);
	std::string tag;
	EXPECT_EQ(classify(&sess, slurp(kDir + "/sample-0-png.png"), &tag),
		  VACCEL_EINVAL);
}

TEST_F(OpenCV, TestSetAccuracy)
{
	use_classifier();
	std::vector<std::string> labels = read_labels();
	auto images = read_test_set();
	ASSERT_EQ(images.size(), 10000U);
	size_t right = 0;
	for (auto &[png, label] : images) {
		std::string tag;
		ASSERT_EQ(classify(&sess, png, &tag), VACCEL_OK);
		right += tag == labels[label];
	}
	double acc = 100.0 * right / images.size();
	std::printf("opencv: %.2f%% of 10000 test images right\n", acc);
	EXPECT_GE(acc, 88.0);
}

#ifdef VACCEL_TEST_HAVE_TORCH
// Both plugins in one runtime, one resource holding both exports; each
// session's hint picks the plugin: TORCH the torch plugin, SOFTWARE opencv.
class OpenCVAndTorch : public vtest::Runtime {};

TEST_F(OpenCVAndTorch, AgreeOnTestSet)
{
	ASSERT_EQ(boot({"torch", "opencv"}), VACCEL_OK);
	vaccel_session st{}, so{};
	ASSERT_EQ(vaccel_session_init(&st, VACCEL_PLUGIN_TORCH), VACCEL_OK);
	ASSERT_EQ(vaccel_session_init(&so, VACCEL_PLUGIN_SOFTWARE), VACCEL_OK);
	EXPECT_STREQ(vaccel_plugin_for_op(VACCEL_OP_IMAGE_CLASSIFY,
					  VACCEL_PLUGIN_TORCH),
		     "torch");
	EXPECT_STREQ(vaccel_plugin_for_op(VACCEL_OP_IMAGE_CLASSIFY,
					  VACCEL_PLUGIN_SOFTWARE),
		     "opencv");
	std::string pt = kDir + "/model.pt", onnx = kDir + "/model.onnx";
	std::string txt = kDir + "/labels.txt";
	const char *paths[] = {pt.c_str(), onnx.c_str(), txt.c_str()};
	vaccel_resource model{};
	ASSERT_EQ(vaccel_resource_init_multi(&model, paths, 3,
					     VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &st), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &so), VACCEL_OK);
	std::vector<std::string> labels = read_labels();
	auto images = read_test_set();
	ASSERT_EQ(images.size(), 10000U);
	size_t same = 0, right_t = 0, right_o = 0;
	for (auto &[png, label] : images) {
		std::string tt, to;
		ASSERT_EQ(classify(&st, png, &tt), VACCEL_OK);
		ASSERT_EQ(classify(&so, png, &to), VACCEL_OK);
		same += tt == to;
		right_t += tt == labels[label];
		right_o += to == labels[label];
	}
	std::printf("torch %.2f%%, opencv %.2f%%, same label on %.2f%%\n",
		    right_t / 100.0, right_o / 100.0, same / 100.0);
	EXPECT_GE(same, 9950U);
	EXPECT_GE(right_t, 8800U);
	EXPECT_GE(right_o, 8800U);
	EXPECT_EQ(vaccel_resource_release(&model), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&st), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&so), VACCEL_OK);
}
#endif

} // namespace
