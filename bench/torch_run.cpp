// SPDX-License-Identifier: Apache-2.0
// A TorchScript model through vaccel_torch_model_run (whatever
// VACCEL_PLUGINS says: the torch plugin in this process, or rpc to an
// agent) next to the same model run directly with libtorch in this process,
// on the same device, in turns, one input at a time: per-call medians and
// the median of the per-pair ratio. Both sides do the same work: the input
// from host memory to the device, the forward pass, the output back. The
// outputs must agree (max difference <= 1e-5) or the program fails.
//
// Usage: vaccel-bench-torch MODEL.pt [C H W] [CALLS]
//   (default 1 28 28, the Fashion-MNIST model models/ trains; 2000 calls)
// The device: VACCEL_TORCH_DEVICE (auto, cpu, cuda, cuda:N), as the plugin
// reads it; the plugin and this program must agree, so set it for both.
// Needs nothing but libvaccel and libtorch (no test or benchmark framework):
// scripts/gpu-check.sh runs it on a GPU machine.
#include <vaccel.h>

#include <torch/cuda.h>
#include <torch/script.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

double median(std::vector<double> v)
{
	std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
	return v[v.size() / 2];
}

torch::Device pick_device()
{
	const char *v = getenv("VACCEL_TORCH_DEVICE");
	std::string want = v && *v ? v : "auto";
	if (want == "cpu" || (want == "auto" && !torch::cuda::is_available()))
		return torch::Device(torch::kCPU);
	if (want == "auto" || want == "cuda")
		return torch::Device(torch::kCUDA, 0);
	return torch::Device(want); // "cuda:N"
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s MODEL.pt [C H W] [CALLS]\n", argv[0]);
		return 2;
	}
	const char *path = argv[1];
	int64_t c = 1, h = 28, w = 28;
	if (argc >= 5) {
		c = atoll(argv[2]);
		h = atoll(argv[3]);
		w = atoll(argv[4]);
	}
	const int calls = argc >= 6 ? atoi(argv[5]) : argc == 3 ? atoi(argv[2]) : 2000;
	const torch::Device dev = pick_device();

	// Direct: the model on the device, loaded once.
	torch::jit::Module direct = torch::jit::load(path, dev);
	direct.eval();
	std::vector<float> pixels((size_t)(c * h * w));
	for (size_t i = 0; i < pixels.size(); ++i)
		pixels[i] = (float)((i * 37) % 255) / 255.0F;
	std::vector<int64_t> dims{1, c, h, w};
	auto run_direct = [&]() {
		c10::InferenceMode guard;
		torch::Tensor in = torch::from_blob(pixels.data(), dims).to(dev);
		return direct.forward({in}).toTensor().to(torch::kCPU).contiguous();
	};

	// Through vAccel.
	vaccel_session sess{};
	vaccel_resource model{};
	if (vaccel_session_init(&sess, 0) ||
	    vaccel_resource_init(&model, path, VACCEL_RESOURCE_MODEL) ||
	    vaccel_resource_register(&model, &sess) ||
	    vaccel_torch_model_load(&sess, &model)) {
		fprintf(stderr, "vaccel-bench-torch: cannot load %s through vAccel "
			"(VACCEL_PLUGINS?)\n", path);
		return 1;
	}
	vaccel_torch_tensor *in = nullptr;
	if (vaccel_torch_tensor_new(&in, 4, dims.data(), VACCEL_TORCH_FLOAT) ||
	    vaccel_torch_tensor_set_data(in, pixels.data(), pixels.size() * sizeof(float)))
		return 1;
	auto run_vaccel = [&](std::vector<float> *out) -> int {
		vaccel_torch_tensor *o = nullptr;
		int ret = vaccel_torch_model_run(&sess, &model, nullptr, &in, 1, &o, 1);
		if (ret)
			return ret;
		if (out)
			out->assign((float *)o->data, (float *)o->data + o->size / sizeof(float));
		vaccel_torch_tensor_delete(o);
		return VACCEL_OK;
	};

	// Same answer first.
	torch::Tensor ref = run_direct();
	std::vector<float> got;
	if (run_vaccel(&got) || got.size() != (size_t)ref.numel()) {
		fprintf(stderr, "vaccel-bench-torch: vaccel_torch_model_run failed or gave "
			"%zu values, not %lld\n", got.size(), (long long)ref.numel());
		return 1;
	}
	float diff = 0;
	for (size_t i = 0; i < got.size(); ++i)
		diff = std::max(diff, std::abs(got[i] - ref.data_ptr<float>()[i]));
	if (diff > 1e-5F) {
		fprintf(stderr, "vaccel-bench-torch: outputs differ by %g\n", diff);
		return 1;
	}

	using clock = std::chrono::steady_clock;
	std::vector<double> td, tv, ratio;
	for (int i = 0; i < calls; ++i) {
		double d = 0, v = 0;
		for (int side = 0; side < 2; ++side) {
			bool vaccel_turn = (side == 0) == (i % 2 == 0);
			auto t0 = clock::now();
			if (vaccel_turn) {
				if (run_vaccel(nullptr))
					return 1;
			} else {
				run_direct();
			}
			double us = std::chrono::duration<double, std::micro>(clock::now() - t0).count();
			(vaccel_turn ? v : d) = us;
		}
		td.push_back(d);
		tv.push_back(v);
		ratio.push_back(v / d);
	}
	printf("| %s, %lldx%lldx%lld, %s | %.1f us | %.1f us | %.3f |\n",
	       strrchr(path, '/') ? strrchr(path, '/') + 1 : path, (long long)c,
	       (long long)h, (long long)w, dev.str().c_str(), median(td), median(tv),
	       median(ratio));
	vaccel_torch_tensor_delete(in);
	vaccel_resource_unregister(&model, &sess);
	vaccel_resource_release(&model);
	vaccel_session_release(&sess);
	return 0;
}
