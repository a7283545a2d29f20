// SPDX-License-Identifier: Apache-2.0
// The cuda plugin's tiling (plugins/cuda/tiled.hpp) on a device made of host
// memory whose streams run only when waited for, as a real device's may run
// late: a result read or a staging buffer reused before its stream was
// waited for shows up as a wrong product. Exact leading dimensions, beta,
// tiles of rows and of columns, B in chunks, threads for large copies.
#include "../../plugins/cuda/tiled.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

namespace {

class LateDevice {
public:
	bool reserve(size_t dev_floats, size_t stage_floats)
	{
		if (dev_floats > dev_limit)
			return false;
		dev_.assign(dev_floats, NAN); // what was never written is NaN
		for (auto &s : stage_)
			s.assign(stage_floats, NAN);
		return true;
	}
	float *device() { return dev_.data(); }
	float *staging(int set) { return stage_[set].data(); }
	// "Page-locked": the operands a test names; the rest is staged.
	bool pinned(const float *h) const
	{
		return std::find(pinned_.begin(), pinned_.end(), h) != pinned_.end();
	}
	void pin(const float *h) { pinned_.push_back(h); }
	int h2d(int s, float *d, int64_t dp, const float *h, int64_t hp, int64_t w,
		int64_t rows)
	{
		check(d, (size_t)((rows - 1) * dp + w), dev_);
		if (!from_pinned_or_staging(h))
			return VACCEL_EINVAL;
		queue_[s].push_back([=] {
			for (int64_t r = 0; r < rows; ++r)
				std::copy(h + r * hp, h + r * hp + w, d + r * dp);
		});
		return VACCEL_OK;
	}
	int d2h(int s, float *h, int64_t hp, const float *d, int64_t dp, int64_t w,
		int64_t rows)
	{
		check(d, (size_t)((rows - 1) * dp + w), dev_);
		if (!from_pinned_or_staging(h))
			return VACCEL_EINVAL;
		queue_[s].push_back([=] {
			for (int64_t r = 0; r < rows; ++r)
				std::copy(d + r * dp, d + r * dp + w, h + r * hp);
		});
		return VACCEL_OK;
	}
	int direct = 0; // copies that did not go through staging
	int gemm(int s, int m, int n, int k, float alpha, const float *a, const float *b,
		 float beta, float *c)
	{
		++gemms;
		max_rows = std::max(max_rows, m);
		queue_[s].push_back([=] {
			for (int i = 0; i < m; ++i)
				for (int j = 0; j < n; ++j) {
					double acc = 0;
					for (int l = 0; l < k; ++l)
						acc += (double)a[i * k + l] * b[l * n + j];
					float prev = beta != 0.0F ? c[i * n + j] : 0.0F;
					c[i * n + j] = (float)(alpha * acc + (double)beta * prev);
				}
		});
		return VACCEL_OK;
	}
	int sync(int s)
	{
		for (auto &op : queue_[s])
			op();
		queue_[s].clear();
		return fail_sync ? VACCEL_EIO : VACCEL_OK;
	}
	size_t dev_limit = SIZE_MAX;
	int gemms = 0, max_rows = 0;
	bool fail_sync = false;
	bool out_of_bounds = false;

private:
	// A device copies only page-locked memory asynchronously: from a
	// staging set, or from (or to) a pinned operand's rows.
	bool from_pinned_or_staging(const float *h)
	{
		for (auto &st : stage_)
			if (h >= st.data() && h < st.data() + st.size())
				return true;
		for (const float *p : pinned_)
			if (h >= p && h < p + (1 << 24)) {
				++direct;
				return true;
			}
		return false;
	}
	std::vector<const float *> pinned_;
	void check(const float *d, size_t n, const std::vector<float> &v)
	{
		if (d < v.data() || d + n > v.data() + v.size())
			out_of_bounds = true;
	}
	std::vector<float> dev_, stage_[2];
	std::vector<std::function<void()>> queue_[2];
};

struct Problem {
	int64_t m, n, k, lda, ldb, ldc;
	float alpha, beta;
};

// C (with its padding) after the tiled product, and the largest relative
// error of its m x n part against a double reference; padding must stay.
double run(const Problem &P, const vaccel::cuda::Limits &lim, LateDevice &dev, int *ret,
	   bool pin_a = false, bool pin_b = false, bool pin_c = false)
{
	std::mt19937 rng(7);
	std::uniform_real_distribution<float> u(-1, 1);
	std::vector<float> a((size_t)(P.m * P.lda)), b((size_t)(P.k * P.ldb)),
		c((size_t)(P.m * P.ldc));
	for (auto *v : {&a, &b, &c})
		for (auto &x : *v)
			x = u(rng);
	std::vector<float> c0 = c;
	if (pin_a)
		dev.pin(a.data());
	if (pin_b)
		dev.pin(b.data());
	if (pin_c)
		dev.pin(c.data());
	*ret = vaccel::cuda::tiled_sgemm(dev, lim, P.m, P.n, P.k, P.alpha, a.data(),
					 P.lda, b.data(), P.ldb, P.beta, c.data(), P.ldc);
	double worst = 0;
	for (int64_t i = 0; i < P.m; ++i) {
		for (int64_t j = 0; j < P.ldc; ++j) {
			double got = c[(size_t)(i * P.ldc + j)];
			if (j >= P.n) { // padding: untouched
				if (got != c0[(size_t)(i * P.ldc + j)])
					return INFINITY;
				continue;
			}
			double ref = 0, mag = 0;
			for (int64_t l = 0; l < P.k; ++l) {
				double t = (double)a[(size_t)(i * P.lda + l)] * b[(size_t)(l * P.ldb + j)];
				ref += t;
				mag += std::fabs(t);
			}
			ref = P.alpha * ref + (double)P.beta * c0[(size_t)(i * P.ldc + j)];
			mag = std::fabs(P.alpha) * mag + std::fabs(P.beta * c0[(size_t)(i * P.ldc + j)]);
			worst = std::max(worst, std::fabs(got - ref) / std::max(mag, 1e-30));
		}
	}
	return worst;
}

} // namespace

