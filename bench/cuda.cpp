// SPDX-License-Identifier: Apache-2.0
// sgemm on a GPU: vaccel_sgemm (through whatever VACCEL_PLUGINS says: the
// cuda plugin locally, or rpc to an agent serving it) next to what the same
// device gives the same problem directly, in the same run. m = n, k = n + 7,
// alpha 1.5, beta 0.25, row-major, median milliseconds per call:
//
//   vaccel            vaccel_sgemm from malloc'd host buffers
//   pageable          cuBLAS, cudaMemcpy to and from those buffers
//   pinned            cuBLAS, cudaMemcpy to and from page-locked buffers
//   resident          cuBLAS alone, the data already on the device
//   cublasXt          cublasXtSgemm on the host buffers, pinning on
//
// Usage: vaccel-bench-cuda [--vaccel-only] [--label NAME] [N ...]
// (default sizes 1024 4096 8192). Prints one Markdown row per size. Each
// vaccel result is checked against a double-precision reference at 64
// sampled entries (relative error <= 1e-5); a wrong one fails the program.
// Exit 77 without a CUDA device (scripts/gpu-check.sh runs it).
#include <vaccel.h>

#include <cublasXt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace {

double median_ms(int reps, const std::function<bool()> &call)
{
	if (!call()) // warm-up: first-touch, lazy set-up
		return NAN;
	std::vector<double> t;
	for (int i = 0; i < reps; ++i) {
		auto t0 = std::chrono::steady_clock::now();
		if (!call())
			return NAN;
		t.push_back(std::chrono::duration<double, std::milli>(
				    std::chrono::steady_clock::now() - t0)
				    .count());
	}
	std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
	return t[t.size() / 2];
}

// Largest relative error of C = alpha A B + beta C0 at 64 sampled entries.
double sampled_error(int64_t n, int64_t k, float alpha, float beta, const float *a,
		     const float *b, const float *c0, const float *c)
{
	std::mt19937 rng(11);
	double worst = 0;
	for (int s = 0; s < 64; ++s) {
		int64_t i = rng() % n, j = rng() % n;
		double ref = 0, mag = 0;
		for (int64_t l = 0; l < k; ++l) {
			double t = (double)a[i * k + l] * b[l * n + j];
			ref += t;
			mag += std::fabs(t);
		}
		ref = alpha * ref + (double)beta * c0[i * n + j];
		mag = std::fabs(alpha) * mag + std::fabs(beta * c0[i * n + j]);
		worst = std::max(worst, std::fabs(c[i * n + j] - ref) / std::max(mag, 1e-30));
	}
	return worst;
}

std::string cell(double ms)
{
	char buf[32];
	if (std::isnan(ms))
		return "failed";
	snprintf(buf, sizeof buf, ms < 10 ? "%.2f" : "%.1f", ms);
	return buf;
}

} // namespace

