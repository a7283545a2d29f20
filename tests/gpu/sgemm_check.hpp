// SPDX-License-Identifier: Apache-2.0
// vaccel_sgemm against a double-precision reference, for the GPU tests with
// and without a test framework (tests/unit/test_cuda.cpp,
// tests/gpu/check_sgemm.cpp). Needs libvaccel and the C++ library only.
#pragma once

#include <vaccel.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace vtest {

// Run sgemm on random data and count elements further from the double
// precision product than (k + 2) * FLT_EPSILON relative to sum |a||b|
// (twice the classic bound). Padding of A and B is NaN, padding of C a
// marker that must survive.
inline int sgemm_wrong(vaccel_session *s, int64_t m, int64_t n, int64_t k,
		int64_t lda, int64_t ldb, int64_t ldc, float alpha, float beta,
		std::string *why)
{
	const float nan = std::numeric_limits<float>::quiet_NaN();
	const float pad = -12345.5F;
	std::mt19937 rng((unsigned)(m * 131 + n * 17 + k));
	std::uniform_real_distribution<float> u(-1.0F, 1.0F);
	std::vector<float> a(m * lda, nan), b(k * ldb, nan), c(m * ldc, pad);
	for (int64_t i = 0; i < m; ++i)
		for (int64_t j = 0; j < k; ++j)
			a[i * lda + j] = alpha == 0.0F ? nan : u(rng);
	for (int64_t i = 0; i < k; ++i)
		for (int64_t j = 0; j < n; ++j)
			b[i * ldb + j] = u(rng);
	for (int64_t i = 0; i < m; ++i)
		for (int64_t j = 0; j < n; ++j)
			c[i * ldc + j] = beta == 0.0F ? nan : u(rng);
	std::vector<float> out = c;
	int ret = vaccel_sgemm(s, m, n, k, alpha, a.data(), lda, b.data(), ldb,
			       beta, out.data(), ldc);
	if (ret != VACCEL_OK) {
		*why = "vaccel_sgemm returned " + std::to_string(ret);
		return -1;
	}
	int bad = 0;
	for (int64_t i = 0; i < m; ++i) {
		for (int64_t j = 0; j < n; ++j) {
			double acc = 0, mag = 0;
			if (alpha != 0.0F)
				for (int64_t q = 0; q < k; ++q) {
					double x = (double)a[i * lda + q] *
						   b[q * ldb + j];
					acc += x;
					mag += std::fabs(x);
				}
			double old = beta == 0.0F ? 0.0 : c[i * ldc + j];
			double want = (double)alpha * acc + (double)beta * old;
			double bound = (double)(k + 2) * FLT_EPSILON *
				       (std::fabs((double)alpha) * mag +
					std::fabs((double)beta * old));
			float got = out[i * ldc + j];
			if (!(std::fabs(got - want) <= bound) && bad++ < 5)
				*why += "C[" + std::to_string(i) + "][" +
					std::to_string(j) + "] = " +
					std::to_string(got) + ", want " +
					std::to_string(want) + "\n";
		}
		for (int64_t j = n; j < ldc; ++j)
			if (out[i * ldc + j] != pad && bad++ < 5)
				*why += "padding written\n";
	}
	return bad;
}

} // namespace vtest
