// SPDX-License-Identifier: Apache-2.0
// The opencl plugin on whatever OpenCL device the machine has (PoCL on the
// CPU in CI): the four fpga operations bit for bit against references
// computed here, device selection from the environment, and kernels from
// a program binary, given as a file or registered as a session resource.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include "support.hpp"

#include <cctype>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

using vtest::boot;
using vtest::plugin;

namespace {

const char *const kEnv[] = {"VACCEL_OPENCL_PLATFORM", "VACCEL_OPENCL_DEVICE",
			    "VACCEL_OPENCL_BINARY"};
const size_t kSizes[] = {1, 1000, size_t{1} << 20};

// Same kernel names and arguments as plugins/opencl/kernels.cl, different
// results: a program built from this shows which program actually ran.
const char kOtherKernels[] = R"CLC(
__kernel void vadd(__global const float *a, __global const float *b,
		   __global float *c, const ulong len_a, const ulong len_b,
		   const ulong n)
{
	size_t i = get_global_id(0);
	if (i < n)
		c[i] = (i < len_a ? a[i] : 0.0f) - (i < len_b ? b[i] : 0.0f);
}
__kernel void arraycopy(__global const int *a, __global int *out_a,
			const ulong n)
{
	size_t i = get_global_id(0);
	if (i < n)
		out_a[i] = a[i] + 1;
}
__kernel void mmult(__global const float *a, __global const float *b,
		    __global float *c, const ulong n)
{
	size_t i = get_global_id(0);
	if (i < n)
		c[i] = a[i] + b[i];
}
__kernel void parallel(__global const float *a, __global const float *b,
		       __global float *add_output, __global float *mult_output,
		       const ulong n)
{
	size_t i = get_global_id(0);
	if (i < n) {
		add_output[i] = a[i] - b[i];
		mult_output[i] = a[i] + b[i];
	}
}
)CLC";

// Only vadd: a binary the plugin must refuse.
const char kIncompleteKernels[] = R"CLC(
__kernel void vadd(__global const float *a, __global const float *b,
		   __global float *c, const ulong len_a, const ulong len_b,
		   const ulong n)
{
	size_t i = get_global_id(0);
	if (i < n)
		c[i] = a[i] + b[i];
}
)CLC";

