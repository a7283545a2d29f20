/* SPDX-License-Identifier: Apache-2.0 */
/* What every plugin that hands sgemm to a 32-bit BLAS (OpenBLAS, cuBLAS)
 * must do before the call. Header-only: plugins share no library. */
#pragma once

#include <vaccel.h>

#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>

/* True if every dimension fits the library's int; logs why not. */
static inline bool vaccel_sgemm_dims_fit_int(const char *plugin,
					     struct vaccel_session *sess,
					     int64_t m, int64_t n, int64_t k,
					     int64_t lda, int64_t ldb,
					     int64_t ldc)
{
	if (m <= INT_MAX && n <= INT_MAX && k <= INT_MAX && lda <= INT_MAX &&
	    ldb <= INT_MAX && ldc <= INT_MAX)
		return true;
	vaccel_error("[%s] sgemm m=%" PRId64 " n=%" PRId64 " k=%" PRId64
		     " lda=%" PRId64 " ldb=%" PRId64 " ldc=%" PRId64
		     ": the library takes at most %d, session %" PRId64,
		     plugin, m, n, k, lda, ldb, ldc, INT_MAX, sess->id);
	return false;
}

/* C = beta * C, and C = 0 when beta is 0 (whatever C held, NaN included),
 * which is what sgemm means when alpha or k is 0: A and B are not read.
 * OpenBLAS 0.3.21's small-matrix kernels multiply A by alpha anyway, so a
 * NaN in A would come out in C for small sizes only; doing this case in the
 * plugin keeps the result the same at every size and on every library. */
static inline void vaccel_sgemm_scale_c(int64_t m, int64_t n, float beta,
					float *c, int64_t ldc)
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

/* What is left to a 32-bit BLAS: VACCEL_SGEMM_MULTIPLY if the plugin must
 * run the product, else the call's result, done here (dimensions that do
 * not fit its int refused; an empty C; alpha or k 0, where only C is
 * scaled and A and B are not read). */
#define VACCEL_SGEMM_MULTIPLY (-1)
static inline int vaccel_sgemm_prologue(const char *plugin,
					struct vaccel_session *sess,
					int64_t m, int64_t n, int64_t k,
					float alpha, int64_t lda, int64_t ldb,
					float beta, float *c, int64_t ldc)
{
	if (!vaccel_sgemm_dims_fit_int(plugin, sess, m, n, k, lda, ldb, ldc))
		return VACCEL_EINVAL;
	if (m == 0 || n == 0)
		return VACCEL_OK;
	if (alpha == 0.0F || k == 0) {
		vaccel_sgemm_scale_c(m, n, beta, c, ldc);
		return VACCEL_OK;
	}
	return VACCEL_SGEMM_MULTIPLY;
}
