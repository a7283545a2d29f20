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

// Element size of a numeric type or of its array type; 0 for the others.
size_t elem_size(vaccel_arg_type_t t)
{
	switch (t) {
#define VACCEL_ARG_ELEM_(NAME, CTYPE, TYPE, ARRAY_TYPE) \
	case TYPE:                                      \
	case ARRAY_TYPE:                                \
		return sizeof(CTYPE);
		VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_ELEM_)
#undef VACCEL_ARG_ELEM_
	default:
		return 0;
	}
}

bool is_array_type(vaccel_arg_type_t t)
{
	switch (t) {
#define VACCEL_ARG_ARRAY_CASE_(NAME, CTYPE, TYPE, ARRAY_TYPE) case ARRAY_TYPE:
		VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_ARRAY_CASE_)
#undef VACCEL_ARG_ARRAY_CASE_
		return true;
	default:
		return false;
	}
}

// Every byte of a bool or bool array is 0 or 1.
bool bools_ok(const void *buf, size_t size)
{
	const auto *p = static_cast<const unsigned char *>(buf);
	for (size_t i = 0; i < size; ++i)
		if (p[i] > 1)
			return false;
	return true;
}

// What the bytes of a built-in type must be, for an add and for the
// serialized get/set: a scalar exactly its size, an array a non-empty
// multiple of its element, a string NUL-terminated at its end, a buffer
// non-empty. RAW and CUSTOM bytes are not checked here.
bool builtin_ok(vaccel_arg_type_t type, const void *buf, size_t size)
{
	if (!arg_type_ok(type))
		return false;
	switch (type) {
	case VACCEL_ARG_RAW:
	case VACCEL_ARG_CUSTOM:
		return true;
	case VACCEL_ARG_STRING:
		return buf && size &&
		       static_cast<const char *>(buf)[size - 1] == '\0';
	case VACCEL_ARG_BUFFER:
		return buf && size;
	default:
		break;
	}
	const size_t elem = elem_size(type);
	if (!buf || !elem)
		return false;
	if (is_array_type(type) ? (!size || size % elem) : size != elem)
		return false;
	if (type == VACCEL_ARG_BOOL || type == VACCEL_ARG_BOOL_ARRAY)
		return bools_ok(buf, size);
	return true;
}

// Room for @p n more args; a wrapped array cannot grow (VACCEL_ERANGE).
int reserve(vaccel_arg_array *a, size_t n)
{
	if (n <= a->capacity - a->count)
		return VACCEL_OK;
	if (!a->owned) {
		vaccel_error("arg array: a wrapped array cannot grow "
			     "(capacity %zu)", a->capacity);
		return VACCEL_ERANGE;
	}
	size_t cap = a->capacity ? a->capacity : 4;
	while (cap - a->count < n) {
		if (__builtin_mul_overflow(cap, 2, &cap))
			return VACCEL_ENOMEM;
	}
	size_t bytes = 0;
	if (__builtin_mul_overflow(cap, sizeof(vaccel_arg), &bytes))
		return VACCEL_ENOMEM;
	auto *p = static_cast<vaccel_arg *>(realloc(a->args, bytes));
	if (!p)
		return VACCEL_ENOMEM;
	a->args = p;
	a->capacity = cap;
	return VACCEL_OK;
}