std::string read_file(const char *path)
{
	std::ifstream in(path, std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

// The device the plugin picks with no configuration: the first device of
// the first platform that has one.
bool default_device(cl_platform_id *p, cl_device_id *d)
{
	cl_uint np = 0;
	if (clGetPlatformIDs(0, nullptr, &np) != CL_SUCCESS || np == 0)
		return false;
	std::vector<cl_platform_id> ps(np);
	clGetPlatformIDs(np, ps.data(), nullptr);
	for (cl_platform_id pl : ps) {
		cl_uint nd = 0;
		if (clGetDeviceIDs(pl, CL_DEVICE_TYPE_ALL, 1, d, &nd) ==
			    CL_SUCCESS &&
		    nd > 0) {
			*p = pl;
			return true;
		}
	}
	return false;
}

std::string device_info_str(cl_device_id d, cl_device_info what)
{
	char buf[256] = {};
	clGetDeviceInfo(d, what, sizeof buf - 1, buf, nullptr);
	return buf;
}

std::string platform_info_str(cl_platform_id p, cl_platform_info what)
{
	char buf[256] = {};
	clGetPlatformInfo(p, what, sizeof buf - 1, buf, nullptr);
	return buf;
}

// Compile @p src for the default device and return the program binary, as
// an offline compiler (or an FPGA toolchain) would hand it over.
std::vector<unsigned char> build_binary(const std::string &src)
{
	cl_platform_id p;
	cl_device_id d;
	if (!default_device(&p, &d))
		return {};
	cl_int err;
	cl_context ctx = clCreateContext(nullptr, 1, &d, nullptr, nullptr, &err);
	if (err != CL_SUCCESS)
		return {};
	const char *s = src.c_str();
	cl_program prog = clCreateProgramWithSource(ctx, 1, &s, nullptr, &err);
	std::vector<unsigned char> bin;
	if (err == CL_SUCCESS &&
	    clBuildProgram(prog, 1, &d, "", nullptr, nullptr) == CL_SUCCESS) {
		size_t size = 0;
		clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof size,
				 &size, nullptr);
		bin.resize(size);
		unsigned char *ptr = bin.data();
		if (!size || clGetProgramInfo(prog, CL_PROGRAM_BINARIES,
					      sizeof ptr, &ptr,
					      nullptr) != CL_SUCCESS)
			bin.clear();
	}
	if (prog)
		clReleaseProgram(prog);
	clReleaseContext(ctx);
	return bin;
}

std::string write_temp(const std::vector<unsigned char> &bytes,
		       const char *suffix)
{
	std::string path = "/tmp/vaccel-opencl-test-XXXXXX";
	path += suffix;
	int fd = mkstemps(path.data(), (int)strlen(suffix));
	if (fd < 0)
		return {};
	bool ok = write(fd, bytes.data(), bytes.size()) == (ssize_t)bytes.size();
	close(fd);
	return ok ? path : std::string();
}

std::vector<float> random_floats(size_t n, unsigned seed)
{
	// Magnitudes well inside the normal range: no product or sum is
	// subnormal, which a device may flush to zero.
	std::mt19937 rng(seed);
	std::uniform_real_distribution<float> u(-100.0F, 100.0F);
	std::vector<float> v(n);
	for (auto &x : v)
		x = u(rng);
	return v;
}

// Index of the first element whose bits differ, or -1.
template <class T>
long first_difference(const std::vector<T> &got, const std::vector<T> &want)
{
	if (got.size() != want.size())
		return 0;
	for (size_t i = 0; i < got.size(); ++i)
		if (std::memcmp(&got[i], &want[i], sizeof(T)) != 0)
			return (long)i;
	return -1;
}

#define EXPECT_SAME_BITS(got, want)                                           \
	do {                                                                  \
		long at_ = first_difference(got, want);                       \
		EXPECT_EQ(at_, -1) << "first difference at " << at_ << ": "   \
				   << (at_ >= 0 ? got[at_] : 0) << " vs "     \
				   << (at_ >= 0 ? want[at_] : 0);             \
	} while (0)

std::vector<float> vadd_ref(const std::vector<float> &a,
			    const std::vector<float> &b)
{
	std::vector<float> c(std::max(a.size(), b.size()));
	for (size_t i = 0; i < c.size(); ++i)
		c[i] = i < a.size() && i < b.size() ? a[i] + b[i]
		       : i < a.size()		     ? a[i]
						     : b[i];
	return c;
}

// Three letters from the middle of @p name, upper-cased: a selector that
// must match by name (not taken for an index) and regardless of case.
std::string name_part(const std::string &name)
{
	for (size_t i = name.size() / 2; i + 3 <= name.size(); ++i)
		if (isalpha((unsigned char)name[i]) &&
		    isalpha((unsigned char)name[i + 1]) &&
		    isalpha((unsigned char)name[i + 2])) {
			std::string part = name.substr(i, 3);
			for (auto &ch : part)
				ch = (char)toupper((unsigned char)ch);
			return part;
		}
	return name;
}

class OpenCL : public vtest::Runtime {
protected:
	void SetUp() override
	{
		for (const char *e : kEnv) {
			const char *v = getenv(e);
			saved_.emplace_back(v ? v : "");
			had_.push_back(v != nullptr);
			unsetenv(e);
		}
		// The plugin is built, so this machine is meant to run it:
		// only a machine with no OpenCL driver at all is exempt.
		cl_platform_id p;
		cl_device_id d;
		if (!default_device(&p, &d))
			GTEST_SKIP() << "no OpenCL device on this machine "
					"(install pocl-opencl-icd)";
		platform_ = p;
		device_ = d;
	}
	void TearDown() override
	{
		stop();
		for (size_t i = 0; i < saved_.size(); ++i)
			if (had_[i])
				setenv(kEnv[i], saved_[i].c_str(), 1);
			else
				unsetenv(kEnv[i]);
		for (auto &f : files_)
			unlink(f.c_str());
		vtest::Runtime::TearDown();
	}
	// Load the plugin and open a session.
	void start()
	{
		ASSERT_EQ(boot({"opencl"}), VACCEL_OK);
		ASSERT_EQ(vaccel_plugin_count(), 1u) << "opencl did not load";
		ASSERT_EQ(vaccel_session_init(&sess, 0), VACCEL_OK);
		started_ = true;
	}
	void stop()
	{
		if (started_) {
			EXPECT_EQ(vaccel_session_release(&sess), VACCEL_OK);
		}
		started_ = false;
	}
	// Loading the plugin alone, with the environment as it is now.
	int load_result()
	{
		EXPECT_EQ(boot({}), VACCEL_OK);
		return vaccel_plugin_load(plugin("opencl").c_str());
	}
	std::string temp_file(const std::vector<unsigned char> &bytes,
			      const char *suffix)
	{
		std::string path = write_temp(bytes, suffix);
		if (!path.empty())
			files_.push_back(path);
		return path;
	}
	// All four operations at @p n elements, against the plugin's
	// documented results.
	void expect_all_ops_right(vaccel_session *s, size_t n, unsigned seed)
	{
		SCOPED_TRACE(::testing::Message() << "n=" << n);
		auto a = random_floats(n, seed), b = random_floats(n, seed + 1);
		std::vector<float> c(n), d(n);
		ASSERT_EQ(vaccel_fpga_vadd(s, a.data(), b.data(), c.data(), n, n),
			  VACCEL_OK);
		EXPECT_SAME_BITS(c, vadd_ref(a, b));

		std::vector<float> mult(n), add(n);
		for (size_t i = 0; i < n; ++i) {
			add[i] = a[i] + b[i];
			mult[i] = a[i] * b[i];
		}
		ASSERT_EQ(vaccel_fpga_mmult(s, a.data(), b.data(), c.data(), n),
			  VACCEL_OK);
		EXPECT_SAME_BITS(c, mult);

		std::fill(c.begin(), c.end(), 0.0F);
		ASSERT_EQ(vaccel_fpga_parallel(s, a.data(), b.data(), c.data(),
					       d.data(), n),
			  VACCEL_OK);
		EXPECT_SAME_BITS(c, add);
		EXPECT_SAME_BITS(d, mult);

		std::vector<int> ia(n), ib(n, 0);
		std::mt19937 rng(seed);
		for (auto &x : ia)
			x = (int)rng();
		ia[0] = INT_MIN;
		if (n > 1)
			ia[n - 1] = INT_MAX;
		ASSERT_EQ(vaccel_fpga_arraycopy(s, ia.data(), ib.data(), n),
			  VACCEL_OK);
		EXPECT_EQ(ib, ia);
	}

	vaccel_session sess{};
	cl_platform_id platform_ = nullptr;
	cl_device_id device_ = nullptr;

private:
	std::vector<std::string> saved_;
	std::vector<bool> had_;
	std::vector<std::string> files_;
	bool started_ = false;
};

} // namespace

