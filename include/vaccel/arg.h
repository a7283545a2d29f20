/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/arg.h
 * Typed arguments, as passed to vaccel_exec(), vaccel_genop() and the
 * functions they run.
 *
 * Ownership: the add/set/get functions never copy unless they say so. An arg
 * added with vaccel_arg_array_add_*() points at the caller's memory, which
 * must outlive the call that uses the array. get functions return pointers
 * into the arg's buffer. set functions copy into the buffer that the caller
 * of the operation provided (its size is the capacity). Args created with
 * vaccel_arg_init(), _new(), add_serialized() or a copying add_range() own
 * their buffer and free it on release.
 *
 * get/set walk the array in order from its position. At the end of the array
 * they return VACCEL_ERANGE; on a type, size or custom-id mismatch, or a
 * value larger than the arg it is written into, VACCEL_EINVAL, and the
 * position does not move.
 *
 * As upstream's: empty arrays, buffers and byte strings are refused
 * (VACCEL_EINVAL) by the adds and gets, validators, serializers and
 * deserializers are required, and a wrapped array that is full refuses
 * an add with VACCEL_ERANGE.
 */
#pragma once

#include "utils/enum.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VACCEL_ARG_TYPE_LIST(X, P) \
	X(P, RAW, 0)               \
	X(P, INT8, 1)              \
	X(P, INT8_ARRAY, 2)        \
	X(P, INT16, 3)             \
	X(P, INT16_ARRAY, 4)       \
	X(P, INT32, 5)             \
	X(P, INT32_ARRAY, 6)       \
	X(P, INT64, 7)             \
	X(P, INT64_ARRAY, 8)       \
	X(P, UINT8, 9)             \
	X(P, UINT8_ARRAY, 10)      \
	X(P, UINT16, 11)           \
	X(P, UINT16_ARRAY, 12)     \
	X(P, UINT32, 13)           \
	X(P, UINT32_ARRAY, 14)     \
	X(P, UINT64, 15)           \
	X(P, UINT64_ARRAY, 16)     \
	X(P, FLOAT32, 17)          \
	X(P, FLOAT32_ARRAY, 18)    \
	X(P, FLOAT64, 19)          \
	X(P, FLOAT64_ARRAY, 20)    \
	X(P, BOOL, 21)             \
	X(P, BOOL_ARRAY, 22)       \
	X(P, CHAR, 23)             \
	X(P, CHAR_ARRAY, 24)       \
	X(P, UCHAR, 25)            \
	X(P, UCHAR_ARRAY, 26)      \
	X(P, STRING, 27)           \
	X(P, BUFFER, 28)           \
	X(P, CUSTOM, 29)

VACCEL_ENUM_DEFINE(vaccel_arg_type, VACCEL_ARG, VACCEL_ARG_TYPE_LIST)

/* The numeric types: X(function suffix, C type, scalar type, array type) */
#define VACCEL_ARG_NUMERIC_TYPES(X)                                     \
	X(int8, int8_t, VACCEL_ARG_INT8, VACCEL_ARG_INT8_ARRAY)         \
	X(int16, int16_t, VACCEL_ARG_INT16, VACCEL_ARG_INT16_ARRAY)     \
	X(int32, int32_t, VACCEL_ARG_INT32, VACCEL_ARG_INT32_ARRAY)     \
	X(int64, int64_t, VACCEL_ARG_INT64, VACCEL_ARG_INT64_ARRAY)     \
	X(uint8, uint8_t, VACCEL_ARG_UINT8, VACCEL_ARG_UINT8_ARRAY)     \
	X(uint16, uint16_t, VACCEL_ARG_UINT16, VACCEL_ARG_UINT16_ARRAY) \
	X(uint32, uint32_t, VACCEL_ARG_UINT32, VACCEL_ARG_UINT32_ARRAY) \
	X(uint64, uint64_t, VACCEL_ARG_UINT64, VACCEL_ARG_UINT64_ARRAY) \
	X(float, float, VACCEL_ARG_FLOAT32, VACCEL_ARG_FLOAT32_ARRAY)   \
	X(double, double, VACCEL_ARG_FLOAT64, VACCEL_ARG_FLOAT64_ARRAY) \
	X(bool, bool, VACCEL_ARG_BOOL, VACCEL_ARG_BOOL_ARRAY)           \
	X(char, char, VACCEL_ARG_CHAR, VACCEL_ARG_CHAR_ARRAY)           \
	X(uchar, unsigned char, VACCEL_ARG_UCHAR, VACCEL_ARG_UCHAR_ARRAY)

