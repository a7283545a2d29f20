// SPDX-License-Identifier: Apache-2.0
// The blas plugin (OpenBLAS): vaccel_sgemm against a naive double-precision
// product, for many shapes, leading dimensions and alpha/beta, directly and
// through genop, from several threads at once.
#include "support.hpp"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

using vtest::boot;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
// Marks the padding of C past column n: sgemm must leave it alone.
constexpr float kPad = -12345.5F;

struct Case {
	int64_t m, n, k;
	int64_t lda, ldb, ldc; // 0: the row length
	float alpha, beta;
};

// Row-major matrices with their leading dimensions; padding of A and B is
// NaN, so that reading it would show in C.
struct Problem {
	Case p;
	std::vector<float> a, b, c;

	explicit Problem(Case cs, unsigned seed = 1) : p(cs)
	{
		if (!p.lda)
			p.lda = std::max<int64_t>(p.k, 1);
		if (!p.ldb)
			p.ldb = std::max<int64_t>(p.n, 1);
		if (!p.ldc)
			p.ldc = std::max<int64_t>(p.n, 1);
		std::mt19937 rng(seed);
		std::uniform_real_distribution<float> u(-1.0F, 1.0F);
		a.assign(p.m * p.lda, kNaN);
		b.assign(p.k * p.ldb, kNaN);
		c.assign(p.m * p.ldc, kPad);
		for (int64_t i = 0; i < p.m; ++i)
			for (int64_t j = 0; j < p.k; ++j)
				a[i * p.lda + j] = u(rng);
		for (int64_t i = 0; i < p.k; ++i)
			for (int64_t j = 0; j < p.n; ++j)
				b[i * p.ldb + j] = u(rng);
		for (int64_t i = 0; i < p.m; ++i)
			for (int64_t j = 0; j < p.n; ++j)
				c[i * p.ldc + j] = u(rng);
		// BLAS: with beta 0, C is output only; with alpha 0, A and B
		// are not read. NaN there must not reach the result.
		if (p.beta == 0.0F)
			for (int64_t i = 0; i < p.m; ++i)
				for (int64_t j = 0; j < p.n; ++j)
					c[i * p.ldc + j] = kNaN;
		if (p.alpha == 0.0F)
			std::fill(a.begin(), a.end(), kNaN);
	}

	int run(vaccel_session *s, std::vector<float> &out) const
	{
		out = c;
		return vaccel_sgemm(s, p.m, p.n, p.k, p.alpha,
				    const_cast<float *>(a.data()), p.lda,
				    const_cast<float *>(b.data()), p.ldb, p.beta,
				    out.data(), p.ldc);
	}

	// Elements of @p out that differ from the product computed in double
	// precision by more than the bound, plus padding elements written; the
	// first few described in @p why. A float product of length k has a
	// relative error of at most about k units of rounding against
	// sum |a||b|; alpha, beta and the sum add two more. The bound allowed
	// is (k + 2) * FLT_EPSILON, twice that.
	int wrong(const std::vector<float> &out, std::string *why) const
	{
		int bad = 0;
		auto note = [&](const std::string &s) {
			if (bad++ < 5 && why)
				*why += s + "\n";
		};
		for (int64_t i = 0; i < p.m; ++i) {
			for (int64_t j = 0; j < p.n; ++j) {
				double acc = 0, mag = 0;
				if (p.alpha != 0.0F)
					for (int64_t q = 0; q < p.k; ++q) {
						double x = (double)a[i * p.lda + q] *
							   b[q * p.ldb + j];
						acc += x;
						mag += std::fabs(x);
					}
				double old = p.beta == 0.0F ? 0.0
							    : c[i * p.ldc + j];
				double want = (double)p.alpha * acc +
					      (double)p.beta * old;
				double bound = (double)(p.k + 2) * FLT_EPSILON *
					       (std::fabs((double)p.alpha) * mag +
						std::fabs((double)p.beta * old));
				float got = out[i * p.ldc + j];
				if (!(std::fabs(got - want) <= bound))
					note("C[" + std::to_string(i) + "][" +
					     std::to_string(j) + "] = " +
					     std::to_string(got) + ", want " +
					     std::to_string(want) + " +- " +
					     std::to_string(bound));
			}
			for (int64_t j = p.n; j < p.ldc; ++j)
				if (std::memcmp(&out[i * p.ldc + j], &kPad,
						sizeof kPad) != 0)
					note("padding C[" + std::to_string(i) +
					     "][" + std::to_string(j) +
					     "] written");
		}
		return bad;
	}

