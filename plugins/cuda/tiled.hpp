// SPDX-License-Identifier: Apache-2.0
// sgemm from ordinary (pageable) host memory through a device with its own
// memory, tile by tile, so that a problem larger than the device memory the
// plugin may use (VACCEL_CUDA_MAX_MIB) runs, and so that copies overlap with
// compute:
//
//  - C is cut into blocks of columns (a block of B's columns stays on the
//    device while every row tile of A and C passes) and each block into
//    tiles of rows;
//  - two sets of page-locked staging buffers and two streams take turns: the
//    host packs tile i + 1 (from the caller's strided rows, with a few
//    threads when large) while the device copies tile i in, multiplies and
//    copies its C out; tile i's C is unpacked into the caller's C once its
//    stream is done;
//  - B's block goes to the device in chunks through the same staging sets;
//  - an operand already in page-locked memory (vaccel-agent's arena, which
//    the plugin page-locks once: plugins/cuda/cuda.c) is copied between the
//    device and its own rows directly, with no staging copy on the host.
//
// The device is a template parameter, so that this logic (tile planning,
// leading dimensions, beta, the order of waits) is tested on the CPU with a
// device made of host memory (tests/unit/test_cuda_tiled.cpp); the cuda
// plugin's device is CUDA streams and cuBLAS (plugins/cuda/tiled.cpp).
//
// A Device provides, for stream s in {0, 1}:
//   bool reserve(size_t device_floats, size_t staging_floats_per_set);
//   float *device();               the device arena
//   float *staging(int set);       page-locked host buffer of a set
//   bool pinned(const float *host);  page-locked host memory?
//   int h2d(int s, float *dev, int64_t dpitch, const float *host,
//           int64_t hpitch, int64_t width, int64_t rows);
//   int d2h(int s, float *host, int64_t hpitch, const float *dev,
//           int64_t dpitch, int64_t width, int64_t rows);
//                                  rows of width floats, pitches in floats
//   int gemm(int s, int m, int n, int k, float alpha, const float *a,
//            const float *b, float beta, float *c);   packed row-major
//   int sync(int s);               wait for everything queued on s
// each returning 0 or a VACCEL_E* code (reserve: false for no memory).
#pragma once

#include <vaccel.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace vaccel::cuda {

struct Limits {
	size_t device_floats;  // what the plugin may use on the device
	size_t staging_floats; // page-locked host floats per set (two sets)
	int64_t min_tiles;     // cut C's rows at least this many ways
	int copy_threads;      // host threads for a large pack or unpack
};

struct Plan {
	int64_t tm = 0, tn = 0; // rows and columns of a tile of C
	// Device arena: B's block (k x tn), then per set A's tile (tm x k)
	// and C's tile (tm x tn).
	size_t b_floats = 0, a_floats = 0, c_floats = 0;
	size_t device_floats() const { return b_floats + 2 * (a_floats + c_floats); }
	size_t staging_floats() const { return a_floats + c_floats; }
};

// Tiles for C (m x n) = A (m x k) B (k x n) within @p lim; tm == 0 if even
// one row and one column do not fit.
inline Plan plan(int64_t m, int64_t n, int64_t k, const Limits &lim)
{
	Plan p;
	const size_t K = (size_t)k;
	// B's block gets at most half of the device arena.
	size_t half = lim.device_floats / 2;
	p.tn = std::min<int64_t>(n, (int64_t)(half / std::max<size_t>(K, 1)));
	if (p.tn < 1)
		return Plan{};
	// Per set: tm * (k + tn) floats, within the staging buffer and within
	// half of what is left on the device.
	size_t per_row = K + (size_t)p.tn;
	size_t left = (lim.device_floats - K * (size_t)p.tn) / 2;
	size_t fit = std::min(left, lim.staging_floats) / per_row;
	int64_t want = std::max<int64_t>(1, (m + lim.min_tiles - 1) / lim.min_tiles);
	p.tm = std::min<int64_t>({m, (int64_t)fit, std::max<int64_t>(want, 256)});
	if (p.tm < 1)
		return Plan{};
	p.b_floats = K * (size_t)p.tn;
	p.a_floats = (size_t)p.tm * K;
	p.c_floats = (size_t)p.tm * (size_t)p.tn;
	return p;
}

// rows x cols floats from @p src (leading dimension @p lds) to @p dst
// (leading dimension @p ldd), split over up to @p threads threads when
// large: one thread copies pageable memory at well below what the bus
// takes.
inline void copy_rows(float *dst, int64_t ldd, const float *src, int64_t lds,
		      int64_t rows, int64_t cols, int threads)
{
	auto part = [&](int64_t r0, int64_t r1) {
		if (lds == cols && ldd == cols) {
			memcpy(dst + r0 * ldd, src + r0 * lds,
			       (size_t)((r1 - r0) * cols) * sizeof(float));
			return;
		}
		for (int64_t r = r0; r < r1; ++r)
			memcpy(dst + r * ldd, src + r * lds, (size_t)cols * sizeof(float));
	};
	const size_t bytes = (size_t)rows * (size_t)cols * sizeof(float);
	int n = (int)std::min<int64_t>(threads, rows);
	if (n <= 1 || bytes < (8u << 20)) {
		part(0, rows);
		return;
	}
	std::vector<std::thread> pool;
	int64_t step = (rows + n - 1) / n;
	try {
		for (int64_t r = step; r < rows; r += step)
			pool.emplace_back(part, r, std::min(rows, r + step));
	} catch (...) {
		// No thread: the rest in this one.
		int64_t done = step * (int64_t)(pool.size() + 1);
		part(std::min(rows, done), rows);
	}
	part(0, std::min(rows, step));
	for (auto &t : pool)
		t.join();
}