/** One argument: a typed, sized buffer. */
struct vaccel_arg {
	void *buf; /* data */
	size_t size; /* size of data in bytes */
	vaccel_arg_type_t type; /* type of data */
	uint32_t custom_type_id; /* id of the type when type is CUSTOM */
	bool owned; /* true if buf belongs to the arg and is freed with it */
};

/** Copy @p size bytes of @p buf into a new owned buffer of @p arg; with
 *  @p buf NULL, @p size zeroed bytes (none for 0). A @p buf of size 0 is
 *  VACCEL_EINVAL. */
int vaccel_arg_init(struct vaccel_arg *arg, const void *buf, size_t size,
		    vaccel_arg_type_t type, uint32_t custom_id);
/** Point @p arg at @p buf (borrowed); both or neither of @p buf and
 *  @p size. */
int vaccel_arg_init_from_buf(struct vaccel_arg *arg, void *buf, size_t size,
			     vaccel_arg_type_t type, uint32_t custom_id);
/** Free the buffer if owned and clear @p arg; its type becomes
 *  VACCEL_ARG_MAX (none). */
int vaccel_arg_release(struct vaccel_arg *arg);
/** Allocate an arg with a copy of @p buf; free with vaccel_arg_delete(). */
int vaccel_arg_new(struct vaccel_arg **arg, const void *buf, size_t size,
		   vaccel_arg_type_t type, uint32_t custom_id);
/** Allocate an arg pointing at @p buf (borrowed). */
int vaccel_arg_from_buf(struct vaccel_arg **arg, void *buf, size_t size,
			vaccel_arg_type_t type, uint32_t custom_id);
/** Release and free an arg from vaccel_arg_new() / _from_buf(). */
int vaccel_arg_delete(struct vaccel_arg *arg);

/** A growable array of args with a read/write position. */
struct vaccel_arg_array {
	struct vaccel_arg *args; /* the args */
	size_t count; /* number of args */
	size_t capacity; /* allocated slots */
	size_t position; /* next arg for get/set */
	bool owned; /* true if args was allocated by the array (can grow) */
};

/** Validates a CUSTOM arg's bytes; return true if acceptable. */
typedef bool (*vaccel_arg_type_validator_fn)(const void *buf, size_t size,
					     uint32_t custom_id);
/** Serialise @p data into a new malloc()ed buffer returned in @p buf. */
typedef int (*vaccel_arg_serializer_fn)(const void *data, size_t data_size,
					uint32_t custom_id, void **buf,
					size_t *size);
/** Deserialise @p buf into @p data (of @p data_size bytes). */
typedef int (*vaccel_arg_deserializer_fn)(const void *buf, size_t size,
					  uint32_t custom_id, size_t data_size,
					  void *data);

/** Slots vaccel_arg_array_init() / _new() allocate for a capacity of 0. */
enum { VACCEL_ARG_ARRAY_CAPACITY_DEFAULT = 8 };

int vaccel_arg_array_init(struct vaccel_arg_array *array,
			  size_t initial_capacity);
int vaccel_arg_array_release(struct vaccel_arg_array *array);
int vaccel_arg_array_new(struct vaccel_arg_array **array,
			 size_t initial_capacity);
int vaccel_arg_array_delete(struct vaccel_arg_array *array);
/** Wrap @p count existing args (borrowed; the array cannot grow). */
int vaccel_arg_array_wrap(struct vaccel_arg_array *array,
			  struct vaccel_arg *args, size_t count);
/** Release every arg (owned data freed) and empty the array, keeping its
 *  storage. A wrapped array's args belong to the caller: it is only
 *  rewound. */
void vaccel_arg_array_clear(struct vaccel_arg_array *array);

/** Add a RAW arg pointing at @p buf; both or neither of @p buf and
 *  @p size. */
int vaccel_arg_array_add_raw(struct vaccel_arg_array *array, void *buf,
			     size_t size);