TEST_F(OpenCL, ServesTheFpgaOperationsAsItsDeviceType)
{
	start();
	for (auto op : {VACCEL_OP_FPGA_VECTORADD, VACCEL_OP_FPGA_ARRAYCOPY,
			VACCEL_OP_FPGA_MMULT, VACCEL_OP_FPGA_PARALLEL})
		EXPECT_STREQ(vaccel_plugin_for_op(op, 0), "opencl")
			<< vaccel_op_type_to_str(op);
	EXPECT_EQ(vaccel_plugin_for_op(VACCEL_OP_BLAS_SGEMM, 0), nullptr);
	cl_device_type dt = 0;
	clGetDeviceInfo(device_, CL_DEVICE_TYPE, sizeof dt, &dt, nullptr);
	uint32_t want = 0;
	if (dt & CL_DEVICE_TYPE_CPU)
		want |= VACCEL_PLUGIN_CPU;
	if (dt & CL_DEVICE_TYPE_GPU)
		want |= VACCEL_PLUGIN_GPU;
	if (dt & (CL_DEVICE_TYPE_ACCELERATOR | CL_DEVICE_TYPE_CUSTOM))
		want |= VACCEL_PLUGIN_FPGA;
	uint32_t type = 0;
	const char *name = nullptr;
	ASSERT_EQ(vaccel_plugin_info(0, &name, nullptr, &type), VACCEL_OK);
	EXPECT_STREQ(name, "opencl");
	EXPECT_EQ(type, want);
	stop();
}

