/* SPDX-License-Identifier: Apache-2.0 */
/* A plain CPU sgemm, the reference the fallback tests expect to be served. */
#include "common.h"

static int cpu_sgemm(struct vaccel_session *sess, int64_t m, int64_t n,
		     int64_t k, float alpha, float *a, int64_t lda, float *b,
		     int64_t ldb, float beta, float *c, int64_t ldc)
{
	(void)sess;
	for (int64_t i = 0; i < m; ++i)
		for (int64_t j = 0; j < n; ++j) {
			double acc = 0;
			for (int64_t p = 0; p < k; ++p)
				acc += (double)a[i * lda + p] * b[p * ldb + j];
			c[i * ldc + j] = (float)(alpha * acc + beta * c[i * ldc + j]);
		}
	return VACCEL_OK;
}

TEST_PLUGIN(cpu, "test-cpu", VACCEL_PLUGIN_CPU, NULL, cpu_sgemm)
VACCEL_PLUGIN_ENTRY(cpu, cpu_desc)
