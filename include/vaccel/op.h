/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/op.h
 * Operation identifiers. The numbering is part of the API: vaccel_genop()
 * takes it as its first argument (a VACCEL_ARG_UINT8).
 */
#pragma once

#include "utils/enum.h"
#include "utils/str.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VACCEL_OP_TYPE_LIST(X, P)         \
	X(P, NOOP, 0)                     \
	X(P, EXEC, 1)                     \
	X(P, EXEC_WITH_RESOURCE, 2)       \
	X(P, IMAGE_CLASSIFY, 3)           \
	X(P, IMAGE_DETECT, 4)             \
	X(P, IMAGE_SEGMENT, 5)            \
	X(P, IMAGE_POSE, 6)               \
	X(P, IMAGE_DEPTH, 7)              \
	X(P, TF_MODEL_LOAD, 8)            \
	X(P, TF_MODEL_UNLOAD, 9)          \
	X(P, TF_MODEL_RUN, 10)            \
	X(P, TFLITE_MODEL_LOAD, 11)       \
	X(P, TFLITE_MODEL_UNLOAD, 12)     \
	X(P, TFLITE_MODEL_RUN, 13)        \
	X(P, TORCH_MODEL_LOAD, 14)        \
	X(P, TORCH_MODEL_RUN, 15)         \
	X(P, TORCH_SGEMM, 16)             \
	X(P, BLAS_SGEMM, 17)              \
	X(P, FPGA_ARRAYCOPY, 18)          \
	X(P, FPGA_MMULT, 19)              \
	X(P, FPGA_PARALLEL, 20)           \
	X(P, FPGA_VECTORADD, 21)          \
	X(P, MINMAX, 22)                  \
	X(P, OPENCV, 23)

VACCEL_ENUM_DEFINE(vaccel_op_type, VACCEL_OP, VACCEL_OP_TYPE_LIST)

/** Lower-case name of @p op_type ("blas_sgemm") into @p lower. */
static inline char *vaccel_op_type_to_lower(vaccel_op_type_t op_type,
					    char *lower, size_t size)
{
	vaccel_str_to_lower(vaccel_op_type_to_base_str(op_type), lower, size,
			    NULL);
	return lower;
}

#ifdef __cplusplus
}
#endif