// C = alpha A B + beta C for row-major host A (m x k, lda), B (k x n, ldb),
// C (m x n, ldc); alpha != 0, k > 0, m and n > 0 (the caller did the rest).
template <class Device>
int tiled_sgemm(Device &dev, const Limits &lim, int64_t m, int64_t n, int64_t k,
		float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
		float beta, float *c, int64_t ldc)
{
	Plan p = plan(m, n, k, lim);
	if (!p.tm) {
		vaccel_error("[cuda] sgemm with k=%lld needs more device memory "
			     "than VACCEL_CUDA_MAX_MIB allows for one row and column",
			     (long long)k);
		return VACCEL_ENOMEM;
	}
	if (!dev.reserve(p.device_floats(), p.staging_floats()))
		return VACCEL_ENOMEM;
	float *db = dev.device();
	float *da[2] = {db + p.b_floats, db + p.b_floats + p.a_floats + p.c_floats};
	float *dc[2] = {da[0] + p.a_floats, da[1] + p.a_floats};
	const int th = lim.copy_threads;

	// Operands in page-locked memory go straight between their rows and
	// the device.
	const bool pa = dev.pinned(a), pb = dev.pinned(b), pc = dev.pinned(c);

	// A tile in flight on a set: its rows and columns of C, to unpack
	// (unless C is page-locked and the device wrote it in place).
	struct Pending {
		bool busy = false;
		int64_t r0 = 0, rows = 0, c0 = 0, cols = 0;
	} pending[2];
	auto finish = [&](int s) -> int {
		if (!pending[s].busy)
			return VACCEL_OK;
		pending[s].busy = false;
		if (int ret = dev.sync(s))
			return ret;
		const Pending &t = pending[s];
		if (!pc)
			copy_rows(c + t.r0 * ldc + t.c0, ldc, dev.staging(s) + p.a_floats,
				  t.cols, t.rows, t.cols, th);
		return VACCEL_OK;
	};
	// rows x width floats at @p src (leading dimension @p ld) to @p dst on
	// the device (packed), on stream @p s: straight from a page-locked
	// operand, else packed into @p stage first.
	auto send = [&](int s, float *dst, const float *src, int64_t ld, int64_t width,
			int64_t rows, bool pinned, float *stage) {
		if (pinned)
			return dev.h2d(s, dst, width, src, ld, width, rows);
		copy_rows(stage, width, src, ld, rows, width, th);
		return dev.h2d(s, dst, width, stage, width, width, rows);
	};
	auto drain = [&]() -> int {
		int r0 = finish(0), r1 = finish(1);
		return r0 ? r0 : r1;
	};

	int ret = VACCEL_OK;
	for (int64_t c0 = 0; c0 < n && !ret; c0 += p.tn) {
		const int64_t cols = std::min(p.tn, n - c0);
		// Every tile of the last block is done before its B is replaced.
		if ((ret = drain()))
			break;
		// B's block (k x cols, packed), in chunks of rows through the
		// two staging sets in turn.
		const size_t stage = p.staging_floats();
		const int64_t chunk =
			pb ? k : std::max<int64_t>(1, (int64_t)(stage / (size_t)cols));
		int s = 0;
		for (int64_t r = 0; r < k && !ret; r += chunk, s ^= 1) {
			const int64_t rows = std::min(chunk, k - r);
			// A staging set is refilled once its last copy is done.
			if (!pb && (ret = dev.sync(s)))
				break;
			ret = send(s, db + r * cols, b + r * ldb + c0, ldb, cols, rows, pb,
				   dev.staging(s));
		}
		if (ret || (ret = dev.sync(0)) || (ret = dev.sync(1)))
			break;
		// Row tiles, the two sets in turn.
		s = 0;
		for (int64_t r0 = 0; r0 < m; r0 += p.tm, s ^= 1) {
			const int64_t rows = std::min(p.tm, m - r0);
			if ((ret = finish(s)))
				break;
			float *as = dev.staging(s), *cs = as + p.a_floats;
			float *crows = c + r0 * ldc + c0;
			if ((ret = send(s, da[s], a + r0 * lda, lda, k, rows, pa, as)))
				break;
			// With beta 0, C is not read: nothing to send.
			if (beta != 0.0F && (ret = send(s, dc[s], crows, ldc, cols, rows, pc, cs)))
				break;
			if ((ret = dev.gemm(s, (int)rows, (int)cols, (int)k, alpha, da[s], db,
					    beta, dc[s])))
				break;
			ret = pc ? dev.d2h(s, crows, ldc, dc[s], cols, cols, rows)
				 : dev.d2h(s, cs, cols, dc[s], cols, cols, rows);
			if (ret)
				break;
			pending[s] = Pending{true, r0, rows, c0, cols};
		}
	}
	// On failure too: nothing may still be writing to the staging sets
	// (a later call reuses them).
	int last = drain();
	return ret ? ret : last;
}

} // namespace vaccel::cuda
