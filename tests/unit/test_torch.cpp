// SPDX-License-Identifier: Apache-2.0
// The torch plugin (libtorch) on the Fashion-MNIST model the build trains
// (models/): model runs against the logits the training script computed in
// Python, every tensor dtype through a TorchScript x + x, classification of
// PNG and JPEG samples and of the 10,000 test images, and errors (no model,
// corrupt model, corrupt image, bad tensors) that must come back as codes.
#include "model_data.hpp"
#include "support.hpp"

#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

using vtest::boot;

namespace {

const std::string &kDir = vtest::kModelDir;
using vtest::Image;
using vtest::read_labels;
using vtest::read_samples;
using vtest::read_test_set;
using vtest::Sample;
using vtest::slurp;

// Pixels of a PNG as the model's input: float 28x28, / 255.
std::vector<float> pixels(const std::string &file)
{
	cv::Mat m = cv::imread(kDir + "/" + file, cv::IMREAD_GRAYSCALE);
	std::vector<float> out;
	for (int y = 0; y < m.rows; ++y)
		for (int x = 0; x < m.cols; ++x)
			out.push_back(m.at<uint8_t>(y, x) / 255.0F);
	return out;
}

class Torch : public vtest::Runtime {
protected:
	vaccel_session sess{};
	vaccel_resource model{};

	void SetUp() override
	{
		ASSERT_EQ(boot({"torch"}), VACCEL_OK);
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
	// The classifier: model.pt and labels.txt.
	void use_classifier()
	{
		std::string pt = kDir + "/model.pt", txt = kDir + "/labels.txt";
		const char *paths[] = {pt.c_str(), txt.c_str()};
		ASSERT_EQ(vaccel_resource_init_multi(&model, paths, 2,
						     VACCEL_RESOURCE_MODEL),
			  VACCEL_OK);
		ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);
	}
	void use_file(const std::string &name)
	{
		ASSERT_EQ(vaccel_resource_init(&model, (kDir + "/" + name).c_str(),
					       VACCEL_RESOURCE_MODEL),
			  VACCEL_OK);
		ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);
	}
	int classify(const std::string &img, std::string *tag,
		     std::string *name = nullptr, size_t len_tag = 64)
	{
		std::vector<unsigned char> t(len_tag + 1, 0xEE), n(64, 0xEE);
		int ret = vaccel_image_classification(&sess, img.data(), t.data(),
						      n.data(), img.size(),
						      len_tag, n.size());
		if (ret == VACCEL_OK) {
			*tag = (const char *)t.data();
			if (name)
				*name = (const char *)n.data();
		}
		return ret;
	}
};

struct TensorDeleter {
	void operator()(vaccel_torch_tensor *t) const
	{
		vaccel_torch_tensor_delete(t);
	}
};
using Tensor = std::unique_ptr<vaccel_torch_tensor, TensorDeleter>;

Tensor tensor(std::vector<int64_t> dims, vaccel_torch_data_type type,
	      const void *data, size_t size)
{
	vaccel_torch_tensor *t = nullptr;
	EXPECT_EQ(vaccel_torch_tensor_new(&t, dims.size(), dims.data(), type),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_torch_tensor_set_data(t, const_cast<void *>(data), size),
		  VACCEL_OK);
	return Tensor(t);
}

TEST_F(Torch, RunMatchesPythonLogits)
{
	use_file("model.pt");
	ASSERT_EQ(vaccel_torch_model_load(&sess, &model), VACCEL_OK);
	int checked = 0;
	for (const Sample &s : read_samples()) {
		if (s.file.find(".png") == std::string::npos)
			continue;
		std::vector<float> in = pixels(s.file);
		ASSERT_EQ(in.size(), 784U);
		Tensor t = tensor({1, 1, 28, 28}, VACCEL_TORCH_FLOAT, in.data(),
				  in.size() * sizeof(float));
		vaccel_torch_tensor *inputs[] = {t.get()}, *out = nullptr;
		ASSERT_EQ(vaccel_torch_model_run(&sess, &model, nullptr, inputs,
						 1, &out, 1),
			  VACCEL_OK);
		Tensor o(out);
		ASSERT_EQ(o->data_type, VACCEL_TORCH_FLOAT);
		ASSERT_EQ(o->nr_dims, 2);
		EXPECT_EQ(o->dims[0], 1);
		EXPECT_EQ(o->dims[1], 10);
		ASSERT_EQ(o->size, 10 * sizeof(float));
		ASSERT_TRUE(o->owned);
		const float *l = (const float *)o->data;
		int top = 0;
		for (int i = 0; i < 10; ++i) {
			EXPECT_NEAR(l[i], s.logits[i], 1e-3) << s.file << " " << i;
			if (l[i] > l[top])
				top = i;
		}
		EXPECT_EQ(top, s.label) << s.file;
		++checked;
	}
	EXPECT_EQ(checked, 10);
}

