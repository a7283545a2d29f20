// SPDX-License-Identifier: Apache-2.0
// vaccel_sgemm on a GPU checked against a double-precision reference, with
// nothing but libvaccel and the CUDA runtime: what scripts/gpu-check.sh
// runs on a GPU machine that has none of the test frameworks. Through
// whatever VACCEL_PLUGINS says (the cuda plugin, or rpc to an agent serving
// it). Shapes where the row-major/column-major swap shows, leading
// dimensions past the width, alpha and beta 0, problems larger than
// VACCEL_CUDA_MAX_MIB (set it to 1 to tile every one of them). Exit 0 all
// right, 1 a wrong result, 77 no CUDA device.
#include "sgemm_check.hpp"

#include <cuda_runtime_api.h>

#include <cstdio>

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
	int wrong = 0;
	for (const Shape &sh : shapes)
		for (float alpha : {0.0F, 1.0F, -1.5F})
			for (float beta : {0.0F, 1.0F, 0.25F}) {
				std::string why;
				int bad = vtest::sgemm_wrong(&s, sh.m, sh.n, sh.k, sh.lda, sh.ldb,
							     sh.ldc, alpha, beta, &why);
				printf("%s m=%lld n=%lld k=%lld ld=%lld/%lld/%lld alpha=%g beta=%g\n%s",
				       bad ? "FAIL" : "ok", (long long)sh.m, (long long)sh.n,
				       (long long)sh.k, (long long)sh.lda, (long long)sh.ldb,
				       (long long)sh.ldc, alpha, beta, why.c_str());
				wrong += bad != 0;
			}
	vaccel_session_release(&s);
	printf("%s\n", wrong ? "sgemm on the GPU: WRONG results" : "sgemm on the GPU: all right");
	return wrong ? 1 : 0;
}