TEST_F(OpenCL, AllOperationsExactAtEverySize)
{
	start();
	unsigned seed = 1;
	for (size_t n : kSizes)
		expect_all_ops_right(&sess, n, seed += 10);
	stop();
}

TEST_F(OpenCL, VaddOfDifferentLengthsCopiesTheLongerTail)
{
	start();
	auto a = random_floats(1000, 3), b = random_floats(10, 4);
	a[500] = -0.0F; // copied, not added to 0 (which gives +0)
	std::vector<float> c(1000, 7.0F);
	ASSERT_EQ(vaccel_fpga_vadd(&sess, a.data(), b.data(), c.data(), 1000, 10),
		  VACCEL_OK);
	EXPECT_SAME_BITS(c, vadd_ref(a, b));
	EXPECT_TRUE(std::signbit(c[500]));
	ASSERT_EQ(vaccel_fpga_vadd(&sess, b.data(), a.data(), c.data(), 10, 1000),
		  VACCEL_OK);
	EXPECT_SAME_BITS(c, vadd_ref(b, a));
	// One side empty: the other is copied.
	std::vector<float> empty, c5(5);
	ASSERT_EQ(vaccel_fpga_vadd(&sess, nullptr, b.data(), c5.data(), 0, 5),
		  VACCEL_OK);
	EXPECT_SAME_BITS(c5, std::vector<float>(b.begin(), b.begin() + 5));
	// Nothing at all: nothing written.
	float untouched = 1.5F;
	ASSERT_EQ(vaccel_fpga_vadd(&sess, nullptr, nullptr, &untouched, 0, 0),
		  VACCEL_OK);
	EXPECT_EQ(untouched, 1.5F);
	stop();
}

TEST_F(OpenCL, GenopGivesTheSameResults)
{
	start();
	const size_t n = 1000;
	auto a = random_floats(n, 21), b = random_floats(n, 22);
	std::vector<float> add(n), mult(n), want_add(n), want_mult(n);
	for (size_t i = 0; i < n; ++i) {
		want_add[i] = a[i] + b[i];
		want_mult[i] = a[i] * b[i];
	}
	uint8_t op = VACCEL_OP_FPGA_PARALLEL;
	vaccel_arg read[] = {
		{&op, 1, VACCEL_ARG_UINT8, 0, false},
		{a.data(), n * 4, VACCEL_ARG_FLOAT32_ARRAY, 0, false},
		{b.data(), n * 4, VACCEL_ARG_FLOAT32_ARRAY, 0, false},
	};
	vaccel_arg write[] = {
		{add.data(), n * 4, VACCEL_ARG_FLOAT32_ARRAY, 0, false},
		{mult.data(), n * 4, VACCEL_ARG_FLOAT32_ARRAY, 0, false},
	};
	ASSERT_EQ(vaccel_genop(&sess, read, 3, write, 2), VACCEL_OK);
	EXPECT_SAME_BITS(add, want_add);
	EXPECT_SAME_BITS(mult, want_mult);

	op = VACCEL_OP_FPGA_VECTORADD;
	std::vector<float> c(n);
	write[0].buf = c.data();
	ASSERT_EQ(vaccel_genop(&sess, read, 3, write, 1), VACCEL_OK);
	EXPECT_SAME_BITS(c, want_add);
	stop();
}

TEST_F(OpenCL, ConcurrentCallsFromThreads)
{
	start();
	constexpr int kThreads = 4, kRounds = 5;
	std::vector<int> wrong(kThreads, 0);
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; ++t)
		threads.emplace_back([&, t] {
			for (int r = 0; r < kRounds; ++r) {
				size_t n = 5000 + 100 * t + r;
				auto a = random_floats(n, 100 * t + r);
				auto b = random_floats(n, 100 * t + r + 50);
				std::vector<float> c(n);
				bool add = (t + r) % 2 == 0;
				int ret = add ? vaccel_fpga_vadd(&sess, a.data(), b.data(),
								c.data(), n, n)
					      : vaccel_fpga_mmult(&sess, a.data(),
								 b.data(), c.data(), n);
				if (ret != VACCEL_OK) {
					++wrong[t];
					continue;
				}
				for (size_t i = 0; i < n; ++i) {
					float want = add ? a[i] + b[i] : a[i] * b[i];
					if (std::memcmp(&c[i], &want, 4) != 0)
						++wrong[t];
				}
			}
		});
	for (auto &th : threads)
		th.join();
	for (int t = 0; t < kThreads; ++t)
		EXPECT_EQ(wrong[t], 0) << "thread " << t;
	stop();
}