// Append an arg of a built-in type whose bytes builtin_ok() accepts.
int push(vaccel_arg_array *a, void *buf, size_t size, vaccel_arg_type_t type,
	 uint32_t custom_id, bool owned)
{
	if (!a)
		return VACCEL_EINVAL;
	int ret = reserve(a, 1);
	if (ret)
		return ret;
	if (!builtin_ok(type, buf, size)) {
		vaccel_error("arg: %zu bytes are not a valid %s", size,
			     arg_type_ok(type) ? vaccel_arg_type_to_str(type)
					       : "type");
		return VACCEL_EINVAL;
	}
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

// The next arg if it has type @p type.
vaccel_arg *next_typed(vaccel_arg_array *a, vaccel_arg_type_t type, int *err)
{
	vaccel_arg *arg = next(a, err);
	if (!arg)
		return nullptr;
	if (arg->type != type) {
		vaccel_error("arg %zu: expected %s, got %s", a->position,
			     vaccel_arg_type_to_str(type),
			     arg_type_ok(arg->type)
				     ? vaccel_arg_type_to_str(arg->type)
				     : "no type");
		*err = VACCEL_EINVAL;
		return nullptr;
	}
	return arg;
}

// The next arg of an expected type for the serialized get/set: a CUSTOM
// one of id @p custom_id, or a built-in one whose bytes are valid (its id
// is then 0, in *id). nullptr with the error in *err otherwise.
vaccel_arg *next_serialized(vaccel_arg_array *a, vaccel_arg_type_t type,
			    uint32_t custom_id, uint32_t *id, int *err)
{
	vaccel_arg *arg = next_typed(a, type, err);
	if (!arg)
		return nullptr;
	if (type == VACCEL_ARG_CUSTOM) {
		if (arg->custom_type_id != custom_id) {
			vaccel_error("arg %zu: custom type %u, expected %u",
				     a->position, arg->custom_type_id,
				     custom_id);
			*err = VACCEL_EINVAL;
			return nullptr;
		}
		*id = custom_id;
	} else {
		if (!builtin_ok(type, arg->buf, arg->size)) {
			*err = VACCEL_EINVAL;
			return nullptr;
		}
		*id = 0;
	}
	return arg;
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
	if (!copy || !src->buf || !src->size)
		return VACCEL_OK;
	void *p = malloc(src->size);
	if (!p)
		return VACCEL_ENOMEM;
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
	if (!arg || (buf && !size) || !arg_type_ok(type))
		return VACCEL_EINVAL;
	// Without a buffer to copy, @p size zeroed bytes (an output to fill).
	void *p = nullptr;
	if (size) {
		p = buf ? malloc(size) : calloc(1, size);
		if (!p)
			return VACCEL_ENOMEM;
		if (buf)
			memcpy(p, buf, size);
	}
	*arg = vaccel_arg{p, size, type, custom_id, true};
	return VACCEL_OK;
}

int vaccel_arg_init_from_buf(struct vaccel_arg *arg, void *buf, size_t size,
			     vaccel_arg_type_t type, uint32_t custom_id)
{
	if (!arg || (buf && !size) || (size && !buf) || !arg_type_ok(type))
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
	// VACCEL_ARG_MAX: no type, so a released arg matches no getter.
	*arg = vaccel_arg{nullptr, 0, VACCEL_ARG_MAX, 0, false};
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
	// A capacity of 0 asks for the default, as upstream's does.
	const size_t capacity = initial_capacity ? initial_capacity
						 : (size_t)VACCEL_ARG_ARRAY_CAPACITY_DEFAULT;
	array->args = static_cast<vaccel_arg *>(
		calloc(capacity, sizeof(vaccel_arg)));
	if (!array->args)
		return VACCEL_ENOMEM;
	array->capacity = capacity;
	return VACCEL_OK;
}

void vaccel_arg_array_clear(struct vaccel_arg_array *array)
{
	if (!array)
		return;
	// Args of a wrapped array belong to whoever wrapped them; an array
	// whose args are NULL holds none, whatever its count says.
	// An array without storage is left as it is, as upstream's.
	if (!array->args)
		return;
	for (size_t i = 0; array->owned && i < array->count; ++i)
		vaccel_arg_release(&array->args[i]);
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
	if (!array)
		return VACCEL_EINVAL;
	int ret = reserve(array, 1);
	if (ret)
		return ret;
	if ((buf && !size) || (size && !buf))
		return VACCEL_EINVAL;
	array->args[array->count++] =
		vaccel_arg{buf, size, VACCEL_ARG_RAW, 0, false};
	return VACCEL_OK;
}

#define VACCEL_ARG_ADD_IMPL_(NAME, CTYPE, TYPE, ARRAY_TYPE)                   \
	int vaccel_arg_array_add_##NAME(struct vaccel_arg_array *array,       \
					CTYPE *value)                         \
	{                                                                     \
		return push(array, value, sizeof(CTYPE), TYPE, 0, false);     \
	}                                                                     \
	int vaccel_arg_array_add_##NAME##_array(                              \
		struct vaccel_arg_array *array, CTYPE *values, size_t count)  \
	{                                                                     \
		size_t bytes = 0;                                             \
		if (!array || !values || !count)                              \
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
	if (!array || !str)
		return VACCEL_EINVAL;
	return push(array, str, strlen(str) + 1, VACCEL_ARG_STRING, 0, false);
}

int vaccel_arg_array_add_buffer(struct vaccel_arg_array *array, void *buf,
				size_t size)
{
	return push(array, buf, size, VACCEL_ARG_BUFFER, 0, false);
}

