// SPDX-License-Identifier: Apache-2.0
// Typed arguments. Everything here is plain C-compatible memory management:
// the structs are public and filled by C programs, so no C++ containers.
#include "runtime.hpp"

#include <cstdlib>
#include <cstring>

namespace {

bool arg_type_ok(vaccel_arg_type_t t)
{
	return (unsigned)t < VACCEL_ARG_MAX;
}

// Grow an owned array to hold one more arg.
int reserve_one(vaccel_arg_array *a)
{
	if (a->count < a->capacity)
		return VACCEL_OK;
	if (!a->owned) {
		vaccel_error("arg array: a wrapped array cannot grow "
			     "(capacity %zu)", a->capacity);
		return VACCEL_ENOSPC;
	}
	size_t cap = a->capacity ? a->capacity * 2 : 4;
	auto *p = static_cast<vaccel_arg *>(
		realloc(a->args, cap * sizeof(vaccel_arg)));
	if (!p)
		return VACCEL_ENOMEM;
	a->args = p;
	a->capacity = cap;
	return VACCEL_OK;
}

int push(vaccel_arg_array *a, void *buf, size_t size, vaccel_arg_type_t type,
	 uint32_t custom_id, bool owned)
{
	if (!a)
		return VACCEL_EINVAL;
	int ret = reserve_one(a);
	if (ret)
		return ret;
	a->args[a->count++] = vaccel_arg{buf, size, type, custom_id, owned};
	return VACCEL_OK;
}

// The next arg for get/set, or nullptr with the error in *err.
vaccel_arg *next(vaccel_arg_array *a, int *err)
{
	if (!a) {
		*err = VACCEL_EINVAL;
		return nullptr;
	}
	if (a->position >= a->count) {
		*err = VACCEL_ERANGE;
		return nullptr;
	}
	return &a->args[a->position];
}

vaccel_arg *next_typed(vaccel_arg_array *a, vaccel_arg_type_t type, int *err)
{
	vaccel_arg *arg = next(a, err);
	if (!arg)
		return nullptr;
	if (arg->type != type) {
		vaccel_error("arg %zu: expected %s, got %s", a->position,
			     vaccel_arg_type_to_str(type),
			     vaccel_arg_type_to_str(arg->type));
		*err = VACCEL_EINVAL;
		return nullptr;
	}
	if (!arg->buf && arg->size) {
		vaccel_error("arg %zu: NULL buffer of size %zu", a->position,
			     arg->size);
		*err = VACCEL_EINVAL;
		return nullptr;
	}
	return arg;
}

int copy_into(vaccel_arg_array *a, vaccel_arg *arg, const void *src,
	      size_t size)
{
	if (size > arg->size) {
		vaccel_error("arg %zu: %zu bytes do not fit its %zu", a->position,
			     size, arg->size);
		return VACCEL_ENOSPC;
	}
	if (size) {
		if (!src || !arg->buf)
			return VACCEL_EINVAL;
		memcpy(arg->buf, src, size);
	}
	a->position++;
	return VACCEL_OK;
}

// The byte size of @p count elements of @p elem bytes; false if it does not
// fit a size_t (a wrapped-around size would pass every capacity check).
bool array_bytes(size_t count, size_t elem, size_t *bytes)
{
	return !__builtin_mul_overflow(count, elem, bytes);
}

int duplicate(vaccel_arg *dst, const vaccel_arg *src, bool copy)
{
	*dst = *src;
	dst->owned = false;
	if (!copy || !src->size)
		return VACCEL_OK;
	void *p = malloc(src->size);
	if (!p)
		return VACCEL_ENOMEM;
	if (src->buf)
		memcpy(p, src->buf, src->size);
	dst->buf = p;
	dst->owned = true;
	return VACCEL_OK;
}

} // namespace

