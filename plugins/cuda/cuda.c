/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cuda: vaccel_sgemm on cuBLAS, on CUDA device 0.
 *
 * With no usable device (no GPU, no driver) init() reports VACCEL_ENODEV,
 * so the runtime skips the plugin and the next one that implements sgemm
 * serves it: an application can list cuda first and run the same binary on
 * machines with and without a GPU.
 *
 * vAccel's sgemm is row-major; cuBLAS is column-major. A row-major matrix
 * read column-major is its transpose, and (A B)^T = B^T A^T, so the plugin
 * asks cuBLAS for B^T A^T (B first) on the very same bytes and gets the
 * row-major A B back without transposing anything.
 */
#include <vaccel.h>

#include "common/sgemm.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>

/* One cuBLAS handle and one device buffer, reused by every call and grown
 * when a call needs more: allocating device memory costs far more than a
 * small sgemm. The lock serialises calls; they share the one GPU anyway. */
static struct {
	pthread_mutex_t lock;
	cublasHandle_t handle;
	float *dev; /* A, B and C of the current call, packed */
	size_t cap; /* floats that dev holds */
} cu = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int cublas_err(const char *what, cublasStatus_t st)
{
	vaccel_error("[cuda] %s: %s", what, cublasGetStatusString(st));
	return st == CUBLAS_STATUS_ALLOC_FAILED ? VACCEL_ENOMEM : VACCEL_EIO;
}

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
	cublasStatus_t st = cublasCreate(&cu.handle);
	if (st != CUBLAS_STATUS_SUCCESS)
		return cublas_err("cublasCreate", st);
	return VACCEL_OK;
}

static int cuda_fini(void)
{
	/* At process exit the CUDA runtime may already be unloading; its
	 * errors then mean nothing to anyone, so they are not reported. */
	if (cu.dev)
		cudaFree(cu.dev);
	cu.dev = NULL;
	cu.cap = 0;
	if (cu.handle)
		cublasDestroy(cu.handle);
	cu.handle = NULL;
	return VACCEL_OK;
}

/* Make the device buffer hold @p floats; called with the lock held. */
static int reserve(size_t floats)
{
	if (floats <= cu.cap)
		return VACCEL_OK;
	if (floats > SIZE_MAX / sizeof(float)) {
		vaccel_error("[cuda] sgemm needs %zu floats on the device: "
			     "more than can be addressed", floats);
		return VACCEL_ENOMEM;
	}
	if (cu.dev)
		cudaFree(cu.dev);
	cu.dev = NULL;
	cu.cap = 0;
	void *p = NULL;
	cudaError_t err = cudaMalloc(&p, floats * sizeof(float));
	if (err != cudaSuccess) {
		vaccel_error("[cuda] cudaMalloc of %zu bytes: %s",
			     floats * sizeof(float), cudaGetErrorString(err));
		return VACCEL_ENOMEM;
	}
	cu.dev = p;
	cu.cap = floats;
	return VACCEL_OK;
}

static int run_locked(int m, int n, int k, float alpha, const float *a,
		      int lda, const float *b, int ldb, float beta, float *c,
		      int ldc)
{
	const size_t na = (size_t)m * k, nb = (size_t)k * n,
		     nc = (size_t)m * n;
	int ret = reserve(na + nb + nc);
	if (ret)
		return ret;
	float *da = cu.dev, *db = da + na, *dc = db + nb;
	cublasStatus_t st;

	/* Row-major A (m x k, lda) is column-major k x m with the same lda;
	 * on the device it is packed (leading dimension k), likewise B and C. */
	st = cublasSetMatrix(k, m, sizeof(float), a, lda, da, k);
	if (st != CUBLAS_STATUS_SUCCESS)
		return cublas_err("copying A to the device", st);
	st = cublasSetMatrix(n, k, sizeof(float), b, ldb, db, n);
	if (st != CUBLAS_STATUS_SUCCESS)
		return cublas_err("copying B to the device", st);
	/* With beta 0 cuBLAS does not read C, so it need not be sent. */
	if (beta != 0.0F) {
		st = cublasSetMatrix(n, m, sizeof(float), c, ldc, dc, n);
		if (st != CUBLAS_STATUS_SUCCESS)
			return cublas_err("copying C to the device", st);
	}
	st = cublasSgemm(cu.handle, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &alpha,
			 db, n, da, k, &beta, dc, n);
	if (st != CUBLAS_STATUS_SUCCESS)
		return cublas_err("cublasSgemm", st);
	/* Synchronous: returns once the product is in the caller's C. */
	st = cublasGetMatrix(n, m, sizeof(float), dc, n, c, ldc);
	if (st != CUBLAS_STATUS_SUCCESS)
		return cublas_err("copying C from the device", st);
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
	pthread_mutex_lock(&cu.lock);
	ret = run_locked((int)m, (int)n, (int)k, alpha, a, (int)lda, b,
			 (int)ldb, beta, c, (int)ldc);
	pthread_mutex_unlock(&cu.lock);
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
	VACCEL_PLUGIN_DESC_HEADER,
	.name = "cuda",
	.version = VACCEL_VERSION,
	.type = VACCEL_PLUGIN_GPU,
	.init = cuda_init,
	.fini = cuda_fini,
	VACCEL_PLUGIN_OPS(cuda_ops),
	.host_memory_register = cuda_host_register,
	.host_memory_unregister = cuda_host_unregister,
};

VACCEL_PLUGIN_ENTRY(cuda, cuda_plugin)