int vaccel_arg_array_add_custom(struct vaccel_arg_array *array,
				uint32_t custom_id, void *buf, size_t size,
				vaccel_arg_type_validator_fn validator)
{
	if (!array || !validator)
		return VACCEL_EINVAL;
	if (!validator(buf, size, custom_id)) {
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
	if (!array || !serializer)
		return VACCEL_EINVAL;
	void *buf = nullptr;
	size_t size = 0;
	int ret = serializer(data, data_size, custom_id, &buf, &size);
	if (ret)
		return ret;
	ret = push(array, buf, size, type, custom_id, true);
	if (ret)
		free(buf);
	return ret;
}

int vaccel_arg_array_add_range(struct vaccel_arg_array *dest,
			       const struct vaccel_arg_array *src,
			       size_t start_idx, size_t count, bool copy)
{
	if (!dest || !src)
		return VACCEL_EINVAL;
	if (start_idx >= src->count || count > src->count - start_idx)
		return VACCEL_ERANGE;
	if (!count)
		return VACCEL_OK;
	int ret = reserve(dest, count);
	if (ret)
		return ret;
	for (size_t i = 0; i < count; ++i) {
		ret = duplicate(&dest->args[dest->count + i],
				&src->args[start_idx + i], copy);
		if (ret) {
			// All or nothing: drop the copies made so far.
			while (i--)
				vaccel_arg_release(&dest->args[dest->count + i]);
			return ret;
		}
	}
	dest->count += count;
	return VACCEL_OK;
}

int vaccel_arg_array_add_remaining(struct vaccel_arg_array *dest,
				   const struct vaccel_arg_array *src,
				   bool copy)
{
	if (!dest || !src)
		return VACCEL_EINVAL;
	if (src->position >= src->count)
		return VACCEL_OK;
	return vaccel_arg_array_add_range(dest, src, src->position,
					  src->count - src->position, copy);
}

int vaccel_arg_array_add_all(struct vaccel_arg_array *dest,
			     const struct vaccel_arg_array *src, bool copy)
{
	if (!dest || !src)
		return VACCEL_EINVAL;
	if (!src->count)
		return VACCEL_OK;
	return vaccel_arg_array_add_range(dest, src, 0, src->count, copy);
}

int vaccel_arg_array_get_raw(struct vaccel_arg_array *array, void **buf,
			     size_t *size)
{
	int err = 0;
	if (!array || !buf || !size)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_RAW, &err);
	if (!arg)
		return err;
	*buf = arg->buf;
	*size = arg->size;
	array->position++;
	return VACCEL_OK;
}

#define VACCEL_ARG_GET_IMPL_(NAME, CTYPE, TYPE, ARRAY_TYPE)                   \
	int vaccel_arg_array_get_##NAME(struct vaccel_arg_array *array,       \
					CTYPE *value)                         \
	{                                                                     \
		int err = 0;                                                  \
		if (!array || !value)                                         \
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
		if (!array || !values)                                        \
			return VACCEL_EINVAL;                                 \
		vaccel_arg *arg = next_typed(array, ARRAY_TYPE, &err);        \
		if (!arg)                                                     \
			return err;                                           \
		if (!arg->buf || !arg->size || arg->size % sizeof(CTYPE)) {   \
			vaccel_error("arg %zu: size %zu is not a non-zero "   \
				     "multiple of %zu",                       \
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
	if (!array || !str)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_STRING, &err);
	if (!arg)
		return err;
	if (!arg->buf || !arg->size ||
	    static_cast<const char *>(arg->buf)[arg->size - 1] != '\0') {
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
	if (!array || !buf || !size)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_BUFFER, &err);
	if (!arg)
		return err;
	if (!arg->buf || !arg->size)
		return VACCEL_EINVAL;
	*buf = arg->buf;
	*size = arg->size;
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_get_custom(struct vaccel_arg_array *array,
				uint32_t expected_id, void **buf, size_t *size,
				vaccel_arg_type_validator_fn validator)
{
	int err = 0;
	if (!array || !validator || !buf)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_CUSTOM, &err);
	if (!arg)
		return err;
	if (arg->custom_type_id != expected_id) {
		vaccel_error("arg %zu: custom type %u, expected %u",
			     array->position, arg->custom_type_id, expected_id);
		return VACCEL_EINVAL;
	}
	if (!validator(arg->buf, arg->size, arg->custom_type_id))
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
	uint32_t id = 0;
	if (!array || !data || !deserializer)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_serialized(array, expected_type,
					  expected_custom_id, &id, &err);
	if (!arg)
		return err;
	int ret = deserializer(arg->buf, arg->size, id, expected_size, data);
	if (ret)
		return ret;
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_raw(struct vaccel_arg_array *array, void *buf,
			     size_t size)
{
	int err = 0;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_RAW, &err);
	if (!arg)
		return err;
	if (buf && size) {
		if (!arg->buf || arg->size < size) {
			vaccel_error("arg %zu: %zu bytes do not fit its %zu",
				     array->position, size, arg->size);
			return VACCEL_EINVAL;
		}
		memcpy(arg->buf, buf, size);
	} else if (arg->buf && arg->size) {
		// Nothing to write is only right for an empty arg.
		return VACCEL_EINVAL;
	}
	array->position++;
	return VACCEL_OK;
}

#define VACCEL_ARG_SET_IMPL_(NAME, CTYPE, TYPE, ARRAY_TYPE)                   \
	int vaccel_arg_array_set_##NAME(struct vaccel_arg_array *array,       \
					CTYPE *value)                         \
	{                                                                     \
		int err = 0;                                                  \
		if (!array || !value)                                         \
			return VACCEL_EINVAL;                                 \
		vaccel_arg *arg = next_typed(array, TYPE, &err);              \
		if (!arg)                                                     \
			return err;                                           \
		if (arg->size != sizeof(CTYPE) || !arg->buf)                  \
			return VACCEL_EINVAL;                                 \
		memcpy(arg->buf, value, sizeof(CTYPE));                       \
		array->position++;                                            \
		return VACCEL_OK;                                             \
	}                                                                     \
	int vaccel_arg_array_set_##NAME##_array(                              \
		struct vaccel_arg_array *array, CTYPE *values, size_t count)  \
	{                                                                     \
		int err = 0;                                                  \
		size_t bytes = 0;                                             \
		if (!array || !values)                                        \
			return VACCEL_EINVAL;                                 \
		vaccel_arg *arg = next_typed(array, ARRAY_TYPE, &err);        \
		if (!arg)                                                     \
			return err;                                           \
		if (!arg->buf || !arg->size || arg->size % sizeof(CTYPE))     \
			return VACCEL_EINVAL;                                 \
		if (!array_bytes(count, sizeof(CTYPE), &bytes) ||             \
		    bytes > arg->size) {                                      \
			vaccel_error("arg %zu: %zu elements do not fit its "  \
				     "%zu bytes",                             \
				     array->position, count, arg->size);      \
			return VACCEL_EINVAL;                                 \
		}                                                             \
		if (bytes)                                                    \
			memcpy(arg->buf, values, bytes);                      \
		array->position++;                                            \
		return VACCEL_OK;                                             \
	}
VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_SET_IMPL_)

int vaccel_arg_array_set_string(struct vaccel_arg_array *array, char *str)
{
	int err = 0;
	if (!array || !str)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_STRING, &err);
	if (!arg)
		return err;
	if (!arg->buf || !arg->size)
		return VACCEL_EINVAL;
	const size_t n = strlen(str) + 1;
	if (n > arg->size) {
		vaccel_error("arg %zu: a string of %zu bytes does not fit its "
			     "%zu", array->position, n, arg->size);
		return VACCEL_EINVAL;
	}
	// The string, then zeros to the end of the slot.
	memcpy(arg->buf, str, n);
	memset(static_cast<char *>(arg->buf) + n, 0, arg->size - n);
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_buffer(struct vaccel_arg_array *array, void *buf,
				size_t size)
{
	int err = 0;
	if (!array || !buf || !size)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_BUFFER, &err);
	if (!arg)
		return err;
	if (!arg->buf || arg->size < size) {
		vaccel_error("arg %zu: %zu bytes do not fit its %zu",
			     array->position, size, arg->size);
		return VACCEL_EINVAL;
	}
	memcpy(arg->buf, buf, size);
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_custom(struct vaccel_arg_array *array,
				uint32_t expected_id, void *buf, size_t size,
				vaccel_arg_type_validator_fn validator)
{
	int err = 0;
	if (!array || !validator)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_typed(array, VACCEL_ARG_CUSTOM, &err);
	if (!arg)
		return err;
	if (arg->custom_type_id != expected_id || arg->size != size)
		return VACCEL_EINVAL;
	if (!validator(buf, size, arg->custom_type_id))
		return VACCEL_EINVAL;
	if (size) {
		if (!buf || !arg->buf)
			return VACCEL_EINVAL;
		memcpy(arg->buf, buf, size);
	}
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_set_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t expected_type,
				    uint32_t expected_custom_id, void *data,
				    size_t data_size,
				    vaccel_arg_serializer_fn serializer)
{
	int err = 0;
	uint32_t id = 0;
	if (!array || !data || !serializer)
		return VACCEL_EINVAL;
	vaccel_arg *arg = next_serialized(array, expected_type,
					  expected_custom_id, &id, &err);
	if (!arg)
		return err;
	void *buf = nullptr;
	size_t size = 0;
	int ret = serializer(data, data_size, id, &buf, &size);
	if (ret)
		return ret;
	if (size != arg->size || (size && (!buf || !arg->buf))) {
		vaccel_error("arg %zu: %zu serialized bytes for its %zu",
			     array->position, size, arg->size);
		free(buf);
		return VACCEL_EINVAL;
	}
	if (size)
		memcpy(arg->buf, buf, size);
	free(buf);
	array->position++;
	return VACCEL_OK;
}

int vaccel_arg_array_get_remaining(struct vaccel_arg_array *array,
				   struct vaccel_arg **args, size_t *count)
{
	if (!array || !args || !count)
		return VACCEL_EINVAL;
	if (array->position >= array->count) {
		*args = nullptr;
		*count = 0;
		return VACCEL_OK;
	}
	*args = &array->args[array->position];
	*count = array->count - array->position;
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
