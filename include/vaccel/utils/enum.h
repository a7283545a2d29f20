/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/utils/enum.h
 * Enumerations defined once, as X-macro lists, so that the values and their
 * names can never drift apart.
 *
 * A list has the form `#define LIST(X, P) X(P, NAME, VALUE) ...`. From it,
 * VACCEL_ENUM_DEFINE() produces `<name>_t` with the items `P_NAME = VALUE`
 * and a trailing `P_MAX`, `<name>_to_str()` ("P_NAME") and
 * `<name>_to_base_str()` ("NAME"), and `<name>_name(value, buf, size)`,
 * which writes the lower-case base name ("name") into @c buf and returns it
 * (NULL for no buffer or a size of 0).
 *
 * The last item, never used as a value, widens the enum's range to every
 * non-negative int: a C caller may pass any value, and the runtime must be
 * able to hold it and refuse it (in C++ an enum holding a value outside its
 * range is undefined behaviour).
 */
#pragma once

#include "str.h"
#include <stddef.h>

#define VACCEL_ENUM_ITEM_(prefix, name, value) prefix##_##name = (value),
#define VACCEL_ENUM_STR_CASE_(prefix, name, value) \
	case prefix##_##name:                       \
		return #prefix "_" #name;
#define VACCEL_ENUM_BASE_STR_CASE_(prefix, name, value) \
	case prefix##_##name:                            \
		return #name;

#define VACCEL_ENUM_DEFINE(tname, prefix, LIST)                         \
	typedef enum {                                                  \
		LIST(VACCEL_ENUM_ITEM_, prefix) prefix##_MAX,           \
		prefix##_ENUM_RANGE_ = 0x7fffffff                       \
	} tname##_t;                                                    \
	static inline const char *tname##_to_str(tname##_t value)       \
	{                                                               \
		switch (value) {                                        \
			LIST(VACCEL_ENUM_STR_CASE_, prefix)             \
		default:                                                \
			return #prefix "_MAX";                          \
		}                                                       \
	}                                                               \
	static inline const char *tname##_to_base_str(tname##_t value)  \
	{                                                               \
		switch (value) {                                        \
			LIST(VACCEL_ENUM_BASE_STR_CASE_, prefix)        \
		default:                                                \
			return "MAX";                                   \
		}                                                       \
	}                                                               \
	static inline char *tname##_name(tname##_t value, char *lower,  \
					 size_t size)                   \
	{                                                               \
		if (!lower || !size)                                    \
			return NULL;                                    \
		vaccel_str_to_lower(tname##_to_base_str(value), lower,  \
				    size, NULL);                        \
		return lower;                                           \
	}

/* Longest string an enum name of this API can have, NUL included. */
#define VACCEL_ENUM_STR_MAX 64