TEST(CudaTiled, PlansTilesWithinTheLimits)
{
	vaccel::cuda::Limits lim{1u << 20, 1u << 16, 8, 1};
	auto p = vaccel::cuda::plan(4096, 4096, 4103, lim);
	EXPECT_GT(p.tm, 0);
	EXPECT_LE(p.device_floats(), lim.device_floats);
	EXPECT_LE(p.staging_floats(), lim.staging_floats);
	EXPECT_LE(p.b_floats, lim.device_floats / 2);
	// All of a small problem in one tile.
	p = vaccel::cuda::plan(10, 20, 30, {1u << 20, 1u << 16, 8, 1});
	EXPECT_EQ(p.tm, 10);
	EXPECT_EQ(p.tn, 20);
	// Not even one column of B fits.
	p = vaccel::cuda::plan(10, 20, 1000, {1000, 1u << 16, 8, 1});
	EXPECT_EQ(p.tm, 0);
}

TEST(CudaTiled, ExactForEveryShapeTilingAndBeta)
{
	const Problem problems[] = {
		{37, 29, 41, 41, 29, 29, 1.5F, 0.25F},	 // packed
		{37, 29, 41, 45, 33, 31, 1.5F, 0.25F},	 // padded rows everywhere
		{37, 29, 41, 45, 33, 31, -0.5F, 0.0F},	 // beta 0: C not read
		{64, 64, 71, 71, 64, 64, 1.0F, 1.0F},	 // k = n + 7, as measured
		{1, 1, 1, 1, 1, 1, 2.0F, 3.0F},
		{300, 5, 2, 2, 5, 9, 1.0F, -1.0F},	 // tall, thin
	};
	// One tile; rows only; rows and columns; B in many chunks.
	const vaccel::cuda::Limits limits[] = {
		{1u << 20, 1u << 18, 1, 1},
		{1u << 20, 1u << 18, 4, 1},
		{12000, 1500, 3, 1},
		{6000, 400, 5, 2},
	};
	for (const auto &lim : limits)
		for (const auto &P : problems) {
			LateDevice dev;
			int ret = -1;
			double err = run(P, lim, dev, &ret);
			SCOPED_TRACE(::testing::Message()
				     << P.m << "x" << P.n << "x" << P.k << " ld " << P.lda
				     << "/" << P.ldb << "/" << P.ldc << " beta " << P.beta
				     << " limits " << lim.device_floats << "/" << lim.staging_floats);
			ASSERT_EQ(ret, VACCEL_OK);
			EXPECT_LE(err, 1e-5);
			EXPECT_FALSE(dev.out_of_bounds);
		}
}

