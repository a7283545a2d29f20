// SPDX-License-Identifier: Apache-2.0
// The framework plugins against the same work done directly, in the same
// run, the two taking turns (bench/paired.hpp), on the Fashion-MNIST model
// the build trains (models/):
//   classify_torch    vaccel_image_classification through the torch plugin
//                     vs decode + resize + libtorch forward + top-1 label,
//                     done here with the same libraries
//   classify_opencv   the same through the opencv plugin vs OpenCV DNN
//   torch_run         vaccel_torch_model_run on a 1x1x28x28 tensor vs the
//                     module's forward() on the same tensor
//   classify_remote   the torch plugin through vaccel-agent on a unix
//                     socket vs the same plugin in this process (ratio
//                     remote / local); VACCEL_RPC_SPIN_US, if set, is the
//                     spin of both the client and the agent
// Images: one JPEG and one PNG of the test set. A table of the ratios
// follows the usual output; docs/performance.md records it.
#include <vaccel.h>

#include "agent.hpp"
#include "../tests/unit/model_data.hpp"
#include "paired.hpp"

#include <ATen/Parallel.h>
#include <torch/script.h>

#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <benchmark/benchmark.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using vtest::kModelDir;
using vtest::slurp;

std::string lib(const std::string &n)
{
	return std::string(VACCEL_BENCH_LIB_DIR) + "/lib" + n + ".so";
}

// What the plugins do to an image before inference, done here directly:
// decode to grayscale, 28 x 28, floats in [0, 1].
cv::Mat pixels(const std::string &img)
{
	cv::Mat raw(1, (int)img.size(), CV_8U, const_cast<char *>(img.data()));
	cv::Mat gray = cv::imdecode(raw, cv::IMREAD_GRAYSCALE);
	if (gray.rows != 28 || gray.cols != 28)
		cv::resize(gray, gray, cv::Size(28, 28), 0, 0, cv::INTER_AREA);
	cv::Mat f;
	gray.convertTo(f, CV_32F, 1.0 / 255);
	return f;
}

// A session with the model resource (model.pt, model.onnx, labels.txt)
// registered, served by the plugin the hint selects.
struct ModelSession {
	vaccel_session s{};
	vaccel_resource r{};
	bool ok = false;
	explicit ModelSession(uint32_t hint)
	{
		std::string files[] = {kModelDir + "/model.pt",
				       kModelDir + "/model.onnx",
				       kModelDir + "/labels.txt"};
		const char *paths[] = {files[0].c_str(), files[1].c_str(),
				       files[2].c_str()};
		ok = vaccel_session_init(&s, hint) == VACCEL_OK &&
		     vaccel_resource_init_multi(&r, paths, 3,
						VACCEL_RESOURCE_MODEL) == VACCEL_OK &&
		     vaccel_resource_register(&r, &s) == VACCEL_OK;
	}
	~ModelSession()
	{
		if (r.id > 0) {
			vaccel_resource_unregister(&r, &s);
			vaccel_resource_release(&r);
		}
		vaccel_session_release(&s);
	}
	int classify(const std::string &img, std::string *label)
	{
		unsigned char tag[64] = {}, name[64] = {};
		int ret = vaccel_image_classification(&s, img.data(), tag, name,
						      img.size(), sizeof tag,
						      sizeof name);
		*label = (const char *)tag;
		return ret;
	}
};

const char *image_name(const benchmark::State &st)
{
	return st.range(0) ? "sample-0-jpg.jpg" : "sample-0-png.png";
}

// One image classified directly (top_class(image bytes) gives the class
// index) and through the plugin the hint selects, in turns; both must give
// the same label.
template <class TopClass>
void classify_against(benchmark::State &st, uint32_t hint, TopClass &&top_class)
{
	auto img = slurp(kModelDir + "/" + image_name(st));
	auto names = vtest::read_labels();
	ModelSession ms(hint);
	if (!ms.ok) {
		st.SkipWithError("session");
		return;
	}
	std::string direct_label, vaccel_label;
	vbench::paired(
		st,
		[&] {
			direct_label = names.at(top_class(img));
			return VACCEL_OK;
		},
		[&] { return ms.classify(img, &vaccel_label); });
	if (direct_label != vaccel_label)
		st.SkipWithError("different labels");
}

void BM_classify_torch(benchmark::State &st)
{
	torch::jit::Module module = torch::jit::load(kModelDir + "/model.pt");
	module.eval();
	classify_against(st, VACCEL_PLUGIN_TORCH, [&](const std::string &img) {
		cv::Mat f = pixels(img);
		torch::Tensor in = torch::from_blob(f.ptr<float>(), {1, 1, 28, 28});
		c10::InferenceMode guard;
		return module.forward({in}).toTensor().reshape({-1}).argmax().item<int64_t>();
	});
}

void BM_classify_opencv(benchmark::State &st)
{
	cv::dnn::Net net = cv::dnn::readNetFromONNX(kModelDir + "/model.onnx");
	net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
	net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
	classify_against(st, VACCEL_PLUGIN_SOFTWARE, [&](const std::string &img) {
		cv::Mat raw(1, (int)img.size(), CV_8U, const_cast<char *>(img.data()));
		cv::Mat gray = cv::imdecode(raw, cv::IMREAD_GRAYSCALE);
		net.setInput(cv::dnn::blobFromImage(gray, 1.0 / 255));
		cv::Mat logits = net.forward();
		cv::Point top;
		cv::minMaxLoc(logits.reshape(1, 1), nullptr, nullptr, nullptr, &top);
		return (int64_t)top.x;
	});
}