TEST_F(Torch, RunBatchFromMemory)
{
	// The model held in memory only: no file for it anywhere.
	std::string bytes = slurp(kDir + "/model.pt");
	ASSERT_EQ(vaccel_resource_init_from_buf(&model, bytes.data(),
						bytes.size(),
						VACCEL_RESOURCE_MODEL,
						"model.pt", true),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);
	std::vector<float> in;
	std::vector<Sample> want;
	for (const Sample &s : read_samples())
		if (s.file.find(".png") != std::string::npos) {
			std::vector<float> p = pixels(s.file);
			in.insert(in.end(), p.begin(), p.end());
			want.push_back(s);
		}
	int64_t n = want.size();
	Tensor t = tensor({n, 1, 28, 28}, VACCEL_TORCH_FLOAT, in.data(),
			  in.size() * sizeof(float));
	vaccel_torch_tensor *inputs[] = {t.get()}, *out = nullptr;
	ASSERT_EQ(vaccel_torch_model_run(&sess, &model, nullptr, inputs, 1,
					 &out, 1),
		  VACCEL_OK);
	Tensor o(out);
	ASSERT_EQ(o->nr_dims, 2);
	EXPECT_EQ(o->dims[0], n);
	EXPECT_EQ(o->dims[1], 10);
	ASSERT_EQ(o->size, n * 10 * sizeof(float));
	const float *l = (const float *)o->data;
	for (int64_t i = 0; i < n; ++i)
		for (int j = 0; j < 10; ++j)
			EXPECT_NEAR(l[i * 10 + j], want[i].logits[j], 1e-3);
}

// scale.pt is x + x: each dtype goes in and comes back as itself, doubled.
template <class T>
void check_dtype(vaccel_session *sess, vaccel_resource *model,
		 vaccel_torch_data_type type, std::vector<T> in,
		 std::vector<T> want)
{
	SCOPED_TRACE(type);
	Tensor t = tensor({2, 3}, type, in.data(), in.size() * sizeof(T));
	vaccel_torch_tensor *inputs[] = {t.get()}, *out = nullptr;
	ASSERT_EQ(vaccel_torch_model_run(sess, model, nullptr, inputs, 1, &out,
					 1),
		  VACCEL_OK);
	Tensor o(out);
	ASSERT_EQ(o->data_type, type);
	ASSERT_EQ(o->nr_dims, 2);
	EXPECT_EQ(o->dims[0], 2);
	EXPECT_EQ(o->dims[1], 3);
	ASSERT_EQ(o->size, want.size() * sizeof(T));
	EXPECT_EQ(std::memcmp(o->data, want.data(), o->size), 0);
	// The input is the caller's and stays as it was.
	EXPECT_EQ(std::memcmp(t->data, in.data(), t->size), 0);
}

TEST_F(Torch, RunEachDtype)
{
	use_file("scale.pt");
	check_dtype<uint8_t>(&sess, &model, VACCEL_TORCH_BYTE,
			     {0, 1, 2, 50, 100, 127}, {0, 2, 4, 100, 200, 254});
	check_dtype<int8_t>(&sess, &model, VACCEL_TORCH_CHAR,
			    {0, -1, 2, -50, 63, -64}, {0, -2, 4, -100, 126, -128});
	check_dtype<int16_t>(&sess, &model, VACCEL_TORCH_SHORT,
			     {0, -1, 300, -16000, 16383, 7},
			     {0, -2, 600, -32000, 32766, 14});
	check_dtype<int32_t>(&sess, &model, VACCEL_TORCH_INT,
			     {0, -1, 70000, -1000000000, 3, 1 << 29},
			     {0, -2, 140000, -2000000000, 6, 1 << 30});
	check_dtype<int64_t>(&sess, &model, VACCEL_TORCH_LONG,
			     {0, -1, 1LL << 40, -(1LL << 61), 5, 9},
			     {0, -2, 1LL << 41, -(1LL << 62), 10, 18});
	// IEEE half bits: 1, 0.5, 1.5, -2, 0, 4 -> 2, 1, 3, -4, 0, 8.
	check_dtype<uint16_t>(&sess, &model, VACCEL_TORCH_HALF,
			      {0x3C00, 0x3800, 0x3E00, 0xC000, 0x0000, 0x4400},
			      {0x4000, 0x3C00, 0x4200, 0xC400, 0x0000, 0x4800});
	check_dtype<float>(&sess, &model, VACCEL_TORCH_FLOAT,
			   {0.0F, -1.5F, 3.25F, 1e30F, -7.0F, 0.125F},
			   {0.0F, -3.0F, 6.5F, 2e30F, -14.0F, 0.25F});
}

