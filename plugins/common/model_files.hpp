// SPDX-License-Identifier: Apache-2.0
// Finding a model's files in a MODEL resource, shared by the plugins that
// classify images (torch, opencv). Header-only: plugins share no library.
#pragma once

#include <vaccel.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

namespace vaccel_plugin {

inline bool ends_with(const char *s, const char *suffix)
{
	size_t n = std::strlen(s), m = std::strlen(suffix);
	return n >= m && std::strcmp(s + n - m, suffix) == 0;
}

// The blob of @p res named @p name, else the first whose name ends with
// @p suffix: a directory may hold other files of the kind (the build tree
// holds two TorchScript files and two text files). With @p only_ok, a
// resource of one blob names its model whatever the file is called.
inline vaccel_blob *find_blob(vaccel_resource *res, const char *name,
			      const char *suffix, bool only_ok = false)
{
	if (only_ok && res->nr_blobs == 1)
		return res->blobs[0];
	for (size_t i = 0; i < res->nr_blobs; ++i)
		if (res->blobs[i]->name && !std::strcmp(res->blobs[i]->name, name))
			return res->blobs[i];
	for (size_t i = 0; i < res->nr_blobs; ++i)
		if (res->blobs[i]->name && ends_with(res->blobs[i]->name, suffix))
			return res->blobs[i];
	return nullptr;
}

// The first MODEL resource registered with @p sess that holds a file named
// @p name or ending with @p suffix; nullptr if none.
inline vaccel_resource *find_model(vaccel_session *sess, const char *name,
				   const char *suffix)
{
	vaccel_resource **all = nullptr;
	size_t n = 0;
	if (vaccel_session_resources_by_type(sess, &all, &n,
					     VACCEL_RESOURCE_MODEL))
		n = 0;
	vaccel_resource *found = nullptr;
	for (size_t i = 0; i < n && !found; ++i)
		if (find_blob(all[i], name, suffix))
			found = all[i];
	free(all);
	return found;
}

// Copy @p s into a caller's output buffer, truncated and NUL-terminated.
inline void put_str(unsigned char *out, size_t len, const std::string &s)
{
	if (!out || !len)
		return;
	size_t n = std::min(s.size(), len - 1);
	std::memcpy(out, s.data(), n);
	out[n] = '\0';
}

} // namespace vaccel_plugin
