/* SPDX-License-Identifier: Apache-2.0 */
/** @file vaccel/ops/blas.h BLAS. */
#pragma once

#include "../session.h"
#include "../arg.h"
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** C = alpha * A * B + beta * C, row-major, single precision. A is m x k
 *  (leading dimension lda), B is k x n (ldb), C is m x n (ldc). All
 *  buffers are borrowed for the call; C is written in place. */
int vaccel_sgemm(struct vaccel_session *sess, int64_t m, int64_t n, int64_t k,
		 float alpha, float *a, int64_t lda, float *b, int64_t ldb,
		 float beta, float *c, int64_t ldc);

#ifdef __cplusplus
}
#endif