TEST_F(Torch, RunErrors)
{
	use_file("model.pt");
	float in[784] = {};
	vaccel_torch_tensor *out[2] = {nullptr, nullptr};
	{
		// Fewer bytes than the shape needs.
		Tensor t = tensor({1, 1, 28, 28}, VACCEL_TORCH_FLOAT, in, 100);
		vaccel_torch_tensor *inputs[] = {t.get()};
		EXPECT_EQ(vaccel_torch_model_run(&sess, &model, nullptr,
						 inputs, 1, out, 1),
			  VACCEL_EINVAL);
	}
	{
		// A shape the model cannot take: EINVAL, and torch's reason
		// in the thread's error text.
		Tensor t = tensor({1, 1, 4, 4}, VACCEL_TORCH_FLOAT, in,
				  16 * sizeof(float));
		vaccel_torch_tensor *inputs[] = {t.get()};
		vaccel_error_clear();
		EXPECT_EQ(vaccel_torch_model_run(&sess, &model, nullptr,
						 inputs, 1, out, 1),
			  VACCEL_EINVAL);
		EXPECT_NE(std::string(vaccel_error_message()).find("Kernel size"),
			  std::string::npos) << vaccel_error_message();
	}
	{
		// Two outputs asked of a model that gives one: none given.
		Tensor t = tensor({1, 1, 28, 28}, VACCEL_TORCH_FLOAT, in,
				  sizeof(in));
		vaccel_torch_tensor *inputs[] = {t.get()};
		EXPECT_EQ(vaccel_torch_model_run(&sess, &model, nullptr,
						 inputs, 1, out, 2),
			  VACCEL_EINVAL);
		EXPECT_EQ(out[0], nullptr);
		EXPECT_EQ(out[1], nullptr);
	}
	{
		// An unknown dtype.
		Tensor t = tensor({1, 1, 28, 28}, VACCEL_TORCH_FLOAT, in,
				  sizeof(in));
		// Stored as bytes: 42 is no value of the enum.
		const int bad = 42;
		static_assert(sizeof bad == sizeof t->data_type);
		std::memcpy(&t->data_type, &bad, sizeof bad);
		vaccel_torch_tensor *inputs[] = {t.get()};
		EXPECT_EQ(vaccel_torch_model_run(&sess, &model, nullptr,
						 inputs, 1, out, 1),
			  VACCEL_EINVAL);
	}
}

TEST_F(Torch, CorruptModel)
{
	std::string junk = "PK\x03\x04 this is not a TorchScript archive";
	ASSERT_EQ(vaccel_resource_init_from_buf(&model, junk.data(),
						junk.size(),
						VACCEL_RESOURCE_MODEL, "bad.pt",
						true),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);
	EXPECT_EQ(vaccel_torch_model_load(&sess, &model), VACCEL_EINVAL);
	float in[784] = {};
	Tensor t = tensor({1, 1, 28, 28}, VACCEL_TORCH_FLOAT, in, sizeof(in));
	vaccel_torch_tensor *inputs[] = {t.get()}, *out = nullptr;
	EXPECT_EQ(vaccel_torch_model_run(&sess, &model, nullptr, inputs, 1,
					 &out, 1),
		  VACCEL_EINVAL);
	EXPECT_EQ(out, nullptr);
	std::string tag;
	EXPECT_EQ(classify(slurp(kDir + "/sample-0-png.png"), &tag),
		  VACCEL_EINVAL);
}

TEST_F(Torch, ClassifySamples)
{
	use_classifier();
	std::vector<std::string> labels = read_labels();
	ASSERT_EQ(labels.size(), 10U);
	int jpegs = 0;
	for (const Sample &s : read_samples()) {
		std::string tag, name;
		ASSERT_EQ(classify(slurp(kDir + "/" + s.file), &tag, &name),
			  VACCEL_OK);
		EXPECT_EQ(tag, labels[s.label]) << s.file;
		EXPECT_EQ(name, "classify");
		jpegs += s.file.find(".jpg") != std::string::npos;
	}
	EXPECT_EQ(jpegs, 3);
	// The tag is truncated to the buffer and NUL-terminated.
	std::string tag;
	ASSERT_EQ(classify(slurp(kDir + "/sample-0-png.png"), &tag, nullptr, 4),
		  VACCEL_OK);
	EXPECT_EQ(tag, labels[0].substr(0, 3));
}

