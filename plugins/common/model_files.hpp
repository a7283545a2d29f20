// SPDX-License-Identifier: Apache-2.0
// Finding a model's files in a MODEL resource, shared by the plugins that
// classify images (torch, opencv). Header-only: plugins share no library.
#pragma once

#include <vaccel.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>
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

// The lines of the resource's labels file (labels.txt, else the first
// *.txt), one class per line; empty if it has none.
inline std::vector<std::string> read_labels(vaccel_resource *res)
{
	std::vector<std::string> labels;
	vaccel_blob *lb = find_blob(res, "labels.txt", ".txt");
	size_t size = 0;
	const uint8_t *l = lb ? vaccel_blob_data(lb, &size) : nullptr;
	std::istringstream in(std::string(l ? (const char *)l : "", l ? size : 0));
	for (std::string line; std::getline(in, line);) {
		if (!line.empty() && line.back() == '\r')
			line.pop_back();
		labels.push_back(line);
	}
	return labels;
}

// Loaded models by resource, kept until the resource leaves its last
// session. Keyed by id and address: ids of released resources are not
// reused, and the plugin's resource_unregister drops the entry first.
template <class Model> class ModelCache {
public:
	std::shared_ptr<Model> find(const vaccel_resource *res)
	{
		std::lock_guard<std::mutex> g(lock_);
		auto it = models_.find(key(res));
		return it == models_.end() ? nullptr : it->second;
	}
	// Another thread may have loaded the same model meanwhile: the first
	// one stays.
	std::shared_ptr<Model> insert(const vaccel_resource *res,
				      std::shared_ptr<Model> m)
	{
		std::lock_guard<std::mutex> g(lock_);
		return models_.emplace(key(res), std::move(m)).first->second;
	}
	void erase(const vaccel_resource *res)
	{
		std::lock_guard<std::mutex> g(lock_);
		models_.erase(key(res));
	}
	void clear()
	{
		std::lock_guard<std::mutex> g(lock_);
		models_.clear();
	}

private:
	using Key = std::pair<vaccel_id_t, const void *>;
	static Key key(const vaccel_resource *res)
	{
		return Key(res->id, res);
	}
	std::mutex lock_;
	std::map<Key, std::shared_ptr<Model>> models_;
};

} // namespace vaccel_plugin
