// SPDX-License-Identifier: Apache-2.0
// The cuda plugin (cuBLAS). Where there is no GPU, it must say "no device"
// so that the next plugin, blas, serves sgemm; where there is one, its
// products must match a double-precision reference. Whether there is a GPU
// is found out here independently, from the driver itself.
#include "support.hpp"
#include "../gpu/sgemm_check.hpp"

#include <cstdlib>
#include <dlfcn.h>
#include <string>
#include <vector>

using vtest::boot;
using vtest::plugin;
using vtest::sgemm_wrong;

namespace {

// CUDA devices according to the driver (libcuda), 0 without a driver.
int gpus_from_driver()
{
	void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return 0;
	using init_fn = int (*)(unsigned);
	using count_fn = int (*)(int *);
	auto cu_init = reinterpret_cast<init_fn>(dlsym(h, "cuInit"));
	auto cu_count = reinterpret_cast<count_fn>(dlsym(h, "cuDeviceGetCount"));
	int n = 0;
	if (!cu_init || !cu_count || cu_init(0) != 0 || cu_count(&n) != 0)
		n = 0;
	// libcuda stays loaded: unloading the driver library is not
	// something it supports well, and the plugin will want it anyway.
	return n;
}

bool have_gpu()
{
	static const bool yes = gpus_from_driver() > 0;
	return yes;
}


class Cuda : public vtest::Runtime {};

} // namespace

TEST_F(Cuda, InitSaysNoDeviceExactlyWhenTheDriverHasNone)
{
	ASSERT_EQ(boot({}), VACCEL_OK);
	const int want = have_gpu() ? VACCEL_OK : VACCEL_ENODEV;
	EXPECT_EQ(vaccel_plugin_load(plugin("cuda").c_str()), want);
	EXPECT_EQ(vaccel_plugin_count(), have_gpu() ? 1u : 0u);
}

TEST_F(Cuda, WithoutAGpuBlasServesSgemm)
{
	// As a user would configure it: VACCEL_PLUGINS=cuda:blas (paths here,
	// the build tree is not on the loader's path).
	const char *old = getenv("VACCEL_PLUGINS");
	std::string saved = old ? old : "";
	std::string list = plugin("cuda") + ":" + plugin("blas");
	setenv("VACCEL_PLUGINS", list.c_str(), 1);
	int ret = vaccel_bootstrap();
	if (old)
		setenv("VACCEL_PLUGINS", saved.c_str(), 1);
	else
		unsetenv("VACCEL_PLUGINS");
	ASSERT_EQ(ret, VACCEL_OK);

	const char *want = have_gpu() ? "cuda" : "blas";
	EXPECT_EQ(vaccel_plugin_count(), have_gpu() ? 2u : 1u);
	// A GPU hint does not bring back a plugin that has no device.
	EXPECT_STREQ(vaccel_plugin_for_op(VACCEL_OP_BLAS_SGEMM,
					  VACCEL_PLUGIN_GPU),
		     want);
	EXPECT_STREQ(vaccel_plugin_for_op(VACCEL_OP_BLAS_SGEMM, 0), want);

	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, VACCEL_PLUGIN_GPU), VACCEL_OK);
	std::string why;
	EXPECT_EQ(sgemm_wrong(&s, 37, 29, 53, 53, 29, 29, 1.0F, 0.0F, &why), 0)
		<< why;
	EXPECT_EQ(sgemm_wrong(&s, 64, 64, 64, 70, 66, 80, -0.5F, 2.0F, &why),
		  0)
		<< why;
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
}

TEST_F(Cuda, SgemmOnTheGpuMatchesTheReference)
{
	if (!have_gpu())
		GTEST_SKIP() << "no CUDA device: cuBLAS path not run";
	ASSERT_EQ(boot({"cuda"}), VACCEL_OK);
	ASSERT_STREQ(vaccel_plugin_for_op(VACCEL_OP_BLAS_SGEMM, 0), "cuda");
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, VACCEL_PLUGIN_GPU), VACCEL_OK);
	struct Shape {
		int64_t m, n, k, lda, ldb, ldc;
	};
	// Square, non-square (the row-major/column-major swap shows on
	// these), and leading dimensions past the width.
	const Shape shapes[] = {
		{1, 1, 1, 1, 1, 1},	 {64, 64, 64, 64, 64, 64},
		{257, 257, 257, 257, 257, 257}, {3, 70, 5, 5, 70, 70},
		{70, 3, 11, 11, 3, 3},	 {33, 17, 65, 80, 20, 19},
		{128, 96, 200, 201, 97, 130},
	};
	for (const Shape &sh : shapes)
		for (float alpha : {0.0F, 1.0F, -1.5F})
			for (float beta : {0.0F, 1.0F, 0.25F}) {
				std::string why;
				EXPECT_EQ(sgemm_wrong(&s, sh.m, sh.n, sh.k,
						      sh.lda, sh.ldb, sh.ldc,
						      alpha, beta, &why),
					  0)
					<< "m=" << sh.m << " n=" << sh.n
					<< " k=" << sh.k << " alpha=" << alpha
					<< " beta=" << beta << "\n"
					<< why;
			}
	// More than cuBLAS's 32-bit sizes: refused, C untouched.
	float a = 2, b = 3, c = 7;
	EXPECT_EQ(vaccel_sgemm(&s, 1, 1, 1, 1.0F, &a, 1, &b, 1, 0.0F, &c,
			       int64_t{1} << 31),
		  VACCEL_EINVAL);
	EXPECT_EQ(c, 7.0F);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
}

// A problem larger than the device memory the plugin may use is tiled, on
// the GPU too (the tiling itself is tested without one: test_cuda_tiled.cpp).
TEST_F(Cuda, LargerThanVaccelCudaMaxMibIsTiled)
{
	if (!have_gpu())
		GTEST_SKIP() << "no CUDA device: cuBLAS path not run";
	setenv("VACCEL_CUDA_MAX_MIB", "1", 1); // read when the plugin loads
	int ret = boot({"cuda"});
	unsetenv("VACCEL_CUDA_MAX_MIB");
	ASSERT_EQ(ret, VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, VACCEL_PLUGIN_GPU), VACCEL_OK);
	std::string why;
	// 4.3 MB of A, B and C against 1 MiB: tiles of rows and of columns.
	EXPECT_EQ(sgemm_wrong(&s, 600, 500, 700, 703, 509, 511, 1.5F, 0.25F, &why), 0)
		<< why;
	EXPECT_EQ(sgemm_wrong(&s, 600, 500, 700, 700, 500, 500, -1.0F, 0.0F, &why), 0)
		<< why;
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
}
