/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blas: vaccel_sgemm on OpenBLAS (cblas_sgemm, row-major, no transposes).
 *
 * What the runtime has already checked (dimensions >= 0, leading dimensions
 * at least the row length, non-NULL matrices) is not checked again; what
 * is left is OpenBLAS's own limits and one place where it departs from the
 * BLAS definition (see vaccel_sgemm_scale_c() in plugins/common/sgemm.h).
 *
 * Threads: OpenBLAS runs as many threads as it decides to
 * (OPENBLAS_NUM_THREADS sets that), exactly as it would for the application
 * calling it directly. Its pthreads build may be called from several
 * threads at once and the plugin keeps no state, so concurrent vaccel_sgemm
 * calls need no lock here (tests/unit/test_blas.cpp runs some).
 */
#include <vaccel.h>

#include "common/sgemm.h"

#include <cblas.h>
#include <inttypes.h>
#include <limits.h>

static int blas_sgemm(struct vaccel_session *sess, int64_t m, int64_t n,
		      int64_t k, float alpha, float *a, int64_t lda, float *b,
		      int64_t ldb, float beta, float *c, int64_t ldc)
{
	/* OpenBLAS takes 32-bit ints. */
	int ret = vaccel_sgemm_prologue("blas", sess, m, n, k, alpha, lda, ldb,
					beta, c, ldc);
	if (ret != VACCEL_SGEMM_MULTIPLY)
		return ret;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n,
		    (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
	return VACCEL_OK;
}

static const struct vaccel_plugin_ops blas_ops = {
	.sgemm = blas_sgemm,
};

static const struct vaccel_plugin_desc blas_plugin = {
	VACCEL_PLUGIN_DESC("blas", VACCEL_VERSION, VACCEL_PLUGIN_CPU),
	VACCEL_PLUGIN_OPS(blas_ops),
};

VACCEL_PLUGIN_ENTRY(blas, blas_plugin)