#define VACCEL_ARG_ARRAY_DECLARE_ADD_FUNCS(NAME, CTYPE, TYPE, ARRAY_TYPE)   \
	int vaccel_arg_array_add_##NAME(struct vaccel_arg_array *array,     \
					CTYPE *value);                      \
	int vaccel_arg_array_add_##NAME##_array(                            \
		struct vaccel_arg_array *array, CTYPE *values, size_t count);
VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_ARRAY_DECLARE_ADD_FUNCS)

int vaccel_arg_array_add_string(struct vaccel_arg_array *array, char *str);
int vaccel_arg_array_add_buffer(struct vaccel_arg_array *array, void *buf,
				size_t size);
/** Add a CUSTOM arg; @p validator (required) must accept it. */
int vaccel_arg_array_add_custom(struct vaccel_arg_array *array,
				uint32_t custom_id, void *buf, size_t size,
				vaccel_arg_type_validator_fn validator);
/** Add an owned arg holding @p data serialised by @p serializer
 *  (required); the bytes of a built-in type must be valid for it. */
int vaccel_arg_array_add_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t type, uint32_t custom_id,
				    const void *data, size_t data_size,
				    vaccel_arg_serializer_fn serializer);
/** Append @p count args of @p src from @p start_idx; copies the data if
 *  @p copy, else borrows it. VACCEL_ERANGE unless @p start_idx is an arg
 *  of @p src and the @p count args from it are too. */
int vaccel_arg_array_add_range(struct vaccel_arg_array *dest,
			       const struct vaccel_arg_array *src,
			       size_t start_idx, size_t count, bool copy);
int vaccel_arg_array_add_remaining(struct vaccel_arg_array *dest,
				   const struct vaccel_arg_array *src,
				   bool copy);
int vaccel_arg_array_add_all(struct vaccel_arg_array *dest,
			     const struct vaccel_arg_array *src, bool copy);

/** Next arg, of type RAW. */
int vaccel_arg_array_get_raw(struct vaccel_arg_array *array, void **buf,
			     size_t *size);

#define VACCEL_ARG_ARRAY_DECLARE_GET_FUNCS(NAME, CTYPE, TYPE, ARRAY_TYPE)   \
	int vaccel_arg_array_get_##NAME(struct vaccel_arg_array *array,     \
					CTYPE *value);                      \
	int vaccel_arg_array_get_##NAME##_array(                            \
		struct vaccel_arg_array *array, CTYPE **values, size_t *count);
VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_ARRAY_DECLARE_GET_FUNCS)

/** Next STRING arg; VACCEL_EINVAL unless NUL-terminated within its size. */
int vaccel_arg_array_get_string(struct vaccel_arg_array *array, char **str);
int vaccel_arg_array_get_buffer(struct vaccel_arg_array *array, void **buf,
				size_t *size);
int vaccel_arg_array_get_custom(struct vaccel_arg_array *array,
				uint32_t expected_id, void **buf, size_t *size,
				vaccel_arg_type_validator_fn validator);
/** Deserialise the next arg into @p data with @p deserializer (required). */
int vaccel_arg_array_get_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t expected_type,
				    uint32_t expected_custom_id, void *data,
				    size_t expected_size,
				    vaccel_arg_deserializer_fn deserializer);

/** Copy @p size bytes into the next arg, of type RAW (capacity checked);
 *  nothing to copy is only right for an empty arg. */
int vaccel_arg_array_set_raw(struct vaccel_arg_array *array, void *buf,
			     size_t size);

#define VACCEL_ARG_ARRAY_DECLARE_SET_FUNCS(NAME, CTYPE, TYPE, ARRAY_TYPE)   \
	int vaccel_arg_array_set_##NAME(struct vaccel_arg_array *array,     \
					CTYPE *value);                      \
	int vaccel_arg_array_set_##NAME##_array(                            \
		struct vaccel_arg_array *array, CTYPE *values, size_t count);
VACCEL_ARG_NUMERIC_TYPES(VACCEL_ARG_ARRAY_DECLARE_SET_FUNCS)

int vaccel_arg_array_set_string(struct vaccel_arg_array *array, char *str);
int vaccel_arg_array_set_buffer(struct vaccel_arg_array *array, void *buf,
				size_t size);
/** Copy @p size bytes, which @p validator (required) accepts, into the
 *  next CUSTOM arg of id @p expected_id: exactly its size. */
