/* SPDX-License-Identifier: Apache-2.0 */
/* C = alpha * A * B + beta * C through whichever plugin serves sgemm, checked
 * against a plain loop computed here.
 *   VACCEL_PLUGINS=<plugin> ./sgemm [n] [iterations] */
#include <vaccel.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char *argv[])
{
	const int64_t n = argc > 1 ? atoll(argv[1]) : 256;
	const int iter = argc > 2 ? atoi(argv[2]) : 1;
	const float alpha = 1.5F, beta = 0.5F;
	if (n <= 0 || n > 8192) {
		fprintf(stderr, "Usage: %s [n (1..8192)] [iterations]\n", argv[0]);
		return 2;
	}
	size_t nn = (size_t)(n * n);
	float *a = malloc(nn * sizeof(float)), *b = malloc(nn * sizeof(float));
	float *c = malloc(nn * sizeof(float)), *c0 = malloc(nn * sizeof(float));
	if (!a || !b || !c || !c0)
		return 1;
	for (size_t i = 0; i < nn; ++i) {
		a[i] = (float)(i % 7) / 7.0F;
		b[i] = (float)(i % 5) / 5.0F;
		c[i] = c0[i] = (float)(i % 3);
	}

	struct vaccel_session sess;
	struct vaccel_prof_region region = VACCEL_PROF_REGION_INIT("sgemm");
	int ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session: %d\n", ret);
		return 1;
	}
	for (int i = 0; i < iter && !ret; i++) {
		for (size_t j = 0; j < nn; ++j)
			c[j] = c0[j];
		vaccel_prof_region_start(&region);
		ret = vaccel_sgemm(&sess, n, n, n, alpha, a, n, b, n, beta, c, n);
		vaccel_prof_region_stop(&region);
	}
	if (ret) {
		fprintf(stderr, "sgemm failed: %d\n", ret);
	} else {
		/* Spot-check a few entries against a direct computation. */
		double worst = 0;
		for (int64_t s = 0; s < 16; ++s) {
			int64_t i = (s * 37) % n, j = (s * 91) % n;
			double acc = 0;
			for (int64_t p = 0; p < n; ++p)
				acc += (double)a[i * n + p] * b[p * n + j];
			double want = alpha * acc + beta * c0[i * n + j];
			double err = fabs(want - c[i * n + j]) / (fabs(want) + 1e-6);
			worst = err > worst ? err : worst;
		}
		printf("sgemm %" PRId64 "x%" PRId64 ": c[0]=%g, worst relative "
		       "error %.2e (%s plugin)\n",
		       n, n, (double)c[0], worst,
		       vaccel_plugin_for_op(VACCEL_OP_BLAS_SGEMM, 0));
	}
	vaccel_prof_region_print(&region);
	vaccel_prof_region_release(&region);
	vaccel_session_release(&sess);
	free(a);
	free(b);
	free(c);
	free(c0);
	return ret ? 1 : 0;
}
