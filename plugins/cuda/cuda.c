/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cuda: vaccel_sgemm on cuBLAS, on CUDA device 0.
 *
 * With no usable device (no GPU, no driver) init() reports VACCEL_ENODEV,
 * so the runtime skips the plugin and the next one that implements sgemm
 * serves it: an application can list cuda first and run the same binary on
 * machines with and without a GPU.
 *
 * From the caller's ordinary host memory the product goes tile by tile
 * through page-locked staging buffers, copies overlapped with compute on
 * two streams, within a device-memory budget (VACCEL_CUDA_MAX_MIB); see
 * tiled.hpp. Arrays already page-locked (the agent's arena, which this
 * plugin page-locks once, below) are copied by the device directly.
 */
#include <vaccel.h>

#include "common/sgemm.h"

#include <cuda_runtime_api.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>

/* The tiling engine and its device (tiled.hpp, tiled.cpp): streams, cuBLAS,
 * a device arena and page-locked staging, kept across calls. */
int vaccel_cuda_tiled_init(void);
void vaccel_cuda_tiled_fini(void);
int vaccel_cuda_tiled_sgemm(int64_t m, int64_t n, int64_t k, float alpha,
			    const float *a, int64_t lda, const float *b,
			    int64_t ldb, float beta, float *c, int64_t ldc);

/* Calls share the one device and its buffers: one at a time. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int cuda_init(void)
{
	int count = 0;
	cudaError_t err = cudaGetDeviceCount(&count);
	if (err != cudaSuccess || count == 0) {
		/* No GPU or no driver: the common case on a CPU-only host,
		 * not an error; the runtime says it skipped the plugin. */
		vaccel_info("[cuda] no CUDA device: %s",
			    err != cudaSuccess ? cudaGetErrorString(err)
					       : "0 devices");
		return VACCEL_ENODEV;
	}
	return vaccel_cuda_tiled_init();
}

static int cuda_fini(void)
{
	vaccel_cuda_tiled_fini();
	return VACCEL_OK;
}

static int cuda_sgemm(struct vaccel_session *sess, int64_t m, int64_t n,
		      int64_t k, float alpha, float *a, int64_t lda, float *b,
		      int64_t ldb, float beta, float *c, int64_t ldc)
{
	/* cuBLAS takes 32-bit ints; when A and B are not read there is no
	 * reason to go to the device. */
	int ret = vaccel_sgemm_prologue("cuda", sess, m, n, k, alpha, lda, ldb,
					beta, c, ldc);
	if (ret != VACCEL_SGEMM_MULTIPLY)
		return ret;
	pthread_mutex_lock(&lock);
	ret = vaccel_cuda_tiled_sgemm(m, n, k, alpha, a, lda, b, ldb, beta, c,
				      ldc);
	pthread_mutex_unlock(&lock);
	return ret;
}

/* Long-lived host memory (vaccel-agent's arenas and mailboxes, where guests
 * put their arrays): page-locked once, so that copies between it and the
 * device run at the bus's speed by DMA, with no staging copy on the host,
 * for every call that passes arguments from it. */
static int cuda_host_register(void *addr, size_t len)
{
	cudaError_t err = cudaHostRegister(addr, len, cudaHostRegisterDefault);
	if (err != cudaSuccess) {
		vaccel_warn("[cuda] cannot page-lock %zu bytes of host memory: %s",
			    len, cudaGetErrorString(err));
		return VACCEL_EIO;
	}
	vaccel_debug("[cuda] page-locked %zu bytes of host memory", len);
	return VACCEL_OK;
}

static int cuda_host_unregister(void *addr, size_t len)
{
	cudaError_t err = cudaHostUnregister(addr);
	if (err != cudaSuccess) {
		vaccel_warn("[cuda] cannot unlock %zu bytes of host memory: %s",
			    len, cudaGetErrorString(err));
		return VACCEL_EIO;
	}
	return VACCEL_OK;
}

static const struct vaccel_plugin_ops cuda_ops = {
	.sgemm = cuda_sgemm,
};

static const struct vaccel_plugin_desc cuda_plugin = {
	VACCEL_PLUGIN_DESC("cuda", VACCEL_VERSION, VACCEL_PLUGIN_GPU),
	.init = cuda_init,
	.fini = cuda_fini,
	VACCEL_PLUGIN_OPS(cuda_ops),
	.host_memory_register = cuda_host_register,
	.host_memory_unregister = cuda_host_unregister,
};

VACCEL_PLUGIN_ENTRY(cuda, cuda_plugin)