int main(int argc, char **argv)
{
	bool vaccel_only = false;
	std::string label = "vaccel";
	std::vector<int64_t> sizes;
	for (int i = 1; i < argc; ++i) {
		if (!strcmp(argv[i], "--vaccel-only"))
			vaccel_only = true;
		else if (!strcmp(argv[i], "--label") && i + 1 < argc)
			label = argv[++i];
		else
			sizes.push_back(atoll(argv[i]));
	}
	if (sizes.empty())
		sizes = {1024, 4096, 8192};
	int devices = 0;
	if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
		fprintf(stderr, "vaccel-bench-cuda: no CUDA device\n");
		return 77;
	}
	vaccel_session sess{};
	if (vaccel_session_init(&sess, VACCEL_PLUGIN_GPU)) {
		fprintf(stderr, "vaccel-bench-cuda: no session (VACCEL_PLUGINS?)\n");
		return 1;
	}
	cublasHandle_t h = nullptr;
	cublasXtHandle_t xt = nullptr;
	if (!vaccel_only) {
		int dev0 = 0;
		if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS || cublasXtCreate(&xt) ||
		    cublasXtDeviceSelect(xt, 1, &dev0) ||
		    cublasXtSetPinningMemMode(xt, CUBLASXT_PINNING_ENABLED)) {
			fprintf(stderr, "vaccel-bench-cuda: cuBLAS set-up failed\n");
			return 1;
		}
		printf("| n | %s | pageable | pinned | resident | cublasXt |\n", label.c_str());
		printf("|---:|---:|---:|---:|---:|---:|\n");
	} else {
		printf("| n | %s |\n|---:|---:|\n", label.c_str());
	}
	const float alpha = 1.5F, beta = 0.25F;
	bool wrong = false;
	for (int64_t n : sizes) {
		const int64_t k = n + 7;
		const int reps = n <= 1024 ? 30 : n <= 4096 ? 10 : 5;
		std::vector<float> a((size_t)(n * k)), b((size_t)(k * n)), c((size_t)(n * n));
		std::mt19937 rng(5);
		std::uniform_real_distribution<float> u(-1, 1);
		for (auto *v : {&a, &b, &c})
			for (auto &x : *v)
				x = u(rng);
		std::vector<float> c0 = c;
		// Correct first, then timed.
		int ret = vaccel_sgemm(&sess, n, n, k, alpha, a.data(), k, b.data(), n, beta,
				       c.data(), n);
		double err = ret ? INFINITY
				 : sampled_error(n, k, alpha, beta, a.data(), b.data(), c0.data(),
						 c.data());
		if (err > 1e-5) {
			fprintf(stderr, "vaccel-bench-cuda: n=%lld: vaccel_sgemm %s "
				"(relative error %g)\n", (long long)n, ret ? "failed" : "wrong", err);
			wrong = true;
		}
		double t_vaccel = median_ms(reps, [&] {
			return vaccel_sgemm(&sess, n, n, k, alpha, a.data(), k, b.data(), n, beta,
					    c.data(), n) == VACCEL_OK;
		});
		if (vaccel_only) {
			printf("| %lld | %s |\n", (long long)n, cell(t_vaccel).c_str());
			fflush(stdout);
			continue;
		}
		const size_t fa = a.size() * 4, fb = b.size() * 4, fc = c.size() * 4;
		float *da = nullptr, *db = nullptr, *dc = nullptr;
		float *pa = nullptr, *pb = nullptr, *pc = nullptr;
		if (cudaMalloc((void **)&da, fa) || cudaMalloc((void **)&db, fb) ||
		    cudaMalloc((void **)&dc, fc) || cudaMallocHost((void **)&pa, fa) ||
		    cudaMallocHost((void **)&pb, fb) || cudaMallocHost((void **)&pc, fc)) {
			fprintf(stderr, "vaccel-bench-cuda: n=%lld: no memory\n", (long long)n);
			return 1;
		}
		memcpy(pa, a.data(), fa);
		memcpy(pb, b.data(), fb);
		memcpy(pc, c.data(), fc);
		// Row-major through column-major cuBLAS: B first (as the plugin).
		auto gemm = [&] {
			return cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, (int)n, (int)n, (int)k,
					   &alpha, db, (int)n, da, (int)k, &beta, dc,
					   (int)n) == CUBLAS_STATUS_SUCCESS;
		};
		auto through = [&](const float *ha, const float *hb, float *hc) {
			return cudaMemcpy(da, ha, fa, cudaMemcpyHostToDevice) == cudaSuccess &&
			       cudaMemcpy(db, hb, fb, cudaMemcpyHostToDevice) == cudaSuccess &&
			       cudaMemcpy(dc, hc, fc, cudaMemcpyHostToDevice) == cudaSuccess &&
			       gemm() &&
			       cudaMemcpy(hc, dc, fc, cudaMemcpyDeviceToHost) == cudaSuccess;
		};
		double t_page = median_ms(reps, [&] { return through(a.data(), b.data(), c.data()); });
		double t_pin = median_ms(reps, [&] { return through(pa, pb, pc); });
		double t_res = median_ms(reps, [&] { return gemm() && cudaDeviceSynchronize() == cudaSuccess; });
		double t_xt = median_ms(reps, [&] {
			return cublasXtSgemm(xt, CUBLAS_OP_N, CUBLAS_OP_N, n, n, k, &alpha,
					     b.data(), n, a.data(), k, &beta, c.data(),
					     n) == CUBLAS_STATUS_SUCCESS;
		});
		printf("| %lld | %s | %s | %s | %s | %s |\n", (long long)n, cell(t_vaccel).c_str(),
		       cell(t_page).c_str(), cell(t_pin).c_str(), cell(t_res).c_str(),
		       cell(t_xt).c_str());
		fflush(stdout);
		cudaFree(da);
		cudaFree(db);
		cudaFree(dc);
		cudaFreeHost(pa);
		cudaFreeHost(pb);
		cudaFreeHost(pc);
	}
	if (xt)
		cublasXtDestroy(xt);
	if (h)
		cublasDestroy(h);
	vaccel_session_release(&sess);
	return wrong ? 1 : 0;
}
