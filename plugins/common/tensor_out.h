/* SPDX-License-Identifier: Apache-2.0 */
/* Output tensors of any number of dimensions, 0 included. The public
 * constructors (vaccel_*_tensor_allocate) want at least one dimension, as
 * upstream's do; a model's output can be a scalar, which a plugin then
 * makes here, by hand, in memory that vaccel_*_tensor_delete() frees. */
#pragma once

#include <vaccel.h>

#include <stdint.h>
#include <stdlib.h>

#define VACCEL_TENSOR_OUT_DEFINE_(KIND, DIM, NR)                               \
	static inline int vaccel_##KIND##_tensor_out(                          \
		struct vaccel_##KIND##_tensor **out, NR nr_dims,               \
		const DIM *dims, enum vaccel_##KIND##_data_type type,          \
		size_t size)                                                   \
	{                                                                      \
		if (nr_dims != 0)                                              \
			return vaccel_##KIND##_tensor_allocate(out, nr_dims,   \
							       dims, type,     \
							       size);          \
		if (!out)                                                      \
			return VACCEL_EINVAL;                                  \
		struct vaccel_##KIND##_tensor *t =                             \
			(struct vaccel_##KIND##_tensor *)calloc(1, sizeof(*t)); \
		if (!t)                                                        \
			return VACCEL_ENOMEM;                                  \
		if (size) {                                                    \
			t->data = calloc(1, size);                             \
			if (!t->data) {                                        \
				free(t);                                       \
				return VACCEL_ENOMEM;                          \
			}                                                      \
			t->size = size;                                        \
			t->owned = true;                                       \
		}                                                              \
		t->data_type = type;                                           \
		*out = t;                                                      \
		return VACCEL_OK;                                              \
	}

VACCEL_TENSOR_OUT_DEFINE_(torch, int64_t, int64_t)
VACCEL_TENSOR_OUT_DEFINE_(tf, int64_t, int)
VACCEL_TENSOR_OUT_DEFINE_(tflite, int32_t, int)

#undef VACCEL_TENSOR_OUT_DEFINE_