// The installed layout: one directory with both exports and the labels.
TEST_F(Torch, ClassifyWithDirectoryResource)
{
	char tmpl[] = "/tmp/vaccel-fmnist-XXXXXX";
	ASSERT_NE(mkdtemp(tmpl), nullptr);
	std::string dir = tmpl;
	for (const char *f : {"model.pt", "model.onnx", "labels.txt"}) {
		std::ofstream(dir + "/" + f, std::ios::binary)
			<< slurp(kDir + "/" + f);
	}
	ASSERT_EQ(vaccel_resource_init(&model, dir.c_str(),
				       VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);
	std::string tag;
	EXPECT_EQ(classify(slurp(kDir + "/sample-8-png.png"), &tag), VACCEL_OK);
	EXPECT_EQ(tag, "Bag");
	for (const char *f : {"model.pt", "model.onnx", "labels.txt"})
		std::remove((dir + "/" + f).c_str());
	rmdir(dir.c_str());
	// The build tree's directory also holds scale.pt and expected.txt:
	// model.pt and labels.txt are still the ones used.
	vaccel_resource all{};
	ASSERT_EQ(vaccel_resource_init(&all, kDir.c_str(),
				       VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_release(&model), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&all, &sess), VACCEL_OK);
	EXPECT_EQ(classify(slurp(kDir + "/sample-9-png.png"), &tag), VACCEL_OK);
	EXPECT_EQ(tag, "Ankle boot");
	EXPECT_EQ(vaccel_resource_release(&all), VACCEL_OK);
}

TEST_F(Torch, ClassifyErrors)
{
	std::string png = slurp(kDir + "/sample-1-png.png"), tag;
	// No model registered with the session.
	EXPECT_EQ(classify(png, &tag), VACCEL_ENOENT);
	use_classifier();
	EXPECT_EQ(classify("definitely not an image", &tag), VACCEL_EINVAL);
	// A PNG cut short.
	EXPECT_EQ(classify(png.substr(0, png.size() / 2), &tag), VACCEL_EINVAL);
	EXPECT_EQ(classify(png, &tag), VACCEL_OK);
	EXPECT_EQ(tag, "Trouser");
}

TEST_F(Torch, TestSetAccuracy)
{
	use_classifier();
	std::vector<std::string> labels = read_labels();
	std::vector<Image> images = read_test_set();
	ASSERT_EQ(images.size(), 10000U);
	size_t right = 0;
	for (const Image &im : images) {
		std::string tag;
		ASSERT_EQ(classify(im.png, &tag), VACCEL_OK);
		right += tag == labels[im.label];
	}
	double acc = 100.0 * right / images.size();
	std::printf("torch: %.2f%% of 10000 test images right\n", acc);
	EXPECT_GE(acc, 88.0);
}

} // namespace

// VACCEL_TORCH_DEVICE: where models run. Without CUDA in this libtorch (or
// without a device), asking for cuda skips the plugin as "no device"; a
// value that is none of the accepted ones fails its load.
TEST(TorchDevice, FromTheEnvironment)
{
	const bool cuda = false; // Debian's libtorch: CPU only
	struct Case {
		const char *value;
		int code;
	} cases[] = {
		{"cpu", VACCEL_OK},	  {"auto", VACCEL_OK},	   {"", VACCEL_OK},
		{"cuda", cuda ? VACCEL_OK : VACCEL_ENODEV},	   {"cuda:7", VACCEL_ENODEV},
		{"cuda:", VACCEL_EINVAL}, {"cuda:x", VACCEL_EINVAL}, {"cuda0", VACCEL_EINVAL},
		{"gpu", VACCEL_EINVAL},
	};
	for (const Case &c : cases) {
		SCOPED_TRACE(c.value);
		setenv("VACCEL_TORCH_DEVICE", c.value, 1);
		ASSERT_EQ(vtest::boot({}), VACCEL_OK);
		EXPECT_EQ(vaccel_plugin_load(vtest::plugin("torch").c_str()), c.code);
		EXPECT_EQ(vaccel_plugin_count(), c.code == VACCEL_OK ? 1u : 0u);
		EXPECT_EQ(vaccel_cleanup(), VACCEL_OK);
	}
	unsetenv("VACCEL_TORCH_DEVICE");
}
