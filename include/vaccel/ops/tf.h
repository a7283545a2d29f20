/* SPDX-License-Identifier: Apache-2.0 */
/** @file vaccel/ops/tf.h TensorFlow model operations. */
#pragma once

#include "../resource.h"
#include "../session.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same values as TensorFlow's TF_DataType. */
enum vaccel_tf_data_type {
	VACCEL_TF_FLOAT = 1,
	VACCEL_TF_DOUBLE = 2,
	VACCEL_TF_INT32 = 3,
	VACCEL_TF_UINT8 = 4,
	VACCEL_TF_INT16 = 5,
	VACCEL_TF_INT8 = 6,
	VACCEL_TF_STRING = 7,
	VACCEL_TF_COMPLEX64 = 8,
	VACCEL_TF_COMPLEX = 8,
	VACCEL_TF_INT64 = 9,
	VACCEL_TF_BOOL = 10,
	VACCEL_TF_QINT8 = 11,
	VACCEL_TF_QUINT8 = 12,
	VACCEL_TF_QINT32 = 13,
	VACCEL_TF_BFLOAT16 = 14,
	VACCEL_TF_QINT16 = 15,
	VACCEL_TF_QUINT16 = 16,
	VACCEL_TF_UINT16 = 17,
	VACCEL_TF_COMPLEX128 = 18,
	VACCEL_TF_HALF = 19,
	VACCEL_TF_RESOURCE = 20,
	VACCEL_TF_VARIANT = 21,
	VACCEL_TF_UINT32 = 22,
	VACCEL_TF_UINT64 = 23,
};

struct vaccel_tf_buffer {
	void *data; /* bytes; owned by the buffer (freed with free()) */
	size_t size; /* size of data */
};

/** Takes ownership of @p data. */
int vaccel_tf_buffer_init(struct vaccel_tf_buffer *buffer, void *data,
			  size_t size);
int vaccel_tf_buffer_release(struct vaccel_tf_buffer *buffer);
int vaccel_tf_buffer_new(struct vaccel_tf_buffer **buffer, void *data,
			 size_t size);
int vaccel_tf_buffer_delete(struct vaccel_tf_buffer *buffer);
/** Hand the data back to the caller; the buffer forgets it. */
int vaccel_tf_buffer_take_data(struct vaccel_tf_buffer *buffer, void **data,
			       size_t *size);

struct vaccel_tf_node {
	char *name; /* node name (owned) */
	int id; /* output index */
};

int vaccel_tf_node_init(struct vaccel_tf_node *node, const char *name, int id);
/** Free the name; the id becomes -1. */
int vaccel_tf_node_release(struct vaccel_tf_node *node);
int vaccel_tf_node_new(struct vaccel_tf_node **node, const char *name, int id);
int vaccel_tf_node_delete(struct vaccel_tf_node *node);

struct vaccel_tf_tensor {
	void *data; /* elements */
	size_t size; /* size of data in bytes */
	bool owned; /* data is freed with the tensor */
	int nr_dims; /* number of dimensions */
	int64_t *dims; /* dimensions (owned) */
	enum vaccel_tf_data_type data_type; /* element type */
};

/** A tensor of @p nr_dims (at least 1) dimensions, copied from @p dims,
 *  or zeroed when @p dims is NULL; no data. The same holds for _new and
 *  _allocate. A tensor of no dimensions (a scalar) is VACCEL_EINVAL. */
int vaccel_tf_tensor_init(struct vaccel_tf_tensor *tensor, int nr_dims,
			  const int64_t *dims, enum vaccel_tf_data_type type);
int vaccel_tf_tensor_release(struct vaccel_tf_tensor *tensor);
int vaccel_tf_tensor_new(struct vaccel_tf_tensor **tensor, int nr_dims,
			 const int64_t *dims, enum vaccel_tf_data_type type);
/** New tensor with @p total_size zeroed, owned bytes. */
int vaccel_tf_tensor_allocate(struct vaccel_tf_tensor **tensor, int nr_dims,
			      const int64_t *dims,
			      enum vaccel_tf_data_type type, size_t total_size);
int vaccel_tf_tensor_delete(struct vaccel_tf_tensor *tensor);
/** Point the tensor at @p data (borrowed). */
int vaccel_tf_tensor_set_data(struct vaccel_tf_tensor *tensor, void *data,
			      size_t size);
/** Hand the data to the caller, who frees it if the tensor owned it. */
int vaccel_tf_tensor_take_data(struct vaccel_tf_tensor *tensor, void **data,
			       size_t *size);

struct vaccel_tf_status {
	uint8_t code; /* TensorFlow status code */
	char *message; /* message (owned) */
};

int vaccel_tf_status_init(struct vaccel_tf_status *status, uint8_t code,
			  const char *message);
int vaccel_tf_status_release(struct vaccel_tf_status *status);
int vaccel_tf_status_new(struct vaccel_tf_status **status, uint8_t code,
			 const char *message);
int vaccel_tf_status_delete(struct vaccel_tf_status *status);

int vaccel_tf_model_load(struct vaccel_session *sess,
			 struct vaccel_resource *model,
			 struct vaccel_tf_status *status);
int vaccel_tf_model_run(struct vaccel_session *sess,
			struct vaccel_resource *model,
			const struct vaccel_tf_buffer *run_options,
			const struct vaccel_tf_node *in_nodes,
			struct vaccel_tf_tensor *const *in_tensors,
			int nr_inputs, const struct vaccel_tf_node *out_nodes,
			struct vaccel_tf_tensor **out_tensors, int nr_outputs,
			struct vaccel_tf_status *status);
int vaccel_tf_model_unload(struct vaccel_session *sess,
			   struct vaccel_resource *model,
			   struct vaccel_tf_status *status);

/* Upstream vAccel 0.7's names of the three above (the model was then a
 * "session"): same arguments, same results. */
__attribute__((deprecated("use vaccel_tf_model_load"))) int
vaccel_tf_session_load(struct vaccel_session *sess, struct vaccel_resource *model,
		       struct vaccel_tf_status *status);
__attribute__((deprecated("use vaccel_tf_model_run"))) int
vaccel_tf_session_run(struct vaccel_session *sess, const struct vaccel_resource *model,
		      const struct vaccel_tf_buffer *run_options,
		      const struct vaccel_tf_node *in_nodes,
		      struct vaccel_tf_tensor *const *in, int nr_inputs,
		      const struct vaccel_tf_node *out_nodes,
		      struct vaccel_tf_tensor **out, int nr_outputs,
		      struct vaccel_tf_status *status);
__attribute__((deprecated("use vaccel_tf_model_unload"))) int
vaccel_tf_session_delete(struct vaccel_session *sess, struct vaccel_resource *model,
			 struct vaccel_tf_status *status);

#ifdef __cplusplus
}
#endif