void BM_torch_run(benchmark::State &st)
{
	cv::Mat f = pixels(slurp(kModelDir + "/sample-0-png.png"));
	torch::jit::Module module = torch::jit::load(kModelDir + "/model.pt");
	module.eval();
	ModelSession ms(VACCEL_PLUGIN_TORCH);
	const int64_t dims[] = {1, 1, 28, 28};
	vaccel_torch_tensor *in = nullptr;
	if (!ms.ok || vaccel_torch_model_load(&ms.s, &ms.r) ||
	    vaccel_torch_tensor_new(&in, 4, dims, VACCEL_TORCH_FLOAT) ||
	    vaccel_torch_tensor_set_data(in, f.ptr<float>(),
					 f.total() * sizeof(float))) {
		st.SkipWithError("session, model or tensor");
		return;
	}
	float direct_out[10] = {}, vaccel_out[10] = {};
	vbench::paired(
		st,
		[&] {
			torch::Tensor t =
				torch::from_blob(f.ptr<float>(), {1, 1, 28, 28});
			c10::InferenceMode guard;
			torch::Tensor o =
				module.forward({t}).toTensor().contiguous();
			if (o.nbytes() != sizeof direct_out)
				return VACCEL_EINVAL;
			std::memcpy(direct_out, o.data_ptr(), sizeof direct_out);
			return VACCEL_OK;
		},
		[&] {
			vaccel_torch_tensor *out = nullptr;
			int ret = vaccel_torch_model_run(&ms.s, &ms.r, nullptr,
							 &in, 1, &out, 1);
			if (ret)
				return ret;
			if (out->size == sizeof vaccel_out)
				std::memcpy(vaccel_out, out->data, sizeof vaccel_out);
			else
				ret = VACCEL_EINVAL;
			vaccel_torch_tensor_delete(out);
			return ret;
		});
	vaccel_torch_tensor_set_data(in, nullptr, 0);
	vaccel_torch_tensor_delete(in);
	if (std::memcmp(direct_out, vaccel_out, sizeof direct_out) != 0)
		st.SkipWithError("different outputs");
}

// Remote / local, both through vAccel: "direct" is the local session. An
// application classifying a stream of images calls back to back, which is
// what the agent's and the client's spinning is for: each side of the pair
// is 128 calls in a row (the turns then also leave the spinning down of
// the local side's OpenMP workers out of the remote figure), per call.
void BM_classify_remote(benchmark::State &st)
{
	const int calls = 128;
	auto img = slurp(kModelDir + "/" + image_name(st));
	ModelSession local(VACCEL_PLUGIN_TORCH), remote(VACCEL_PLUGIN_REMOTE);
	if (!local.ok || !remote.ok) {
		st.SkipWithError("session");
		return;
	}
	std::string local_label, remote_label;
	auto burst = [&](ModelSession &ms, std::string *label) {
		int ret = VACCEL_OK;
		for (int i = 0; i < calls && ret == VACCEL_OK; ++i)
			ret = ms.classify(img, label);
		return ret;
	};
	vbench::paired(
		st, [&] { return burst(local, &local_label); },
		[&] { return burst(remote, &remote_label); }, calls);
	if (local_label != remote_label)
		st.SkipWithError("different labels");
}

} // namespace

int main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	// The agent serves the torch plugin on a fresh socket; this process
	// has the local plugins and the rpc transport, one session each.
	std::string sock = "unix:///tmp/vaccel-bench-models." +
			   std::to_string(getpid());
	// VACCEL_RPC_SPIN_US, if set, applies to both sides.
	const char *spin = getenv("VACCEL_RPC_SPIN_US");
	vbench::Agent agent(lib("vaccel-torch"), sock,
			    spin && *spin ? atoi(spin) : -1);
	setenv("VACCEL_RPC_ADDRESS", agent.addr().c_str(), 1);
	std::string plugins = lib("vaccel-torch") + ":" + lib("vaccel-opencv") +
			      ":" + lib("vaccel-rpc");
	struct vaccel_config cfg{};
	vaccel_config_init(&cfg, plugins.c_str(), VACCEL_LOG_ERROR, nullptr,
			   false, false);
	if (vaccel_bootstrap_with_config(&cfg) != VACCEL_OK) {
		std::fprintf(stderr, "cannot load %s\n", plugins.c_str());
		return 1;
	}
	vaccel_config_release(&cfg);
	benchmark::AddCustomContext("torch_threads",
				    std::to_string(at::get_num_threads()));
	using Fn = void (*)(benchmark::State &);
	const std::pair<const char *, Fn> classify[] = {
		{"classify_torch", BM_classify_torch},
		{"classify_opencv", BM_classify_opencv},
		{"classify_remote", BM_classify_remote}};
	for (auto [name, fn] : classify)
		benchmark::RegisterBenchmark(name, fn)
			->ArgName("jpeg")
			->DenseRange(0, 1)
			->Unit(benchmark::kMicrosecond)
			->UseManualTime();
	benchmark::RegisterBenchmark("torch_run", BM_torch_run)
		->Unit(benchmark::kMicrosecond)
		->UseManualTime();
	// "classify_torch/jpeg:1/manual_time" -> "classify_torch, JPEG"
	vbench::PairTable table([](const std::string &name) {
		std::string row = name.substr(0, name.find('/'));
		if (name.find("jpeg:1") != std::string::npos)
			row += ", JPEG";
		else if (name.find("jpeg:0") != std::string::npos)
			row += ", PNG";
		return row;
	});
	benchmark::RunSpecifiedBenchmarks(&table);
	table.print("| benchmark | direct (local for remote) | through vAccel "
		    "| ratio |");
	benchmark::Shutdown();
	vaccel_cleanup();
	return table.failed() ? 1 : 0;
}
