// SPDX-License-Identifier: Apache-2.0
#include "vaccel.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

extern "C" int vaccel_str_to_lower(const char *str, char *lower, size_t size,
				   char **alloc_lower)
{
	// As upstream: a string to allocate wins over a buffer, and a buffer
	// too small gets what fits, which is not an error.
	if (!str || (!alloc_lower && (!lower || !size)))
		return VACCEL_EINVAL;
	size_t n = strlen(str);
	char *out;
	if (alloc_lower) {
		out = static_cast<char *>(malloc(n + 1));
		if (!out)
			return VACCEL_ENOMEM;
	} else {
		out = lower;
		n = std::min(n, size - 1);
	}
	for (size_t i = 0; i < n; ++i)
		out[i] = (char)tolower((unsigned char)str[i]);
	out[n] = '\0';
	if (alloc_lower)
		*alloc_lower = out;
	return VACCEL_OK;
}
