/* SPDX-License-Identifier: Apache-2.0 */
/** @file vaccel/utils/str.h String helpers. */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Lower-case @p str: into a new string returned in @p alloc_lower (if not
 * NULL) that the caller frees with free(); else into @p lower, capacity
 * @p size (> 0), always NUL-terminated, cut to fit (as upstream vAccel).
 */
int vaccel_str_to_lower(const char *str, char *lower, size_t size,
			char **alloc_lower);

#ifdef __cplusplus
}
#endif