extern "C" {

int vaccel_arg_init(struct vaccel_arg *arg, const void *buf, size_t size,
		    vaccel_arg_type_t type, uint32_t custom_id)
{
	if (!arg || !arg_type_ok(type) || (size && !buf))
		return VACCEL_EINVAL;
	void *p = nullptr;
	if (size) {
		p = malloc(size);
		if (!p)
			return VACCEL_ENOMEM;
		memcpy(p, buf, size);
	}
	*arg = vaccel_arg{p, size, type, custom_id, true};
	return VACCEL_OK;
}

int vaccel_arg_init_from_buf(struct vaccel_arg *arg, void *buf, size_t size,
			     vaccel_arg_type_t type, uint32_t custom_id)
{
	if (!arg || !arg_type_ok(type) || (size && !buf))
		return VACCEL_EINVAL;
	*arg = vaccel_arg{buf, size, type, custom_id, false};
	return VACCEL_OK;
}

int vaccel_arg_release(struct vaccel_arg *arg)
{
	if (!arg)
		return VACCEL_EINVAL;
	if (arg->owned)
		free(arg->buf);
	*arg = vaccel_arg{};
	return VACCEL_OK;
}

int vaccel_arg_new(struct vaccel_arg **arg, const void *buf, size_t size,
		   vaccel_arg_type_t type, uint32_t custom_id)
{
	if (!arg)
		return VACCEL_EINVAL;
	auto *a = static_cast<vaccel_arg *>(calloc(1, sizeof(vaccel_arg)));
	if (!a)
		return VACCEL_ENOMEM;
	int ret = vaccel_arg_init(a, buf, size, type, custom_id);
	if (ret) {
		free(a);
		return ret;
	}
	*arg = a;
	return VACCEL_OK;
}

int vaccel_arg_from_buf(struct vaccel_arg **arg, void *buf, size_t size,
			vaccel_arg_type_t type, uint32_t custom_id)
{
	if (!arg)
		return VACCEL_EINVAL;
	auto *a = static_cast<vaccel_arg *>(calloc(1, sizeof(vaccel_arg)));
	if (!a)
		return VACCEL_ENOMEM;
	int ret = vaccel_arg_init_from_buf(a, buf, size, type, custom_id);
	if (ret) {
		free(a);
		return ret;
	}
	*arg = a;
	return VACCEL_OK;
}

int vaccel_arg_delete(struct vaccel_arg *arg)
{
	int ret = vaccel_arg_release(arg);
	if (ret)
		return ret;
	free(arg);
	return VACCEL_OK;
}

int vaccel_arg_array_init(struct vaccel_arg_array *array,
			  size_t initial_capacity)
{
	if (!array)
		return VACCEL_EINVAL;
	*array = vaccel_arg_array{};
	array->owned = true;
	if (initial_capacity) {
		array->args = static_cast<vaccel_arg *>(
			calloc(initial_capacity, sizeof(vaccel_arg)));
		if (!array->args)
			return VACCEL_ENOMEM;
		array->capacity = initial_capacity;
	}
	return VACCEL_OK;
}

void vaccel_arg_array_clear(struct vaccel_arg_array *array)
{
	if (!array)
		return;
	// Args of a wrapped array belong to whoever wrapped them; an array
	// whose args are NULL holds none, whatever its count says.
	for (size_t i = 0; array->owned && array->args && i < array->count; ++i)
		if (array->args[i].owned) {
			free(array->args[i].buf);
			array->args[i] = vaccel_arg{};
		}
	if (array->owned)
		array->count = 0;
	array->position = 0;
}

int vaccel_arg_array_release(struct vaccel_arg_array *array)
{
	if (!array)
		return VACCEL_EINVAL;
	vaccel_arg_array_clear(array);
	if (array->owned)
		free(array->args);
	*array = vaccel_arg_array{};
	return VACCEL_OK;
}

int vaccel_arg_array_new(struct vaccel_arg_array **array,
			 size_t initial_capacity)
{
	if (!array)
		return VACCEL_EINVAL;
	auto *a = static_cast<vaccel_arg_array *>(
		calloc(1, sizeof(vaccel_arg_array)));
	if (!a)
		return VACCEL_ENOMEM;
	int ret = vaccel_arg_array_init(a, initial_capacity);
	if (ret) {
		free(a);
		return ret;
	}
	*array = a;
	return VACCEL_OK;
}

int vaccel_arg_array_delete(struct vaccel_arg_array *array)
{
	int ret = vaccel_arg_array_release(array);
	if (ret)
		return ret;
	free(array);
	return VACCEL_OK;
}

int vaccel_arg_array_wrap(struct vaccel_arg_array *array,
			  struct vaccel_arg *args, size_t count)
{
	if (!array || (count && !args))
		return VACCEL_EINVAL;
	*array = vaccel_arg_array{args, count, count, 0, false};
	return VACCEL_OK;
}

int vaccel_arg_array_add_raw(struct vaccel_arg_array *array, void *buf,
			     size_t size)
{
	if (size && !buf)
		return VACCEL_EINVAL;
	return push(array, buf, size, VACCEL_ARG_RAW, 0, false);
}

#define VACCEL_ARG_ADD_IMPL_(NAME, CTYPE, TYPE, ARRAY_TYPE)                   \
	int vaccel_arg_array_add_##NAME(struct vaccel_arg_array *array,       \
					CTYPE *value)                         \
	{                                                                     \
		if (!value)                                                   \
			return VACCEL_EINVAL;                                 \
		return push(array, value, sizeof(CTYPE), TYPE, 0, false);     \
	}                                                                     \
	int vaccel_arg_array_add_##NAME##_array(                              \
		struct vaccel_arg_array *array, CTYPE *values, size_t count)  \
	{                                                                     \
		size_t bytes = 0;                                             \
		if (count && !values)                                         \
			return VACCEL_EINVAL;                                 \
		if (!array_bytes(count, sizeof(CTYPE), &bytes)) {             \
			vaccel_error("arg: %zu elements of %zu bytes are "    \
				     "too many",                              \
				     count, sizeof(CTYPE));                   \
			return VACCEL_EINVAL;                                 \
		}                                                             \
		return push(array, values, bytes, ARRAY_TYPE, 0, false);      \
	}
VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_ADD_IMPL_)

int vaccel_arg_array_add_string(struct vaccel_arg_array *array, char *str)
{
	if (!str)
		return VACCEL_EINVAL;
	return push(array, str, strlen(str) + 1, VACCEL_ARG_STRING, 0, false);
}

int vaccel_arg_array_add_buffer(struct vaccel_arg_array *array, void *buf,
				size_t size)
{
	if (size && !buf)
		return VACCEL_EINVAL;
	return push(array, buf, size, VACCEL_ARG_BUFFER, 0, false);
}

int vaccel_arg_array_add_custom(struct vaccel_arg_array *array,
				uint32_t custom_id, void *buf, size_t size,
				vaccel_arg_type_validator_fn validator)
{
	if (size && !buf)
		return VACCEL_EINVAL;
	if (validator && !validator(buf, size, custom_id)) {
		vaccel_error("arg: custom type %u rejected by its validator",
			     custom_id);
		return VACCEL_EINVAL;
	}
	return push(array, buf, size, VACCEL_ARG_CUSTOM, custom_id, false);
}

int vaccel_arg_array_add_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t type, uint32_t custom_id,
				    const void *data, size_t data_size,
				    vaccel_arg_serializer_fn serializer)
{
	if (!array || !data || !arg_type_ok(type))
		return VACCEL_EINVAL;
	void *buf = nullptr;
	size_t size = 0;
	if (serializer) {
		int ret = serializer(data, data_size, custom_id, &buf, &size);
		if (ret)
			return ret;
	} else if (data_size) {
		buf = malloc(data_size);
		if (!buf)
			return VACCEL_ENOMEM;
		memcpy(buf, data, data_size);
		size = data_size;
	}
	int ret = push(array, buf, size, type, custom_id, true);
	if (ret)
		free(buf);
	return ret;
}

int vaccel_arg_array_add_range(struct vaccel_arg_array *dest,
			       const struct vaccel_arg_array *src,
			       size_t start_idx, size_t count, bool copy)
{
	if (!dest || !src || start_idx > src->count ||
	    count > src->count - start_idx)
		return VACCEL_EINVAL;
	for (size_t i = 0; i < count; ++i) {
		int ret = reserve_one(dest);
		if (ret)
			return ret;
		ret = duplicate(&dest->args[dest->count],
				&src->args[start_idx + i], copy);
		if (ret)
			return ret;
		dest->count++;
	}
	return VACCEL_OK;
}

int vaccel_arg_array_add_remaining(struct vaccel_arg_array *dest,
				   const struct vaccel_arg_array *src,
				   bool copy)
{
	if (!src)
		return VACCEL_EINVAL;
	size_t pos = src->position < src->count ? src->position : src->count;
	return vaccel_arg_array_add_range(dest, src, pos, src->count - pos,
					  copy);
}

int vaccel_arg_array_add_all(struct vaccel_arg_array *dest,
			     const struct vaccel_arg_array *src, bool copy)
{
	if (!src)
		return VACCEL_EINVAL;
	return vaccel_arg_array_add_range(dest, src, 0, src->count, copy);
}

int vaccel_arg_array_get_raw(struct vaccel_arg_array *array, void **buf,
			     size_t *size)
{
	int err = 0;
	vaccel_arg *arg = next(array, &err);
	if (!arg)
		return err;
	if (buf)
		*buf = arg->buf;
	if (size)
		*size = arg->size;
	array->position++;
	return VACCEL_OK;
}

