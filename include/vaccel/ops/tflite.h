/* SPDX-License-Identifier: Apache-2.0 */
/** @file vaccel/ops/tflite.h TensorFlow Lite model operations. */
#pragma once

#include "../resource.h"
#include "../session.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same values as TensorFlow Lite's TfLiteType. */
enum vaccel_tflite_data_type {
	VACCEL_TFLITE_NOTYPE = 0,
	VACCEL_TFLITE_FLOAT32 = 1,
	VACCEL_TFLITE_INT32 = 2,
	VACCEL_TFLITE_UINT8 = 3,
	VACCEL_TFLITE_INT64 = 4,
	VACCEL_TFLITE_STRING = 5,
	VACCEL_TFLITE_BOOL = 6,
	VACCEL_TFLITE_INT16 = 7,
	VACCEL_TFLITE_COMPLEX64 = 8,
	VACCEL_TFLITE_INT8 = 9,
	VACCEL_TFLITE_FLOAT16 = 10,
	VACCEL_TFLITE_FLOAT64 = 11,
	VACCEL_TFLITE_COMPLEX128 = 12,
	VACCEL_TFLITE_UINT64 = 13,
	VACCEL_TFLITE_RESOURCE = 14,
	VACCEL_TFLITE_VARIANT = 15,
	VACCEL_TFLITE_UINT32 = 16,
	VACCEL_TFLITE_UINT16 = 17,
	VACCEL_TFLITE_INT4 = 18,
};

struct vaccel_tflite_tensor {
	void *data; /* elements */
	size_t size; /* size of data in bytes */
	bool owned; /* data is freed with the tensor */
	int nr_dims; /* number of dimensions */
	int32_t *dims; /* dimensions (owned) */
	enum vaccel_tflite_data_type data_type; /* element type */
};

/** A tensor of @p nr_dims (at least 1) dimensions, copied from @p dims,
 *  or zeroed when @p dims is NULL; no data. The same holds for _new and
 *  _allocate. A tensor of no dimensions (a scalar) is VACCEL_EINVAL. */
int vaccel_tflite_tensor_init(struct vaccel_tflite_tensor *tensor, int nr_dims,
			      const int32_t *dims,
			      enum vaccel_tflite_data_type type);
int vaccel_tflite_tensor_release(struct vaccel_tflite_tensor *tensor);
int vaccel_tflite_tensor_new(struct vaccel_tflite_tensor **tensor, int nr_dims,
			     const int32_t *dims,
			     enum vaccel_tflite_data_type type);
int vaccel_tflite_tensor_allocate(struct vaccel_tflite_tensor **tensor,
				  int nr_dims, const int32_t *dims,
				  enum vaccel_tflite_data_type type,
				  size_t total_size);
int vaccel_tflite_tensor_delete(struct vaccel_tflite_tensor *tensor);
int vaccel_tflite_tensor_set_data(struct vaccel_tflite_tensor *tensor,
				  void *data, size_t size);
int vaccel_tflite_tensor_take_data(struct vaccel_tflite_tensor *tensor,
				   void **data, size_t *size);

int vaccel_tflite_model_load(struct vaccel_session *sess,
			     struct vaccel_resource *model);
int vaccel_tflite_model_run(struct vaccel_session *sess,
			    struct vaccel_resource *model,
			    struct vaccel_tflite_tensor *const *inputs,
			    int nr_inputs,
			    struct vaccel_tflite_tensor **outputs,
			    int nr_outputs, uint8_t *status);
int vaccel_tflite_model_unload(struct vaccel_session *sess,
			       struct vaccel_resource *model);

/* Upstream vAccel 0.7's names of the three above. */
__attribute__((deprecated("use vaccel_tflite_model_load"))) int
vaccel_tflite_session_load(struct vaccel_session *sess, struct vaccel_resource *model);
__attribute__((deprecated("use vaccel_tflite_model_run"))) int
vaccel_tflite_session_run(struct vaccel_session *sess,
			  const struct vaccel_resource *model,
			  struct vaccel_tflite_tensor *const *in, int nr_inputs,
			  struct vaccel_tflite_tensor **out, int nr_outputs,
			  uint8_t *status);
__attribute__((deprecated("use vaccel_tflite_model_unload"))) int
vaccel_tflite_session_delete(struct vaccel_session *sess, struct vaccel_resource *model);

#ifdef __cplusplus
}
#endif
