// SPDX-License-Identifier: Apache-2.0
// Helpers of the framework tensor, buffer, node and status structs. The three
// tensor structs (tf, tflite, torch) differ only in the type of their
// dimensions, so one template serves all three.
#include "runtime.hpp"

#include <cstdlib>
#include <cstring>

using vaccel::core::dup_cstr;

namespace {

template <class T, class Dim, class Type>
int tensor_init(T *t, long nr_dims, const Dim *dims, Type type)
{
	// At least one dimension; without @p dims, that many zeroed ones.
	if (!t || nr_dims < 1)
		return VACCEL_EINVAL;
	size_t bytes = 0;
	if (__builtin_mul_overflow((size_t)nr_dims, sizeof(Dim), &bytes)) {
		vaccel_error("tensor: %ld dimensions are too many", nr_dims);
		return VACCEL_EINVAL;
	}
	auto *d = static_cast<Dim *>(calloc((size_t)nr_dims, sizeof(Dim)));
	if (!d)
		return VACCEL_ENOMEM;
	if (dims)
		memcpy(d, dims, bytes);
	memset(t, 0, sizeof(*t));
	t->nr_dims = nr_dims;
	t->dims = d;
	t->data_type = type;
	return VACCEL_OK;
}

template <class T> int tensor_release(T *t)
{
	if (!t)
		return VACCEL_EINVAL;
	if (t->owned)
		free(t->data);
	free(t->dims);
	memset(t, 0, sizeof(*t));
	return VACCEL_OK;
}

template <class T, class Dim, class Type>
int tensor_new(T **out, long nr_dims, const Dim *dims, Type type)
{
	if (!out)
		return VACCEL_EINVAL;
	auto *t = static_cast<T *>(calloc(1, sizeof(T)));
	if (!t)
		return VACCEL_ENOMEM;
	int ret = tensor_init(t, nr_dims, dims, type);
	if (ret) {
		free(t);
		return ret;
	}
	*out = t;
	return VACCEL_OK;
}

template <class T, class Dim, class Type>
int tensor_allocate(T **out, long nr_dims, const Dim *dims, Type type,
		    size_t total)
{
	int ret = tensor_new(out, nr_dims, dims, type);
	if (ret || !total)
		return ret;
	(*out)->data = calloc(1, total);
	if (!(*out)->data) {
		tensor_release(*out);
		free(*out);
		*out = nullptr;
		return VACCEL_ENOMEM;
	}
	(*out)->size = total;
	(*out)->owned = true;
	return VACCEL_OK;
}

template <class T> int tensor_delete(T *t)
{
	int ret = tensor_release(t);
	if (ret)
		return ret;
	free(t);
	return VACCEL_OK;
}

// Data NULL with a size is stored, as upstream does; the operations refuse
// such a tensor or buffer before anything reads it (src/ops/ops.cpp).
template <class T> int tensor_set_data(T *t, void *data, size_t size)
{
	if (!t)
		return VACCEL_EINVAL;
	// The buffer the tensor already owns stays owned: freeing it here
	// would leave the tensor pointing at freed memory.
	bool keep = t->owned && data && data == t->data;
	if (t->owned && !keep)
		free(t->data);
	t->data = data;
	t->size = size;
	t->owned = keep;
	return VACCEL_OK;
}

template <class T> int take_data(T *t, void **data, size_t *size)
{
	if (!t || !data || !size)
		return VACCEL_EINVAL;
	*data = t->data;
	*size = t->size;
	t->data = nullptr;
	t->size = 0;
	if constexpr (requires { t->owned; })
		t->owned = false;
	return VACCEL_OK;
}

template <class B, class D> int buffer_init(B *b, D *data, size_t size)
{
	if (!b)
		return VACCEL_EINVAL;
	b->data = data;
	b->size = size;
	return VACCEL_OK;
}

template <class B> int buffer_release(B *b)
{
	if (!b)
		return VACCEL_EINVAL;
	free(b->data);
	b->data = nullptr;
	b->size = 0;
	return VACCEL_OK;
}

template <class B, class D> int buffer_new(B **out, D *data, size_t size)
{
	if (!out)
		return VACCEL_EINVAL;
	auto *b = static_cast<B *>(calloc(1, sizeof(B)));
	if (!b)
		return VACCEL_ENOMEM;
	int ret = buffer_init(b, data, size);
	if (ret) {
		free(b);
		return ret;
	}
	*out = b;
	return VACCEL_OK;
}

template <class B> int buffer_delete(B *b)
{
	int ret = buffer_release(b);
	if (ret)
		return ret;
	free(b);
	return VACCEL_OK;
}

} // namespace