// Operands in page-locked memory (the agent's arena) go to and from the
// device from their own rows: same results, no staging for them.
TEST(CudaTiled, PinnedOperandsAreCopiedInPlace)
{
	const Problem P{37, 29, 41, 45, 33, 31, 1.5F, 0.25F};
	const vaccel::cuda::Limits lim{12000, 1500, 3, 1};
	for (int mask = 1; mask < 8; ++mask) {
		LateDevice dev;
		int ret = -1;
		SCOPED_TRACE(mask);
		EXPECT_LE(run(P, lim, dev, &ret, mask & 1, mask & 2, mask & 4), 1e-5);
		EXPECT_EQ(ret, VACCEL_OK);
		EXPECT_GT(dev.direct, 0);
		EXPECT_FALSE(dev.out_of_bounds);
	}
}

TEST(CudaTiled, LargerThanTheDeviceBudgetIsTiled)
{
	// 200 x 150 x 120: A, B and C alone are 72,000 floats; the device may
	// hold 20,000.
	Problem P{200, 150, 120, 120, 150, 150, 1.5F, 0.25F};
	vaccel::cuda::Limits lim{20000, 4000, 8, 1};
	LateDevice dev;
	dev.dev_limit = lim.device_floats;
	int ret = -1;
	EXPECT_LE(run(P, lim, dev, &ret), 1e-5);
	ASSERT_EQ(ret, VACCEL_OK);
	EXPECT_GT(dev.gemms, 4);
	EXPECT_LT(dev.max_rows, 200);
}

TEST(CudaTiled, LargeCopiesSplitOverThreads)
{
	// 2048 x 1024 floats per pack (8 MiB): the threaded copy path.
	Problem P{2048, 1024, 2, 5, 1030, 1027, 1.0F, 0.5F};
	vaccel::cuda::Limits lim{1u << 24, 1u << 22, 1, 4};
	LateDevice dev;
	int ret = -1;
	EXPECT_LE(run(P, lim, dev, &ret), 1e-5);
	EXPECT_EQ(ret, VACCEL_OK);
}

TEST(CudaTiled, ErrorsAreReturned)
{
	Problem P{40, 30, 20, 20, 30, 30, 1.0F, 0.0F};
	LateDevice dev;
	dev.fail_sync = true;
	int ret = 0;
	run(P, {1u << 20, 1u << 18, 4, 1}, dev, &ret);
	EXPECT_EQ(ret, VACCEL_EIO);
	// Too little device memory for one column: refused, C untouched.
	LateDevice small;
	std::vector<float> a(20 * 1000, 1), b(1000, 1), c(20, 7);
	EXPECT_EQ(vaccel::cuda::tiled_sgemm(small, {1000, 100, 1, 1}, 20, 1, 1000, 1.0F,
					    a.data(), 1000, b.data(), 1, 0.0F, c.data(), 1),
		  VACCEL_ENOMEM);
	EXPECT_EQ(c[0], 7);
	LateDevice refuses;
	refuses.dev_limit = 10;
	EXPECT_EQ(vaccel::cuda::tiled_sgemm(refuses, {1u << 20, 1u << 18, 1, 1}, 20, 1, 1000,
					    1.0F, a.data(), 1000, b.data(), 1, 0.0F, c.data(),
					    1),
		  VACCEL_ENOMEM);
}