TEST_F(OpenCL, DeviceAndPlatformFromTheEnvironment)
{
	const std::string dev = device_info_str(device_, CL_DEVICE_NAME);
	const std::string plat = platform_info_str(platform_, CL_PLATFORM_NAME);
	ASSERT_GE(dev.size(), 3u);
	ASSERT_GE(plat.size(), 3u);

	setenv("VACCEL_OPENCL_DEVICE", "0", 1);
	EXPECT_EQ(load_result(), VACCEL_OK);
	// A name substring, in another case.
	std::string part = name_part(dev);
	setenv("VACCEL_OPENCL_DEVICE", part.c_str(), 1);
	EXPECT_EQ(load_result(), VACCEL_OK) << part;
	setenv("VACCEL_OPENCL_DEVICE", "no such device here", 1);
	EXPECT_EQ(load_result(), VACCEL_ENODEV);
	setenv("VACCEL_OPENCL_DEVICE", "999", 1);
	EXPECT_EQ(load_result(), VACCEL_ENODEV);
	unsetenv("VACCEL_OPENCL_DEVICE");

	setenv("VACCEL_OPENCL_PLATFORM", name_part(plat).c_str(), 1);
	EXPECT_EQ(load_result(), VACCEL_OK) << name_part(plat);
	setenv("VACCEL_OPENCL_PLATFORM", "999", 1);
	EXPECT_EQ(load_result(), VACCEL_ENODEV);
	setenv("VACCEL_OPENCL_PLATFORM", "no such platform", 1);
	EXPECT_EQ(load_result(), VACCEL_ENODEV);
	// Without the plugin, nobody serves the fpga operations.
	EXPECT_EQ(vaccel_plugin_count(), 0u);
	EXPECT_EQ(vaccel_plugin_for_op(VACCEL_OP_FPGA_VECTORADD, 0), nullptr);
}

TEST_F(OpenCL, ProgramBinaryFromAFile)
{
	// The plugin's own kernels, compiled here and handed over as a binary:
	// the results are the documented ones.
	auto bin = build_binary(read_file(VACCEL_TEST_OPENCL_KERNELS));
	ASSERT_FALSE(bin.empty()) << "could not build " VACCEL_TEST_OPENCL_KERNELS;
	std::string path = temp_file(bin, ".clbin");
	ASSERT_FALSE(path.empty());
	setenv("VACCEL_OPENCL_BINARY", path.c_str(), 1);
	start();
	unsigned seed = 7;
	for (size_t n : kSizes)
		expect_all_ops_right(&sess, n, seed += 3);
	stop();
	EXPECT_EQ(vaccel_cleanup(), VACCEL_OK);

	// Kernels that compute something else: what comes out proves the
	// binary, not the embedded source, is what runs.
	auto other = build_binary(kOtherKernels);
	ASSERT_FALSE(other.empty());
	std::string other_path = temp_file(other, ".clbin");
	setenv("VACCEL_OPENCL_BINARY", other_path.c_str(), 1);
	start();
	float a[3] = {5, 6, 7}, b[3] = {1, 2, 3}, c[3] = {};
	ASSERT_EQ(vaccel_fpga_vadd(&sess, a, b, c, 3, 3), VACCEL_OK);
	EXPECT_EQ(std::vector<float>(c, c + 3), (std::vector<float>{4, 4, 4}));
	ASSERT_EQ(vaccel_fpga_mmult(&sess, a, b, c, 3), VACCEL_OK);
	EXPECT_EQ(std::vector<float>(c, c + 3), (std::vector<float>{6, 8, 10}));
	stop();
}