	void check(const std::vector<float> &out) const
	{
		std::string why;
		EXPECT_EQ(wrong(out, &why), 0) << why;
	}
};

class Blas : public vtest::Runtime {
protected:
	void SetUp() override
	{
		ASSERT_EQ(boot({"blas"}), VACCEL_OK);
		ASSERT_EQ(vaccel_session_init(&sess, 0), VACCEL_OK);
	}
	void TearDown() override
	{
		EXPECT_EQ(vaccel_session_release(&sess), VACCEL_OK);
		vtest::Runtime::TearDown();
	}
	void expect_right(const Case &cs)
	{
		SCOPED_TRACE(::testing::Message()
			     << "m=" << cs.m << " n=" << cs.n << " k=" << cs.k
			     << " lda=" << cs.lda << " ldb=" << cs.ldb
			     << " ldc=" << cs.ldc << " alpha=" << cs.alpha
			     << " beta=" << cs.beta);
		Problem pb(cs);
		std::vector<float> out;
		ASSERT_EQ(pb.run(&sess, out), VACCEL_OK);
		pb.check(out);
	}
	vaccel_session sess{};
};

} // namespace

TEST_F(Blas, ServesSgemmOnTheCpu)
{
	EXPECT_STREQ(vaccel_plugin_for_op(VACCEL_OP_BLAS_SGEMM, 0), "blas");
	EXPECT_STREQ(vaccel_plugin_for_op(VACCEL_OP_BLAS_SGEMM,
					  VACCEL_PLUGIN_CPU),
		     "blas");
	EXPECT_EQ(vaccel_plugin_for_op(VACCEL_OP_FPGA_VECTORADD, 0), nullptr);
	const char *name = nullptr;
	uint32_t type = 0;
	ASSERT_EQ(vaccel_plugin_info(0, &name, nullptr, &type), VACCEL_OK);
	EXPECT_STREQ(name, "blas");
	EXPECT_EQ(type, (uint32_t)VACCEL_PLUGIN_CPU);
}

TEST_F(Blas, SmallProductIsExact)
{
	// Small integers: every rounding is exact, so the answer is too.
	float a[6] = {1, 2, 3, 4, 5, 6}; // 2x3
	float b[6] = {7, 8, 9, 10, 11, 12}; // 3x2
	float c[4] = {1, 1, 1, 1};
	ASSERT_EQ(vaccel_sgemm(&sess, 2, 2, 3, 2.0F, a, 3, b, 2, 3.0F, c, 2),
		  VACCEL_OK);
	EXPECT_EQ(c[0], 2 * 58 + 3.0F);
	EXPECT_EQ(c[1], 2 * 64 + 3.0F);
	EXPECT_EQ(c[2], 2 * 139 + 3.0F);
	EXPECT_EQ(c[3], 2 * 154 + 3.0F);
}

TEST_F(Blas, SquareShapes)
{
	for (int64_t n : {1, 2, 3, 8, 17, 64, 100, 200})
		expect_right({n, n, n, 0, 0, 0, 1.0F, 0.0F});
}