#define VACCEL_ARG_GET_IMPL_(NAME, CTYPE, TYPE, ARRAY_TYPE)                   \
	int vaccel_arg_array_get_##NAME(struct vaccel_arg_array *array,       \
					CTYPE *value)                         \
	{                                                                     \
		int err = 0;                                                  \
		if (!value)                                                   \
			return VACCEL_EINVAL;                                 \
		vaccel_arg *arg = next_typed(array, TYPE, &err);              \
		if (!arg)                                                     \
			return err;                                           \
		if (arg->size != sizeof(CTYPE) || !arg->buf) {                \
			vaccel_error("arg %zu: size %zu, expected %zu",       \
				     array->position, arg->size,              \
				     sizeof(CTYPE));                          \
			return VACCEL_EINVAL;                                 \
		}                                                             \
		memcpy(value, arg->buf, sizeof(CTYPE));                       \
		array->position++;                                            \
		return VACCEL_OK;                                             \
	}                                                                     \
	int vaccel_arg_array_get_##NAME##_array(                              \
		struct vaccel_arg_array *array, CTYPE **values, size_t *count) \
	{                                                                     \
		int err = 0;                                                  \
		if (!values)                                                  \
			return VACCEL_EINVAL;                                 \
		vaccel_arg *arg = next_typed(array, ARRAY_TYPE, &err);        \
		if (!arg)                                                     \
			return err;                                           \
		if (arg->size % sizeof(CTYPE)) {                              \
			vaccel_error("arg %zu: size %zu is not a multiple "   \
				     "of %zu",                                \
				     array->position, arg->size,              \
				     sizeof(CTYPE));                          \
			return VACCEL_EINVAL;                                 \
		}                                                             \
		*values = static_cast<CTYPE *>(arg->buf);                     \
		if (count)                                                    \
			*count = arg->size / sizeof(CTYPE);                   \
		array->position++;                                            \
		return VACCEL_OK;                                             \
	}
VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_GET_IMPL_)

int vaccel_arg_array_get_string(struct vaccel_arg_array *array, char **str)
{
	int err = 0;
	if (!str)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_STRING, &err);
	if (!arg)
		return err;
	// The terminator must lie inside the buffer: never read past it.
	if (!arg->size || !memchr(arg->buf, '\0', arg->size)) {
		vaccel_error("arg %zu: string is not NUL-terminated",
			     array->position);
		return VACCEL_EINVAL;
	}
	*str = static_cast<char *>(arg->buf);
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_get_buffer(struct vaccel_arg_array *array, void **buf,
				size_t *size)
{
	int err = 0;
	if (!buf)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_BUFFER, &err);
	if (!arg)
		return err;
	*buf = arg->buf;
	if (size)
		*size = arg->size;
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_get_custom(struct vaccel_arg_array *array,
				uint32_t expected_id, void **buf, size_t *size,
				vaccel_arg_type_validator_fn validator)
{
	int err = 0;
	if (!buf)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_CUSTOM, &err);
	if (!arg)
		return err;
	if (arg->custom_type_id != expected_id) {
		vaccel_error("arg %zu: custom type %u, expected %u",
			     array->position, arg->custom_type_id, expected_id);
		return VACCEL_EINVAL;
	}
	if (validator && !validator(arg->buf, arg->size, expected_id))
		return VACCEL_EINVAL;
	*buf = arg->buf;
	if (size)
		*size = arg->size;
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_get_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t expected_type,
				    uint32_t expected_custom_id, void *data,
				    size_t expected_size,
				    vaccel_arg_deserializer_fn deserializer)
{
	int err = 0;
	if (!data)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, expected_type, &err);
	if (!arg)
		return err;
	if (expected_type == VACCEL_ARG_CUSTOM &&
	    arg->custom_type_id != expected_custom_id)
		return VACCEL_EINVAL;
	if (deserializer) {
		int ret = deserializer(arg->buf, arg->size, arg->custom_type_id,
				       expected_size, data);
		if (ret)
			return ret;
	} else {
		if (arg->size != expected_size)
			return VACCEL_EINVAL;
		if (expected_size)
			memcpy(data, arg->buf, expected_size);
	}
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_raw(struct vaccel_arg_array *array, void *buf,
			     size_t size)
{
	int err = 0;
	vaccel_arg *arg = next(array, &err);
	if (!arg)
		return err;
	return copy_into(array, arg, buf, size);
}

