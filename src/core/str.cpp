// SPDX-License-Identifier: Apache-2.0
#include "vaccel.h"

#include <cctype>
#include <cstdlib>
#include <cstring>

extern "C" int vaccel_str_to_lower(const char *str, char *lower, size_t size,
				   char **alloc_lower)
{
	if (!str || (!lower && !alloc_lower))
		return VACCEL_EINVAL;
	size_t n = strlen(str);
	char *out = lower;
	if (!out) {
		out = static_cast<char *>(malloc(n + 1));
		if (!out)
			return VACCEL_ENOMEM;
	} else if (n + 1 > size) {
		if (size) {
			for (size_t i = 0; i + 1 < size; ++i)
				out[i] = (char)tolower((unsigned char)str[i]);
			out[size - 1] = '\0';
		}
		return VACCEL_ENAMETOOLONG;
	}
	for (size_t i = 0; i < n; ++i)
		out[i] = (char)tolower((unsigned char)str[i]);
	out[n] = '\0';
	if (!lower)
		*alloc_lower = out;
	return VACCEL_OK;
}
