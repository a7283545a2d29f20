/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blas: vaccel_sgemm on OpenBLAS (cblas_sgemm, row-major, no transposes).
 *
 * What the runtime has already checked (dimensions >= 0, leading dimensions
 * at least the row length, non-NULL matrices) is not checked again; what
 * is left is OpenBLAS's own limits and one place where it departs from the
 * BLAS definition (see scale_c()).
 *
 * Threads: OpenBLAS runs as many threads as it decides to
 * (OPENBLAS_NUM_THREADS sets that), exactly as it would for the application
 * calling it directly. Its pthreads build may be called from several
 * threads at once and the plugin keeps no state, so concurrent vaccel_sgemm
 * calls need no lock here (tests/unit/test_blas.cpp runs some).
 */
#include <vaccel.h>

#include <cblas.h>
#include <inttypes.h>
#include <limits.h>

/* C = beta * C, and C = 0 when beta is 0 (whatever C held, NaN included),
 * which is what sgemm means when alpha or k is 0: A and B are not read.
 * OpenBLAS 0.3.21's small-matrix kernels multiply A by alpha anyway, so a
 * NaN in A would come out in C for small sizes only; doing this case here
 * keeps the result the same at every size. */
static void scale_c(int64_t m, int64_t n, float beta, float *c, int64_t ldc)
{
	for (int64_t i = 0; i < m; ++i) {
		float *row = c + i * ldc;
		if (beta == 0.0F) {
			for (int64_t j = 0; j < n; ++j)
				row[j] = 0.0F;
		} else if (beta != 1.0F) {
			for (int64_t j = 0; j < n; ++j)
				row[j] *= beta;
		}
	}
}

static int blas_sgemm(struct vaccel_session *sess, int64_t m, int64_t n,
		      int64_t k, float alpha, float *a, int64_t lda, float *b,
		      int64_t ldb, float beta, float *c, int64_t ldc)
{
	/* OpenBLAS takes 32-bit ints (Debian's build is not ILP64). */
	if (m > INT_MAX || n > INT_MAX || k > INT_MAX || lda > INT_MAX ||
	    ldb > INT_MAX || ldc > INT_MAX) {
		vaccel_error("[blas] sgemm m=%" PRId64 " n=%" PRId64
			     " k=%" PRId64 " lda=%" PRId64 " ldb=%" PRId64
			     " ldc=%" PRId64 ": OpenBLAS takes at most %d, "
			     "session %" PRId64,
			     m, n, k, lda, ldb, ldc, INT_MAX, sess->id);
		return VACCEL_EINVAL;
	}
	if (m == 0 || n == 0)
		return VACCEL_OK;
	if (alpha == 0.0F || k == 0) {
		scale_c(m, n, beta, c, ldc);
		return VACCEL_OK;
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n,
		    (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
	return VACCEL_OK;
}

static const struct vaccel_plugin_ops blas_ops = {
	.sgemm = blas_sgemm,
};

static const struct vaccel_plugin_desc blas_plugin = {
	VACCEL_PLUGIN_DESC_HEADER,
	.name = "blas",
	.version = VACCEL_VERSION,
	.type = VACCEL_PLUGIN_CPU,
	VACCEL_PLUGIN_OPS(blas_ops),
};

VACCEL_PLUGIN_ENTRY(blas, blas_plugin)
