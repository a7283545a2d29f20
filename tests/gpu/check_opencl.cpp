// SPDX-License-Identifier: Apache-2.0
// The four fpga operations through whatever VACCEL_PLUGINS says (the opencl
// plugin on the platform VACCEL_OPENCL_PLATFORM picks, or rpc to an agent
// serving it), checked bit for bit against references computed here, with
// nothing but libvaccel: what scripts/gpu-check.sh runs on a GPU machine,
// which has no test framework. Then the median time of each operation on
// 2^24 elements (64 MiB an array), next to the same loop on this CPU.
// Exit 0 all right, 1 a wrong result, 77 when no plugin serves the
// operations (no OpenCL platform or device).
//   vaccel-gpu-check-opencl [--no-timing]
#include <vaccel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations" // the fpga ops

namespace {

using Floats = std::vector<float>;

Floats random_floats(size_t n, unsigned seed)
{
	std::mt19937 rng(seed);
	std::uniform_real_distribution<float> d(-1000.0F, 1000.0F);
	Floats v(n);
	for (auto &x : v)
		x = d(rng);
	return v;
}

// Bit for bit: IEEE + and * are correctly rounded on every device.
size_t mismatches(const Floats &got, const Floats &want)
{
	size_t bad = 0;
	for (size_t i = 0; i < want.size(); ++i)
		bad += memcmp(&got[i], &want[i], sizeof(float)) != 0;
	return bad;
}

double median_ms(int reps, const std::function<void()> &f)
{
	std::vector<double> t;
	for (int i = 0; i < reps; ++i) {
		auto t0 = std::chrono::steady_clock::now();
		f();
		t.push_back(std::chrono::duration<double, std::milli>(
				    std::chrono::steady_clock::now() - t0)
				    .count());
	}
	std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
	return t[t.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
	const bool timing = !(argc > 1 && !strcmp(argv[1], "--no-timing"));
	vaccel_session s{};
	if (vaccel_session_init(&s, 0)) {
		fprintf(stderr, "no session: VACCEL_PLUGINS?\n");
		return 1;
	}
	int wrong = 0;
	for (size_t n : {size_t{1}, size_t{1000}, size_t{1} << 20, size_t{1} << 24}) {
		Floats a = random_floats(n, 1), b = random_floats(n, 2);
		Floats sum(n), prod(n), c(n, NAN), d(n, NAN);
		for (size_t i = 0; i < n; ++i) {
			sum[i] = a[i] + b[i];
			prod[i] = a[i] * b[i];
		}
		int ret = vaccel_fpga_vadd(&s, a.data(), b.data(), c.data(), n, n);
		if (ret == VACCEL_ENOTSUP) {
			fprintf(stderr, "no plugin serves the fpga operations (no OpenCL device?)\n");
			vaccel_session_release(&s);
			return 77;
		}
		size_t bad = ret ? n : mismatches(c, sum);
		printf("%s vadd n=%zu (%d, %zu wrong)\n", bad ? "FAIL" : "ok", n, ret, bad);
		wrong += bad != 0;

		ret = vaccel_fpga_mmult(&s, a.data(), b.data(), c.data(), n);
		bad = ret ? n : mismatches(c, prod);
		printf("%s mmult n=%zu (%d, %zu wrong)\n", bad ? "FAIL" : "ok", n, ret, bad);
		wrong += bad != 0;

		std::fill(c.begin(), c.end(), NAN);
		ret = vaccel_fpga_parallel(&s, a.data(), b.data(), c.data(), d.data(), n);
		bad = ret ? n : mismatches(c, sum) + mismatches(d, prod);
		printf("%s parallel n=%zu (%d, %zu wrong)\n", bad ? "FAIL" : "ok", n, ret, bad);
		wrong += bad != 0;

		std::vector<int> ia(n), ib(n, -1);
		for (size_t i = 0; i < n; ++i)
			ia[i] = (int)(i * 2654435761u);
		ret = vaccel_fpga_arraycopy(&s, ia.data(), ib.data(), n);
		bad = ret ? n : (size_t)(ia != ib);
		printf("%s arraycopy n=%zu (%d)\n", bad ? "FAIL" : "ok", n, ret);
		wrong += bad != 0;
	}

	if (!wrong && timing) {
		const size_t n = size_t{1} << 24;
		Floats a = random_floats(n, 3), b = random_floats(n, 4), c(n), d(n);
		const int reps = 11;
		printf("median ms, n = 2^24 floats (64 MiB an array), %d calls:\n", reps);
		printf("| operation | vaccel (opencl) | the same loop on this CPU, one thread |\n");
		printf("|---|---|---|\n");
		auto row = [&](const char *name, const std::function<void()> &op,
			       const std::function<void()> &loop) {
			double v = median_ms(reps, op), h = median_ms(reps, loop);
			printf("| %s | %.2f | %.2f |\n", name, v, h);
		};
		row(
			"vadd",
			[&] { vaccel_fpga_vadd(&s, a.data(), b.data(), c.data(), n, n); },
			[&] {
				for (size_t i = 0; i < n; ++i)
					c[i] = a[i] + b[i];
			});
		row(
			"mmult", [&] { vaccel_fpga_mmult(&s, a.data(), b.data(), c.data(), n); },
			[&] {
				for (size_t i = 0; i < n; ++i)
					c[i] = a[i] * b[i];
			});
		row(
			"parallel",
			[&] { vaccel_fpga_parallel(&s, a.data(), b.data(), c.data(), d.data(), n); },
			[&] {
				for (size_t i = 0; i < n; ++i) {
					c[i] = a[i] + b[i];
					d[i] = a[i] * b[i];
				}
			});
	}
	vaccel_session_release(&s);
	printf("%s\n", wrong ? "fpga operations: WRONG results" : "fpga operations: all right");
	return wrong ? 1 : 0;
}
