// SPDX-License-Identifier: Apache-2.0
// vaccel_sgemm on a GPU checked against a double-precision reference, with
// nothing but libvaccel and the CUDA runtime: what scripts/gpu-check.sh
// runs on a GPU machine that has none of the test frameworks. Through
// whatever VACCEL_PLUGINS says (the cuda plugin, or rpc to an agent serving
// it). Shapes where the row-major/column-major swap shows, leading
// dimensions past the width, alpha and beta 0, problems larger than
// VACCEL_CUDA_MAX_MIB (set it to 1 to tile every one of them). Exit 0 all
// right, 1 a wrong result, 77 no CUDA device.
#include <vaccel.h>

#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace {

int wrong = 0;

void check(vaccel_session *s, int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb,
	   int64_t ldc, float alpha, float beta)
{
	std::mt19937 rng((unsigned)(m * 131 + n * 7 + k));
	std::uniform_real_distribution<float> u(-1, 1);
	std::vector<float> a((size_t)(m * lda)), b((size_t)(k * ldb)), c((size_t)(m * ldc));
	for (auto *v : {&a, &b, &c})
		for (auto &x : *v)
			x = u(rng);
	std::vector<float> c0 = c;
	int ret = vaccel_sgemm(s, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta,
			       c.data(), ldc);
	double worst = 0;
	bool padding = false;
	for (int64_t i = 0; i < m && !ret; ++i)
		for (int64_t j = 0; j < ldc; ++j) {
			size_t at = (size_t)(i * ldc + j);
			if (j >= n) {
				padding |= c[at] != c0[at];
				continue;
			}
			double ref = 0, mag = 0;
			for (int64_t l = 0; l < k; ++l) {
				double t = (double)a[(size_t)(i * lda + l)] * b[(size_t)(l * ldb + j)];
				ref += t;
				mag += std::fabs(t);
			}
			ref = alpha * ref + (beta != 0.0F ? (double)beta * c0[at] : 0.0);
			mag = std::fabs(alpha) * mag + std::fabs(beta * c0[at]);
			worst = std::max(worst, std::fabs(c[at] - ref) / std::max(mag, 1e-30));
		}
	bool bad = ret || padding || worst > 1e-5;
	printf("%s m=%lld n=%lld k=%lld ld=%lld/%lld/%lld alpha=%g beta=%g: %s "
	       "(relative error %.2g%s)\n",
	       bad ? "FAIL" : "ok", (long long)m, (long long)n, (long long)k,
	       (long long)lda, (long long)ldb, (long long)ldc, alpha, beta,
	       ret ? "error" : "done", worst, padding ? ", padding written" : "");
	wrong += bad;
}

} // namespace

int main()
{
	int devices = 0;
	if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
		fprintf(stderr, "no CUDA device\n");
		return 77;
	}
	vaccel_session s{};
	if (vaccel_session_init(&s, VACCEL_PLUGIN_GPU)) {
		fprintf(stderr, "no session: VACCEL_PLUGINS?\n");
		return 1;
	}
	struct Shape {
		int64_t m, n, k, lda, ldb, ldc;
	} shapes[] = {
		{1, 1, 1, 1, 1, 1},	   {64, 64, 64, 64, 64, 64},
		{257, 257, 257, 257, 257, 257}, {3, 70, 5, 5, 70, 70},
		{70, 3, 11, 11, 3, 3},	   {33, 17, 65, 80, 20, 19},
		{600, 500, 700, 703, 509, 511}, {1024, 1024, 1031, 1031, 1024, 1024},
	};
	for (const Shape &sh : shapes)
		for (float alpha : {0.0F, 1.0F, -1.5F})
			for (float beta : {0.0F, 1.0F, 0.25F})
				check(&s, sh.m, sh.n, sh.k, sh.lda, sh.ldb, sh.ldc, alpha, beta);
	vaccel_session_release(&s);
	printf("%s\n", wrong ? "sgemm on the GPU: WRONG results" : "sgemm on the GPU: all right");
	return wrong ? 1 : 0;
}
