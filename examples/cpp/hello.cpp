// SPDX-License-Identifier: Apache-2.0
// Hello, vAccel from C++: open a session, run the empty operation and a
// small matrix multiply, and report errors as exceptions.
//
// Build:  c++ -std=c++20 hello.cpp -lvaccel
// Run:    VACCEL_PLUGINS=libvaccel-noop.so ./a.out
#include <vaccel.hpp>

#include <cstdint>
#include <cstdio>
#include <vector>

int main()
{
	try {
		// One session per stream of work; released at the end of scope.
		vaccel::Session session;
		std::printf("session %lld\n", static_cast<long long>(session.id()));

		session.noop();
		std::printf("noop: ok\n");

		// C = alpha * A * B + beta * C, row-major: A is 2x3, B is 3x2.
		const std::int64_t m = 2, n = 2, k = 3;
		const std::vector<float> a = {1, 2, 3,
					      4, 5, 6};
		const std::vector<float> b = {7, 8,
					      9, 10,
					      11, 12};
		std::vector<float> c(m * n, 0.0F);
		// The span overload checks the sizes before calling.
		session.sgemm(m, n, k, 1.0F, a, k, b, n, 0.0F, c, n);

		// A BLAS plugin prints [58 64; 139 154]; the noop plugin, which
		// does no work, writes its placeholder alpha * (i + j) instead.
		std::printf("sgemm:\n");
		for (std::int64_t i = 0; i < m; ++i)
			std::printf("  %8.2f %8.2f\n", static_cast<double>(c[i * n]),
				    static_cast<double>(c[i * n + 1]));
	} catch (const vaccel::Error &e) {
		// e.code() is the C API's return code, e.g. VACCEL_ENOTSUP when
		// VACCEL_PLUGINS names no plugin that implements the operation.
		std::fprintf(stderr, "error: %s\n", e.what());
		return 1;
	}
	return 0;
}