int vaccel_arg_array_set_custom(struct vaccel_arg_array *array,
				uint32_t expected_id, void *buf, size_t size,
				vaccel_arg_type_validator_fn validator);
/** Serialise @p data with @p serializer (required) into the next arg:
 *  exactly its size. */
int vaccel_arg_array_set_serialized(struct vaccel_arg_array *array,
				    vaccel_arg_type_t expected_type,
				    uint32_t expected_custom_id, void *data,
				    size_t data_size,
				    vaccel_arg_serializer_fn serializer);

/** Args from the position to the end (borrowed); the position stays. */
int vaccel_arg_array_get_remaining(struct vaccel_arg_array *array,
				   struct vaccel_arg **args, size_t *count);
size_t vaccel_arg_array_remaining_count(const struct vaccel_arg_array *array);
size_t vaccel_arg_array_position(const struct vaccel_arg_array *array);
void vaccel_arg_array_set_position(struct vaccel_arg_array *array,
				   size_t position);
void vaccel_arg_array_reset_position(struct vaccel_arg_array *array);
size_t vaccel_arg_array_count(const struct vaccel_arg_array *array);
struct vaccel_arg *vaccel_arg_array_raw(struct vaccel_arg_array *array);

/*
 * The argument list of upstream vAccel 0.6 and 0.7, which its current API
 * keeps as deprecated: programs and exec libraries written for it build and
 * run unchanged. New code: struct vaccel_arg_array.
 */
#define VACCEL_ARG_LIST_DEPRECATED \
	__attribute__((deprecated("use struct vaccel_arg_array")))

struct vaccel_arg_list {
	uint32_t size; /* entries the list holds */
	struct vaccel_arg *list; /* the entries, passed to the operations */
	int curr_idx; /* where the next entry goes */
	int *idcs_allocated_space; /* 1 where the list allocated the buffer */
};

/** A list of @p size entries (NULL for 0 or no memory). */
VACCEL_ARG_LIST_DEPRECATED struct vaccel_arg_list *vaccel_args_init(uint32_t size);
/** Append @p size bytes at @p buf (borrowed) as a RAW argument. */
VACCEL_ARG_LIST_DEPRECATED int
vaccel_add_serial_arg(struct vaccel_arg_list *args, void *buf, uint32_t size);
/** Append @p buf as serialized by @p serializer (which mallocs the bytes;
 *  the list frees them), a CUSTOM argument of id @p type. */
VACCEL_ARG_LIST_DEPRECATED int
vaccel_add_nonserial_arg(struct vaccel_arg_list *args, void *buf, uint32_t type,
			 void *(*serializer)(void *, uint32_t *));
/** Append an output of @p size bytes at @p buf (borrowed). */
VACCEL_ARG_LIST_DEPRECATED int
vaccel_expect_serial_arg(struct vaccel_arg_list *args, void *buf, uint32_t size);
/** Append an output of @p expected_size zeroed bytes the list allocates. */
VACCEL_ARG_LIST_DEPRECATED int
vaccel_expect_nonserial_arg(struct vaccel_arg_list *args, uint32_t expected_size);
/** The buffer of argument @p idx of @p args (an operation's read or write
 *  arguments). */
VACCEL_ARG_LIST_DEPRECATED void *vaccel_extract_serial_arg(struct vaccel_arg *args,
							   int idx);
/** @p deserializer applied to argument @p idx's buffer and size. */
VACCEL_ARG_LIST_DEPRECATED void *
vaccel_extract_nonserial_arg(struct vaccel_arg *args, int idx,
			     void *(*deserializer)(void *, uint32_t));
/** Copy the argument's size of bytes from @p buf into argument @p idx. */
VACCEL_ARG_LIST_DEPRECATED int vaccel_write_serial_arg(struct vaccel_arg *args,
						       int idx, void *buf);
/** Serialize @p buf into argument @p idx; VACCEL_EINVAL if it does not fit
 *  (upstream writes past the buffer). */
VACCEL_ARG_LIST_DEPRECATED int
vaccel_write_nonserial_arg(struct vaccel_arg *args, int idx, void *buf,
			   void *(*serializer)(void *, uint32_t *));
/** Free the list and the buffers it allocated. */
VACCEL_ARG_LIST_DEPRECATED int vaccel_delete_args(struct vaccel_arg_list *args);

#ifdef __cplusplus
}
#endif