TEST_F(Blas, NonSquareShapes)
{
	const Case cases[] = {
		{1, 7, 3, 0, 0, 0, 1.0F, 0.0F},
		{7, 1, 5, 0, 0, 0, 1.0F, 0.0F},
		{3, 5, 1, 0, 0, 0, 1.0F, 0.0F},
		{33, 17, 65, 0, 0, 0, 1.0F, 0.0F},
		{128, 3, 300, 0, 0, 0, 1.0F, 0.0F},
		{5, 200, 64, 0, 0, 0, 1.0F, 0.0F},
		{150, 90, 40, 0, 0, 0, 1.0F, 0.0F},
	};
	for (const Case &cs : cases)
		expect_right(cs);
}

TEST_F(Blas, LeadingDimensionsLargerThanTheWidth)
{
	// Padding of A and B is NaN and that of C a marker: the product must
	// neither read the first nor write the second.
	const Case cases[] = {
		{4, 5, 6, 9, 8, 7, 1.0F, 0.0F},
		{17, 33, 9, 16, 40, 64, 1.5F, 0.5F},
		{64, 64, 64, 65, 70, 100, 1.0F, 1.0F},
		{1, 3, 2, 5, 4, 10, -1.0F, 2.0F},
	};
	for (const Case &cs : cases)
		expect_right(cs);
}

TEST_F(Blas, AlphaAndBetaZeroOneAndOthers)
{
	// Small sizes take OpenBLAS's small-matrix kernels, larger ones its
	// blocked path; both must give the BLAS result, including the
	// special meaning of 0 (the operand is not read: NaN stays out).
	for (int64_t n : {6, 96})
		for (float alpha : {0.0F, 1.0F, -2.5F, 0.75F})
			for (float beta : {0.0F, 1.0F, 0.5F, -3.0F})
				expect_right({n, n + 3, n + 1, 0, 0, 0, alpha,
					      beta});
}

TEST_F(Blas, AlphaZeroScalesCExactly)
{
	Problem pb({5, 4, 3, 0, 0, 0, 0.0F, 0.5F});
	std::vector<float> out;
	ASSERT_EQ(pb.run(&sess, out), VACCEL_OK);
	for (size_t i = 0; i < out.size(); ++i)
		EXPECT_EQ(out[i], pb.c[i] * 0.5F) << i;
	Problem both0({5, 4, 3, 0, 0, 0, 0.0F, 0.0F});
	ASSERT_EQ(both0.run(&sess, out), VACCEL_OK);
	for (float x : out)
		EXPECT_EQ(x, 0.0F);
}

TEST_F(Blas, EmptyDimensions)
{
	std::vector<float> c(6, 2.0F);
	float a[6] = {1, 1, 1, 1, 1, 1}, b[6] = {1, 1, 1, 1, 1, 1};
	// m or n 0: nothing to write.
	ASSERT_EQ(vaccel_sgemm(&sess, 0, 3, 2, 1.0F, a, 2, b, 3, 0.0F, c.data(), 3),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_sgemm(&sess, 2, 0, 2, 1.0F, a, 2, b, 1, 0.0F, c.data(), 1),
		  VACCEL_OK);
	EXPECT_EQ(c, std::vector<float>(6, 2.0F));
	// k 0: A B is empty, C = beta C.
	ASSERT_EQ(vaccel_sgemm(&sess, 2, 3, 0, 1.0F, nullptr, 1, nullptr, 3,
			       0.5F, c.data(), 3),
		  VACCEL_OK);
	EXPECT_EQ(c, std::vector<float>(6, 1.0F));
}

TEST_F(Blas, DimensionsBeyondOpenBlasAreRefused)
{
	// OpenBLAS takes 32-bit sizes; a leading dimension of 2^31 cannot be
	// passed on, and C (1x1, so ldc touches nothing) stays as it was.
	float a = 2, b = 3, c = 7;
	EXPECT_EQ(vaccel_sgemm(&sess, 1, 1, 1, 1.0F, &a, 1, &b, 1, 0.0F, &c,
			       int64_t{1} << 31),
		  VACCEL_EINVAL);
	EXPECT_EQ(c, 7.0F);
	EXPECT_EQ(vaccel_sgemm(&sess, 1, 1, 1, 1.0F, &a, int64_t{1} << 31, &b,
			       1, 0.0F, &c, 1),
		  VACCEL_EINVAL);
	EXPECT_EQ(c, 7.0F);
	ASSERT_EQ(vaccel_sgemm(&sess, 1, 1, 1, 1.0F, &a, 1, &b, 1, 0.0F, &c, 1),
		  VACCEL_OK);
	EXPECT_EQ(c, 6.0F);
}

