/* SPDX-License-Identifier: Apache-2.0 */
/** @file vaccel/utils/str.h String helpers. */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Lower-case @p str. Either into @p lower (capacity @p size, always
 * NUL-terminated; VACCEL_ENAMETOOLONG if it does not fit) or, if @p lower is
 * NULL, into a new string returned in @p alloc_lower that the caller frees
 * with free().
 */
int vaccel_str_to_lower(const char *str, char *lower, size_t size,
			char **alloc_lower);

#ifdef __cplusplus
}
#endif