extern "C" {

/* torch */
int vaccel_torch_tensor_init(struct vaccel_torch_tensor *t, int64_t nr_dims,
			     const int64_t *dims,
			     enum vaccel_torch_data_type type)
{
	return tensor_init(t, (long)nr_dims, dims, type);
}
int vaccel_torch_tensor_release(struct vaccel_torch_tensor *t)
{
	return tensor_release(t);
}
int vaccel_torch_tensor_new(struct vaccel_torch_tensor **t, int64_t nr_dims,
			    const int64_t *dims,
			    enum vaccel_torch_data_type type)
{
	return tensor_new(t, (long)nr_dims, dims, type);
}
int vaccel_torch_tensor_allocate(struct vaccel_torch_tensor **t,
				 int64_t nr_dims, const int64_t *dims,
				 enum vaccel_torch_data_type type,
				 size_t total_size)
{
	return tensor_allocate(t, (long)nr_dims, dims, type, total_size);
}
int vaccel_torch_tensor_delete(struct vaccel_torch_tensor *t)
{
	return tensor_delete(t);
}
int vaccel_torch_tensor_set_data(struct vaccel_torch_tensor *t, void *data,
				 size_t size)
{
	return tensor_set_data(t, data, size);
}
int vaccel_torch_tensor_take_data(struct vaccel_torch_tensor *t, void **data,
				  size_t *size)
{
	return take_data(t, data, size);
}
int vaccel_torch_buffer_init(struct vaccel_torch_buffer *b, char *data,
			     size_t size)
{
	return buffer_init(b, data, size);
}
int vaccel_torch_buffer_release(struct vaccel_torch_buffer *b)
{
	return buffer_release(b);
}
int vaccel_torch_buffer_new(struct vaccel_torch_buffer **b, char *data,
			    size_t size)
{
	return buffer_new(b, data, size);
}
int vaccel_torch_buffer_delete(struct vaccel_torch_buffer *b)
{
	return buffer_delete(b);
}
int vaccel_torch_buffer_take_data(struct vaccel_torch_buffer *b, void **data,
				  size_t *size)
{
	return take_data(b, data, size);
}

/* tf */
int vaccel_tf_tensor_init(struct vaccel_tf_tensor *t, int nr_dims,
			  const int64_t *dims, enum vaccel_tf_data_type type)
{
	return tensor_init(t, nr_dims, dims, type);
}
int vaccel_tf_tensor_release(struct vaccel_tf_tensor *t)
{
	return tensor_release(t);
}
int vaccel_tf_tensor_new(struct vaccel_tf_tensor **t, int nr_dims,
			 const int64_t *dims, enum vaccel_tf_data_type type)
{
	return tensor_new(t, nr_dims, dims, type);
}
int vaccel_tf_tensor_allocate(struct vaccel_tf_tensor **t, int nr_dims,
			      const int64_t *dims,
			      enum vaccel_tf_data_type type, size_t total_size)
{
	return tensor_allocate(t, nr_dims, dims, type, total_size);
}
int vaccel_tf_tensor_delete(struct vaccel_tf_tensor *t)
{
	return tensor_delete(t);
}
int vaccel_tf_tensor_set_data(struct vaccel_tf_tensor *t, void *data,
			      size_t size)
{
	return tensor_set_data(t, data, size);
}
int vaccel_tf_tensor_take_data(struct vaccel_tf_tensor *t, void **data,
			       size_t *size)
{
	return take_data(t, data, size);
}
int vaccel_tf_buffer_init(struct vaccel_tf_buffer *b, void *data, size_t size)
{
	return buffer_init(b, data, size);
}
int vaccel_tf_buffer_release(struct vaccel_tf_buffer *b)
{
	return buffer_release(b);
}
int vaccel_tf_buffer_new(struct vaccel_tf_buffer **b, void *data, size_t size)
{
	return buffer_new(b, data, size);
}
int vaccel_tf_buffer_delete(struct vaccel_tf_buffer *b)
{
	return buffer_delete(b);
}
int vaccel_tf_buffer_take_data(struct vaccel_tf_buffer *b, void **data,
			       size_t *size)
{
	return take_data(b, data, size);
}
int vaccel_tf_node_init(struct vaccel_tf_node *node, const char *name, int id)
{
	if (!node || !name)
		return VACCEL_EINVAL;
	node->name = dup_cstr(name);
	node->id = id;
	return node->name ? VACCEL_OK : VACCEL_ENOMEM;
}
int vaccel_tf_node_release(struct vaccel_tf_node *node)
{
	if (!node)
		return VACCEL_EINVAL;
	free(node->name);
	node->name = nullptr;
	node->id = -1;
	return VACCEL_OK;
}
int vaccel_tf_node_new(struct vaccel_tf_node **node, const char *name, int id)
{
	if (!node)
		return VACCEL_EINVAL;
	auto *n = static_cast<vaccel_tf_node *>(calloc(1, sizeof(vaccel_tf_node)));
	if (!n)
		return VACCEL_ENOMEM;
	int ret = vaccel_tf_node_init(n, name, id);
	if (ret) {
		free(n);
		return ret;
	}
	*node = n;
	return VACCEL_OK;
}
int vaccel_tf_node_delete(struct vaccel_tf_node *node)
{
	int ret = vaccel_tf_node_release(node);
	if (ret)
		return ret;
	free(node);
	return VACCEL_OK;
}
int vaccel_tf_status_init(struct vaccel_tf_status *status, uint8_t code,
			  const char *message)
{
	if (!status || !message)
		return VACCEL_EINVAL;
	status->code = code;
	status->message = dup_cstr(message);
	return status->message ? VACCEL_OK : VACCEL_ENOMEM;
}
int vaccel_tf_status_release(struct vaccel_tf_status *status)
{
	if (!status)
		return VACCEL_EINVAL;
	free(status->message);
	status->message = nullptr;
	status->code = 0;
	return VACCEL_OK;
}
int vaccel_tf_status_new(struct vaccel_tf_status **status, uint8_t code,
			 const char *message)
{
	if (!status)
		return VACCEL_EINVAL;
	auto *s = static_cast<vaccel_tf_status *>(
		calloc(1, sizeof(vaccel_tf_status)));
	if (!s)
		return VACCEL_ENOMEM;
	int ret = vaccel_tf_status_init(s, code, message);
	if (ret) {
		free(s);
		return ret;
	}
	*status = s;
	return VACCEL_OK;
}
int vaccel_tf_status_delete(struct vaccel_tf_status *status)
{
	int ret = vaccel_tf_status_release(status);
	if (ret)
		return ret;
	free(status);
	return VACCEL_OK;
}

/* tflite */
int vaccel_tflite_tensor_init(struct vaccel_tflite_tensor *t, int nr_dims,
			      const int32_t *dims,
			      enum vaccel_tflite_data_type type)
{
	return tensor_init(t, nr_dims, dims, type);
}
int vaccel_tflite_tensor_release(struct vaccel_tflite_tensor *t)
{
	return tensor_release(t);
}
int vaccel_tflite_tensor_new(struct vaccel_tflite_tensor **t, int nr_dims,
			     const int32_t *dims,
			     enum vaccel_tflite_data_type type)
{
	return tensor_new(t, nr_dims, dims, type);
}
int vaccel_tflite_tensor_allocate(struct vaccel_tflite_tensor **t, int nr_dims,
				  const int32_t *dims,
				  enum vaccel_tflite_data_type type,
				  size_t total_size)
{
	return tensor_allocate(t, nr_dims, dims, type, total_size);
}
int vaccel_tflite_tensor_delete(struct vaccel_tflite_tensor *t)
{
	return tensor_delete(t);
}
int vaccel_tflite_tensor_set_data(struct vaccel_tflite_tensor *t, void *data,
				  size_t size)
{
	return tensor_set_data(t, data, size);
}
int vaccel_tflite_tensor_take_data(struct vaccel_tflite_tensor *t, void **data,
				   size_t *size)
{
	return take_data(t, data, size);
}

} // extern "C"