TEST_F(OpenCL, UnusableBinariesAreRefusedAtLoad)
{
	setenv("VACCEL_OPENCL_BINARY", "/nonexistent/kernels.clbin", 1);
	EXPECT_EQ(load_result(), VACCEL_ENOENT);
	std::string junk = temp_file({'n', 'o', 't', ' ', 'a', ' ', 'p', 'r',
				      'o', 'g', 'r', 'a', 'm'},
				     ".clbin");
	setenv("VACCEL_OPENCL_BINARY", junk.c_str(), 1);
	EXPECT_EQ(load_result(), VACCEL_ELIBBAD);
	auto partial = build_binary(kIncompleteKernels);
	ASSERT_FALSE(partial.empty());
	std::string partial_path = temp_file(partial, ".clbin");
	setenv("VACCEL_OPENCL_BINARY", partial_path.c_str(), 1);
	EXPECT_EQ(load_result(), VACCEL_ELIBBAD);
	EXPECT_EQ(vaccel_plugin_count(), 0u);
}

TEST_F(OpenCL, ProgramBinaryAsASessionResource)
{
	start();
	auto other = build_binary(kOtherKernels);
	ASSERT_FALSE(other.empty());
	vaccel_resource res{};
	ASSERT_EQ(vaccel_resource_init_from_buf(&res, other.data(), other.size(),
						VACCEL_RESOURCE_DATA,
						"other.clbin", true),
		  VACCEL_OK);
	vaccel_session plain{};
	ASSERT_EQ(vaccel_session_init(&plain, 0), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&res, &sess), VACCEL_OK);

	float a[3] = {5, 6, 7}, b[3] = {1, 2, 3}, c[3] = {};
	const std::vector<float> sum{6, 8, 10}, diff{4, 4, 4};
	// The session that registered it runs its kernels ...
	ASSERT_EQ(vaccel_fpga_vadd(&sess, a, b, c, 3, 3), VACCEL_OK);
	EXPECT_EQ(std::vector<float>(c, c + 3), diff);
	// ... any other session the plugin's.
	ASSERT_EQ(vaccel_fpga_vadd(&plain, a, b, c, 3, 3), VACCEL_OK);
	EXPECT_EQ(std::vector<float>(c, c + 3), sum);
	// Registered with a second session, the same program serves it too.
	ASSERT_EQ(vaccel_resource_register(&res, &plain), VACCEL_OK);
	ASSERT_EQ(vaccel_fpga_vadd(&plain, a, b, c, 3, 3), VACCEL_OK);
	EXPECT_EQ(std::vector<float>(c, c + 3), diff);
	// Gone from the session, the plugin's program is back.
	ASSERT_EQ(vaccel_resource_unregister(&res, &sess), VACCEL_OK);
	ASSERT_EQ(vaccel_fpga_vadd(&sess, a, b, c, 3, 3), VACCEL_OK);
	EXPECT_EQ(std::vector<float>(c, c + 3), sum);
	ASSERT_EQ(vaccel_fpga_vadd(&plain, a, b, c, 3, 3), VACCEL_OK);
	EXPECT_EQ(std::vector<float>(c, c + 3), diff);

	// Junk named like a binary: the registration fails, nothing changes.
	const char junk[] = "not a program";
	vaccel_resource bad{};
	ASSERT_EQ(vaccel_resource_init_from_buf(&bad, junk, sizeof junk,
						VACCEL_RESOURCE_DATA,
						"junk.xclbin", true),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_resource_register(&bad, &sess), VACCEL_ELIBBAD);
	EXPECT_FALSE(vaccel_session_has_resource(&sess, &bad));
	// Other data resources are none of the plugin's business.
	vaccel_resource data{};
	ASSERT_EQ(vaccel_resource_init_from_buf(&data, junk, sizeof junk,
						VACCEL_RESOURCE_DATA,
						"junk.bin", true),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_resource_register(&data, &sess), VACCEL_OK);
	ASSERT_EQ(vaccel_fpga_vadd(&sess, a, b, c, 3, 3), VACCEL_OK);
	EXPECT_EQ(std::vector<float>(c, c + 3), sum);

	EXPECT_EQ(vaccel_session_release(&plain), VACCEL_OK);
	for (auto *r : {&res, &bad, &data})
		EXPECT_EQ(vaccel_resource_release(r), VACCEL_OK);
	stop();
}