#define VACCEL_ARG_SET_IMPL_(NAME, CTYPE, TYPE, ARRAY_TYPE)                   \
	int vaccel_arg_array_set_##NAME(struct vaccel_arg_array *array,       \
					CTYPE *value)                         \
	{                                                                     \
		int err = 0;                                                  \
		if (!value)                                                   \
			return VACCEL_EINVAL;                                 \
		vaccel_arg *arg = next_typed(array, TYPE, &err);              \
		if (!arg)                                                     \
			return err;                                           \
		if (arg->size != sizeof(CTYPE))                               \
			return VACCEL_EINVAL;                                 \
		return copy_into(array, arg, value, sizeof(CTYPE));           \
	}                                                                     \
	int vaccel_arg_array_set_##NAME##_array(                              \
		struct vaccel_arg_array *array, CTYPE *values, size_t count)  \
	{                                                                     \
		int err = 0;                                                  \
		size_t bytes = 0;                                             \
		if (count && !values)                                         \
			return VACCEL_EINVAL;                                 \
		vaccel_arg *arg = next_typed(array, ARRAY_TYPE, &err);        \
		if (!arg)                                                     \
			return err;                                           \
		if (!array_bytes(count, sizeof(CTYPE), &bytes)) {             \
			vaccel_error("arg %zu: %zu elements do not fit its "  \
				     "%zu bytes",                             \
				     array->position, count, arg->size);      \
			return VACCEL_ENOSPC;                                 \
		}                                                             \
		return copy_into(array, arg, values, bytes);                  \
	}
VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_SET_IMPL_)

int vaccel_arg_array_set_string(struct vaccel_arg_array *array, char *str)
{
	int err = 0;
	if (!str)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_STRING, &err);
	if (!arg)
		return err;
	return copy_into(array, arg, str, strlen(str) + 1);
}

int vaccel_arg_array_set_buffer(struct vaccel_arg_array *array, void *buf,
				size_t size)
{
	int err = 0;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_BUFFER, &err);
	if (!arg)
		return err;
	return copy_into(array, arg, buf, size);
}

int vaccel_arg_array_set_custom(struct vaccel_arg_array *array,
				uint32_t expected_id, void *buf, size_t size,
				vaccel_arg_type_validator_fn validator)
{
	int err = 0;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_CUSTOM, &err);
	if (!arg)
		return err;
	if (arg->custom_type_id != expected_id)
		return VACCEL_EINVAL;
	if (validator && !validator(buf, size, expected_id))
		return VACCEL_EINVAL;
	return copy_into(array, arg, buf, size);
}

int vaccel_arg_array_set_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t expected_type,
				    uint32_t expected_custom_id, void *data,
				    size_t data_size,
				    vaccel_arg_serializer_fn serializer)
{
	int err = 0;
	if (!data)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, expected_type, &err);
	if (!arg)
		return err;
	if (expected_type == VACCEL_ARG_CUSTOM &&
	    arg->custom_type_id != expected_custom_id)
		return VACCEL_EINVAL;
	if (!serializer)
		return copy_into(array, arg, data, data_size);
	void *buf = nullptr;
	size_t size = 0;
	int ret = serializer(data, data_size, expected_custom_id, &buf, &size);
	if (ret)
		return ret;
	ret = copy_into(array, arg, buf, size);
	free(buf);
	return ret;
}

int vaccel_arg_array_get_remaining(struct vaccel_arg_array *array,
				   struct vaccel_arg **args, size_t *count)
{
	if (!array || !args || !count)
		return VACCEL_EINVAL;
	size_t pos = array->position < array->count ? array->position
						     : array->count;
	*count = array->count - pos;
	*args = *count ? &array->args[pos] : nullptr;
	array->position = array->count;
	return VACCEL_OK;
}

size_t vaccel_arg_array_remaining_count(const struct vaccel_arg_array *array)
{
	if (!array || array->position >= array->count)
		return 0;
	return array->count - array->position;
}

size_t vaccel_arg_array_position(const struct vaccel_arg_array *array)
{
	return array ? array->position : 0;
}

void vaccel_arg_array_set_position(struct vaccel_arg_array *array,
				   size_t position)
{
	if (array)
		array->position = position <= array->count ? position
							   : array->count;
}

void vaccel_arg_array_reset_position(struct vaccel_arg_array *array)
{
	if (array)
		array->position = 0;
}

size_t vaccel_arg_array_count(const struct vaccel_arg_array *array)
{
	return array ? array->count : 0;
}

struct vaccel_arg *vaccel_arg_array_raw(struct vaccel_arg_array *array)
{
	return array ? array->args : nullptr;
}

} // extern "C"