TEST_F(Blas, ConcurrentCallsFromThreads)
{
	// Sizes large enough for OpenBLAS to use its own threads too.
	constexpr int kThreads = 4, kRounds = 3;
	std::vector<std::thread> threads;
	std::vector<int> failures(kThreads, 0);
	for (int t = 0; t < kThreads; ++t)
		threads.emplace_back([&, t] {
			for (int r = 0; r < kRounds; ++r) {
				int64_t n = 120 + 8 * t + r;
				Problem pb({n, n, n, 0, 0, 0, 1.0F, 0.5F},
					   100 * t + r);
				std::vector<float> out;
				if (pb.run(&sess, out) != VACCEL_OK) {
					++failures[t];
					continue;
				}
				// Not with gtest macros off the main thread.
				failures[t] += pb.wrong(out, nullptr);
			}
		});
	for (auto &th : threads)
		th.join();
	for (int t = 0; t < kThreads; ++t)
		EXPECT_EQ(failures[t], 0) << "thread " << t;
}

namespace {

// genop argument lists; the scalars live in the builder.
struct Args {
	std::vector<vaccel_arg> v;
	std::vector<std::vector<char>> store;
	template <class T> Args &val(T x, vaccel_arg_type_t type)
	{
		store.emplace_back(sizeof(T));
		std::memcpy(store.back().data(), &x, sizeof(T));
		return ptr(store.back().data(), sizeof(T), type);
	}
	Args &ptr(void *p, size_t n, vaccel_arg_type_t type)
	{
		v.push_back(vaccel_arg{p, n, type, 0, false});
		return *this;
	}
	vaccel_arg *data() { return v.data(); }
	int n() const { return (int)v.size(); }
};

} // namespace

TEST_F(Blas, GenopGivesTheSameProduct)
{
	Problem pb({17, 23, 31, 35, 29, 27, -1.25F, 0.5F});
	std::vector<float> direct;
	ASSERT_EQ(pb.run(&sess, direct), VACCEL_OK);
	pb.check(direct);

	const Case &p = pb.p;
	std::vector<float> c = pb.c;
	Args r, w;
	r.val<uint8_t>(VACCEL_OP_BLAS_SGEMM, VACCEL_ARG_UINT8)
		.val<int64_t>(p.m, VACCEL_ARG_INT64)
		.val<int64_t>(p.n, VACCEL_ARG_INT64)
		.val<int64_t>(p.k, VACCEL_ARG_INT64)
		.val<float>(p.alpha, VACCEL_ARG_FLOAT32)
		.ptr(pb.a.data(), pb.a.size() * sizeof(float),
		     VACCEL_ARG_FLOAT32_ARRAY)
		.val<int64_t>(p.lda, VACCEL_ARG_INT64)
		.ptr(pb.b.data(), pb.b.size() * sizeof(float),
		     VACCEL_ARG_FLOAT32_ARRAY)
		.val<int64_t>(p.ldb, VACCEL_ARG_INT64)
		.val<float>(p.beta, VACCEL_ARG_FLOAT32)
		.val<int64_t>(p.ldc, VACCEL_ARG_INT64);
	w.ptr(c.data(), c.size() * sizeof(float), VACCEL_ARG_FLOAT32_ARRAY);
	ASSERT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()),
		  VACCEL_OK);
	pb.check(c);
	// Same plugin, same inputs, one thread at this size: same bits.
	EXPECT_EQ(0, std::memcmp(c.data(), direct.data(),
				 c.size() * sizeof(float)));
}
