/* SPDX-License-Identifier: Apache-2.0 */
/** @file vaccel/ops/torch.h PyTorch (TorchScript) model operations. */
#pragma once

#include "../resource.h"
#include "../session.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same values as torch's ScalarType for the fixed-width types. */
enum vaccel_torch_data_type {
	VACCEL_TORCH_BYTE = 1,
	VACCEL_TORCH_CHAR = 2,
	VACCEL_TORCH_SHORT = 3,
	VACCEL_TORCH_INT = 4,
	VACCEL_TORCH_LONG = 5,
	VACCEL_TORCH_HALF = 6,
	VACCEL_TORCH_FLOAT = 7
};

struct vaccel_torch_buffer {
	char *data; /* bytes; owned by the buffer (freed with free()) */
	size_t size; /* size of data */
};

/** Takes ownership of @p data. */
int vaccel_torch_buffer_init(struct vaccel_torch_buffer *buffer, char *data,
			     size_t size);
int vaccel_torch_buffer_release(struct vaccel_torch_buffer *buffer);
int vaccel_torch_buffer_new(struct vaccel_torch_buffer **buffer, char *data,
			    size_t size);
int vaccel_torch_buffer_delete(struct vaccel_torch_buffer *buffer);
int vaccel_torch_buffer_take_data(struct vaccel_torch_buffer *buffer,
				  void **data, size_t *size);

struct vaccel_torch_tensor {
	void *data; /* elements */
	size_t size; /* size of data in bytes */
	bool owned; /* data is freed with the tensor */
	int64_t nr_dims; /* number of dimensions */
	int64_t *dims; /* dimensions (owned) */
	enum vaccel_torch_data_type data_type; /* element type */
};

/** A tensor of @p nr_dims (at least 1) dimensions, copied from @p dims,
 *  or zeroed when @p dims is NULL; no data. The same holds for _new and
 *  _allocate. A tensor of no dimensions (a scalar) is VACCEL_EINVAL. */
int vaccel_torch_tensor_init(struct vaccel_torch_tensor *tensor,
			     int64_t nr_dims, const int64_t *dims,
			     enum vaccel_torch_data_type type);
int vaccel_torch_tensor_release(struct vaccel_torch_tensor *tensor);
int vaccel_torch_tensor_new(struct vaccel_torch_tensor **tensor,
			    int64_t nr_dims, const int64_t *dims,
			    enum vaccel_torch_data_type type);
int vaccel_torch_tensor_allocate(struct vaccel_torch_tensor **tensor,
				 int64_t nr_dims, const int64_t *dims,
				 enum vaccel_torch_data_type type,
				 size_t total_size);
int vaccel_torch_tensor_delete(struct vaccel_torch_tensor *tensor);
int vaccel_torch_tensor_set_data(struct vaccel_torch_tensor *tensor, void *data,
				 size_t size);
int vaccel_torch_tensor_take_data(struct vaccel_torch_tensor *tensor,
				  void **data, size_t *size);

/** Load the TorchScript model of a MODEL resource registered with @p sess. */
int vaccel_torch_model_load(struct vaccel_session *sess,
			    struct vaccel_resource *model);
/** Run it. Outputs are new tensors owned by the caller (free with
 *  vaccel_torch_tensor_delete()). */
int vaccel_torch_model_run(struct vaccel_session *sess,
			   struct vaccel_resource *model,
			   const struct vaccel_torch_buffer *run_options,
			   struct vaccel_torch_tensor *const *inputs,
			   int nr_inputs, struct vaccel_torch_tensor **outputs,
			   int nr_outputs);
__attribute__((deprecated("The function will be removed in a future release"))) int
vaccel_torch_sgemm(struct vaccel_session *sess,
		   struct vaccel_torch_tensor **in_A,
		   struct vaccel_torch_tensor **in_B,
		   struct vaccel_torch_tensor **in_C, int M, int N, int K,
		   struct vaccel_torch_tensor **out);

/* Upstream vAccel 0.7's name of vaccel_torch_model_run() (which loads the
 * model on first use, as it did). */
__attribute__((deprecated("use vaccel_torch_model_run"))) int
vaccel_torch_jitload_forward(struct vaccel_session *sess,
			     const struct vaccel_resource *model,
			     const struct vaccel_torch_buffer *run_options,
			     struct vaccel_torch_tensor **in_tensor, int nr_read,
			     struct vaccel_torch_tensor **out_tensor, int nr_write);

#ifdef __cplusplus
}
#endif
