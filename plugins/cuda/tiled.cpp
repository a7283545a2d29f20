// SPDX-License-Identifier: Apache-2.0
// The cuda plugin's device for the tiling engine (tiled.hpp): two CUDA
// streams, one cuBLAS handle, a device arena and two page-locked staging
// sets, all kept and grown across calls (allocating either costs far more
// than a small sgemm). Called by cuda.c with its lock held.
#include "tiled.hpp"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstdlib>
#include <thread>

namespace {

using vaccel::cuda::Limits;

int cuda_err(const char *what, cudaError_t err)
{
	vaccel_error("[cuda] %s: %s", what, cudaGetErrorString(err));
	return err == cudaErrorMemoryAllocation ? VACCEL_ENOMEM : VACCEL_EIO;
}

int cublas_err(const char *what, cublasStatus_t st)
{
	vaccel_error("[cuda] %s: %s", what, cublasGetStatusString(st));
	return st == CUBLAS_STATUS_ALLOC_FAILED ? VACCEL_ENOMEM : VACCEL_EIO;
}

class CudaDevice {
public:
	int init()
	{
		cublasStatus_t st = cublasCreate(&handle_);
		if (st != CUBLAS_STATUS_SUCCESS)
			return cublas_err("cublasCreate", st);
		for (auto &s : streams_)
			if (cudaError_t err = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking))
				return cuda_err("cudaStreamCreate", err);
		return VACCEL_OK;
	}
	void fini()
	{
		// At process exit the CUDA runtime may be unloading already: its
		// errors then mean nothing and are not reported.
		if (dev_)
			cudaFree(dev_);
		for (auto &p : stage_)
			if (p)
				cudaFreeHost(p);
		for (auto &s : streams_)
			if (s)
				cudaStreamDestroy(s);
		if (handle_)
			cublasDestroy(handle_);
		*this = CudaDevice();
	}
	bool reserve(size_t dev_floats, size_t stage_floats)
	{
		if (dev_floats > dev_cap_) {
			if (dev_)
				cudaFree(dev_);
			dev_ = nullptr;
			dev_cap_ = 0;
			if (cudaError_t err = cudaMalloc((void **)&dev_, dev_floats * sizeof(float))) {
				cuda_err("cudaMalloc", err);
				dev_ = nullptr;
				return false;
			}
			dev_cap_ = dev_floats;
		}
		if (stage_floats > stage_cap_) {
			for (auto &p : stage_) {
				if (p)
					cudaFreeHost(p);
				p = nullptr;
			}
			stage_cap_ = 0;
			for (auto &p : stage_)
				if (cudaError_t err = cudaMallocHost((void **)&p,
								     stage_floats * sizeof(float))) {
					cuda_err("cudaMallocHost (staging)", err);
					p = nullptr;
					return false;
				}
			stage_cap_ = stage_floats;
		}
		return true;
	}
	float *device() { return dev_; }
	float *staging(int set) { return stage_[set]; }
	bool pinned(const float *h) const
	{
		cudaPointerAttributes attr{};
		if (cudaPointerGetAttributes(&attr, h) != cudaSuccess) {
			cudaGetLastError(); // not an error of the call: clear it
			return false;
		}
		return attr.type == cudaMemoryTypeHost;
	}
	int h2d(int s, float *d, int64_t dp, const float *h, int64_t hp, int64_t w,
		int64_t rows)
	{
		return copy(s, d, dp, h, hp, w, rows, cudaMemcpyHostToDevice);
	}
	int d2h(int s, float *h, int64_t hp, const float *d, int64_t dp, int64_t w,
		int64_t rows)
	{
		return copy(s, h, hp, d, dp, w, rows, cudaMemcpyDeviceToHost);
	}
	// Row-major C = A B is column-major C^T = B^T A^T: cuBLAS gets B first,
	// on the very same packed bytes.
	int gemm(int s, int m, int n, int k, float alpha, const float *a, const float *b,
		 float beta, float *c)
	{
		cublasStatus_t st = cublasSetStream(handle_, streams_[s]);
		if (st == CUBLAS_STATUS_SUCCESS)
			st = cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &alpha, b,
					 n, a, k, &beta, c, n);
		return st == CUBLAS_STATUS_SUCCESS ? VACCEL_OK : cublas_err("cublasSgemm", st);
	}
	int sync(int s)
	{
		cudaError_t err = cudaStreamSynchronize(streams_[s]);
		return err ? cuda_err("waiting for the device", err) : VACCEL_OK;
	}

private:
	// rows of w floats, pitches in floats, queued on stream s.
	int copy(int s, float *dst, int64_t dp, const float *src, int64_t sp, int64_t w,
		 int64_t rows, cudaMemcpyKind kind)
	{
		cudaError_t err = cudaMemcpy2DAsync(dst, (size_t)dp * sizeof(float), src,
						    (size_t)sp * sizeof(float),
						    (size_t)w * sizeof(float), (size_t)rows, kind,
						    streams_[s]);
		if (err)
			return cuda_err(kind == cudaMemcpyHostToDevice ? "copy to the device"
								       : "copy from the device",
					err);
		return VACCEL_OK;
	}
	cublasHandle_t handle_ = nullptr;
	cudaStream_t streams_[2] = {nullptr, nullptr};
	float *dev_ = nullptr;
	size_t dev_cap_ = 0;
	float *stage_[2] = {nullptr, nullptr};
	size_t stage_cap_ = 0;
};

CudaDevice device;
Limits limits;

size_t env_mib(const char *name, size_t dflt)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end = nullptr;
	unsigned long long x = strtoull(v, &end, 10);
	if (*end || x == 0 || x > (1ull << 30)) {
		vaccel_warn("[cuda] %s=%s: want a number of MiB; using %zu", name, v, dflt);
		return dflt;
	}
	return (size_t)x;
}

} // namespace

extern "C" int vaccel_cuda_tiled_init(void)
{
	if (int ret = device.init()) {
		device.fini();
		return ret;
	}
	// The device memory this plugin may use: VACCEL_CUDA_MAX_MIB, by
	// default 4 GiB, never more than half of what is free now (a GPU
	// serves other processes and guests too). Larger problems are tiled.
	size_t free_b = 0, total_b = 0;
	cudaMemGetInfo(&free_b, &total_b);
	size_t max_mib = env_mib("VACCEL_CUDA_MAX_MIB", 4096);
	if (free_b && max_mib > free_b / 2 / (1u << 20))
		max_mib = free_b / 2 / (1u << 20);
	size_t stage_mib = env_mib("VACCEL_CUDA_STAGING_MIB", 64);
	unsigned cpus = std::thread::hardware_concurrency();
	limits = Limits{max_mib << 18, stage_mib << 18, 8,
			(int)std::max(1u, std::min(8u, cpus / 2))};
	vaccel_debug("[cuda] device memory up to %zu MiB, staging 2 x %zu MiB, %d copy "
		     "threads", max_mib, stage_mib, limits.copy_threads);
	return VACCEL_OK;
}

extern "C" void vaccel_cuda_tiled_fini(void)
{
	device.fini();
}

extern "C" int vaccel_cuda_tiled_sgemm(int64_t m, int64_t n, int64_t k, float alpha,
				       const float *a, int64_t lda, const float *b,
				       int64_t ldb, float beta, float *c, int64_t ldc)
{
	try {
		return vaccel::cuda::tiled_sgemm(device, limits, m, n, k, alpha, a, lda, b,
						 ldb, beta, c, ldc);
	} catch (...) { // no memory for the engine's own bookkeeping
		return VACCEL_ENOMEM;
	}
}
