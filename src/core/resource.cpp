// SPDX-License-Identifier: Apache-2.0
#include "fs.hpp"
#include "guard.hpp"
#include "runtime.hpp"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace vaccel::core;

namespace {

// Owns the pieces of a resource under construction; hands them to the
// public struct only once all of them exist. What is not handed over goes:
// the blobs (and the files they wrote), then the directory.
struct Parts {
	std::vector<std::string> paths;
	std::vector<vaccel_blob *> blobs;
	vaccel_path_type_t path_type = VACCEL_PATH_LOCAL_FILE;
	std::string dir; // a directory of the resource's own, if any
	~Parts()
	{
		for (vaccel_blob *b : blobs)
			vaccel_blob_delete(b);
		if (!dir.empty())
			remove_tree(dir);
	}
	// A missing file is the errno of stat() (VACCEL_ENOENT), which says
	// more than the VACCEL_EINVAL of vaccel_blob_new.
	int add_file(const char *path)
	{
		blobs.reserve(blobs.size() + 1);
		vaccel_blob *b = static_cast<vaccel_blob *>(
			calloc(1, sizeof(vaccel_blob)));
		if (!b)
			return VACCEL_ENOMEM;
		if (int ret = blob_init_file(b, path)) {
			free(b);
			return ret;
		}
		blobs.push_back(b);
		return VACCEL_OK;
	}
	// A directory of the resource's own under the runtime's, for files
	// it writes.
	int make_dir()
	{
		const char *root = Runtime::get().rundir();
		if (!root)
			return VACCEL_EIO;
		std::string tmpl = std::string(root) + "/resource.XXXXXX";
		if (!mkdtemp(tmpl.data())) {
			int err = errno;
			vaccel_error("resource init: cannot create a directory in "
				     "%s: %s",
				     root, strerror(err));
			return err;
		}
		dir = std::move(tmpl);
		return VACCEL_OK;
	}
};

bool valid_type(vaccel_resource_type_t t)
{
	return (unsigned)t < VACCEL_RESOURCE_MAX;
}

vaccel_resource *live_resource(vaccel_resource *res)
{
	if (!res || res->id <= 0)
		return nullptr;
	return Runtime::get().find_resource(res->id) == res ? res : nullptr;
}

// Publish parts into @p res and register it as live.
int finish(vaccel_resource *res, Parts &parts, vaccel_resource_type_t type)
{
	Runtime &rt = Runtime::get();
	auto impl = std::make_unique<ResourceImpl>();
	// The directory's name first: a resource never exists without it.
	std::unique_ptr<char, decltype(&free)> rundir(nullptr, free);
	if (!parts.dir.empty()) {
		rundir.reset(dup_cstr(parts.dir.c_str()));
		if (!rundir)
			return VACCEL_ENOMEM;
	}
	std::vector<char *> paths;
	for (auto &p : parts.paths) {
		char *c = dup_cstr(p.c_str());
		if (!c) {
			for (char *q : paths)
				free(q);
			return VACCEL_ENOMEM;
		}
		paths.push_back(c);
	}
	memset(res, 0, sizeof(*res));
	res->type = type;
	res->path_type = parts.path_type;
	if (!paths.empty()) {
		res->paths = static_cast<char **>(
			malloc(paths.size() * sizeof(char *)));
		if (!res->paths) {
			for (char *q : paths)
				free(q);
			return VACCEL_ENOMEM;
		}
		std::copy(paths.begin(), paths.end(), res->paths);
		res->nr_paths = paths.size();
	}
	if (!parts.blobs.empty()) {
		res->blobs = static_cast<vaccel_blob **>(
			malloc(parts.blobs.size() * sizeof(vaccel_blob *)));
		if (!res->blobs) {
			for (size_t i = 0; i < res->nr_paths; ++i)
				free(res->paths[i]);
			free(res->paths);
			memset(res, 0, sizeof(*res));
			return VACCEL_ENOMEM;
		}
		std::copy(parts.blobs.begin(), parts.blobs.end(), res->blobs);
		res->nr_blobs = parts.blobs.size();
		parts.blobs.clear();
	}
	res->rundir = rundir.release();
	parts.dir.clear(); // the resource's now
	impl->self = res;
	res->priv = impl.release();
	res->id = rt.add_resource(res);
	vaccel_debug("resource %" PRId64 " created: %s, %zu blob(s)", res->id,
		     vaccel_resource_type_to_str(type), res->nr_blobs);
	return VACCEL_OK;
}


} // namespace

extern "C" int vaccel_resource_init(struct vaccel_resource *res,
				    const char *path,
				    vaccel_resource_type_t type)
{
	if (!res || !path || !*path || !valid_type(type)) {
		vaccel_error("resource init: invalid arguments");
		return VACCEL_EINVAL;
	}
	Runtime::get().ensure();
	return guarded("resource init", [&]() -> int {
		if (strncmp(path, "http://", 7) == 0 ||
		    strncmp(path, "https://", 8) == 0) {
			vaccel_error("resource init: %s: fetching remote files "
				     "is not supported; download it and pass "
				     "the local path",
				     path);
			return VACCEL_ENOTSUP;
		}
		struct stat st {};
		if (stat(path, &st) != 0) {
			int err = errno;
			vaccel_error("resource init: %s: %s", path,
				     strerror(err));
			return err;
		}
		Parts parts;
		parts.paths.emplace_back(path);
		if (S_ISDIR(st.st_mode)) {
			parts.path_type = VACCEL_PATH_LOCAL_DIR;
			std::vector<std::string> files;
			if (!regular_files(path, files)) {
				int err = errno;
				vaccel_error("resource init: cannot read %s: %s",
					     path, strerror(err));
				return err;
			}
			if (files.empty()) {
				vaccel_error("resource init: directory %s has "
					     "no files", path);
				return VACCEL_ENOENT;
			}
			for (auto &f : files)
				if (int ret = parts.add_file(f.c_str()))
					return ret;
		} else if (S_ISREG(st.st_mode)) {
			if (int ret = parts.add_file(path))
				return ret;
		} else {
			vaccel_error("resource init: %s is neither a file nor "
				     "a directory", path);
			return VACCEL_EINVAL;
		}
		return finish(res, parts, type);
	});
}

extern "C" int vaccel_resource_init_multi(struct vaccel_resource *res,
					  const char **paths, size_t nr_paths,
					  vaccel_resource_type_t type)
{
	if (!res || !paths || !nr_paths || !valid_type(type)) {
		vaccel_error("resource init: invalid arguments");
		return VACCEL_EINVAL;
	}
	Runtime::get().ensure();
	int ret = guarded("resource init", [&]() -> int {
		Parts parts;
		for (size_t i = 0; i < nr_paths; ++i) {
			if (!paths[i]) {
				vaccel_error("resource init: path %zu is NULL", i);
				return VACCEL_EINVAL;
			}
			if (int ret = parts.add_file(paths[i]))
				return ret;
			parts.paths.emplace_back(paths[i]);
		}
		return finish(res, parts, type);
	});
	if (ret) { // as upstream's: a failed init leaves no paths behind
		res->paths = nullptr;
		res->nr_paths = 0;
	}
	return ret;
}

// As upstream's: a resource from memory has blobs and no paths. Unless
// @p mem_only, the bytes are written to a file in a directory of the
// resource's own (a random name without @p filename) and the blob is that
// file, mapped; with @p mem_only the blob borrows @p buf, which must
// outlive the resource.
extern "C" int vaccel_resource_init_from_buf(struct vaccel_resource *res,
					     const void *buf, size_t nr_bytes,
					     vaccel_resource_type_t type,
					     const char *filename, bool mem_only)
{
	if (!res || !buf || !nr_bytes || !valid_type(type) ||
	    (filename && (!*filename || strchr(filename, '/')))) {
		vaccel_error("resource init: invalid arguments");
		return VACCEL_EINVAL;
	}
	Runtime::get().ensure();
	return guarded("resource init", [&]() -> int {
		Parts parts;
		if (!mem_only)
			if (int ret = parts.make_dir())
				return ret;
		parts.blobs.reserve(1); // no allocation between a blob and its owner
		vaccel_blob *b = nullptr;
		if (int ret = vaccel_blob_from_buf(
			    &b, static_cast<const uint8_t *>(buf), nr_bytes, false,
			    filename ? filename : "file",
			    mem_only ? nullptr : parts.dir.c_str(), !filename))
			return ret;
		parts.blobs.push_back(b);
		return finish(res, parts, type);
	});
}

// As upstream's: the resource gets blobs of its own and no paths, and a
// directory of its own if any blob is of a file. A FILE blob is referred to
// by path; a MAPPED one (a file read, or bytes written to one) is copied to
// a file in that directory; a BUFFER blob's bytes are borrowed, or copied
// if the source blob owns them.
extern "C" int vaccel_resource_init_from_blobs(struct vaccel_resource *res,
					       const struct vaccel_blob **blobs,
					       size_t nr_blobs,
					       vaccel_resource_type_t type)
{
	if (!res || !blobs || !nr_blobs || !valid_type(type)) {
		vaccel_error("resource init: invalid arguments");
		return VACCEL_EINVAL;
	}
	for (size_t i = 0; i < nr_blobs; ++i)
		if (!vaccel_blob_valid(blobs[i])) {
			vaccel_error("resource init: blob %zu is invalid", i);
			// As upstream's: a failed init leaves no blobs behind.
			res->blobs = nullptr;
			res->nr_blobs = 0;
			return VACCEL_EINVAL;
		}
	Runtime::get().ensure();
	return guarded("resource init", [&]() -> int {
		Parts parts;
		// As upstream's, any blob of a file gives the resource a
		// directory (which only MAPPED blobs' copies fill).
		for (size_t i = 0; i < nr_blobs && parts.dir.empty(); ++i)
			if (blobs[i]->type != VACCEL_BLOB_BUFFER)
				if (int ret = parts.make_dir())
					return ret;
		parts.blobs.reserve(nr_blobs); // no allocation between a blob and its owner
		for (size_t i = 0; i < nr_blobs; ++i) {
			const vaccel_blob *src = blobs[i];
			vaccel_blob *b = nullptr;
			int ret;
			if (src->type == VACCEL_BLOB_FILE)
				ret = vaccel_blob_new(&b, src->path);
			else
				// Borrowed bytes stay borrowed: whoever lent
				// them to the source blob keeps them alive (the
				// agent's content cache does; a model is not
				// copied per registration).
				ret = vaccel_blob_from_buf(
					&b, src->data, src->size,
					src->type == VACCEL_BLOB_BUFFER &&
						src->data_owned,
					src->name,
					src->type == VACCEL_BLOB_MAPPED
						? parts.dir.c_str()
						: nullptr,
					false);
			if (ret)
				return ret;
			parts.blobs.push_back(b);
		}
		return finish(res, parts, type);
	});
}

extern "C" int vaccel_resource_release(struct vaccel_resource *res)
{
	if (!live_resource(res)) {
		vaccel_error("resource release: not a live resource");
		return VACCEL_EINVAL;
	}
	auto *impl = static_cast<ResourceImpl *>(res->priv);
	std::vector<vaccel_session *> sessions;
	{
		std::lock_guard lk(impl->lock);
		sessions = impl->sessions;
	}
	for (vaccel_session *s : sessions)
		vaccel_resource_unregister(res, s);
	Runtime::get().remove_resource(res->id);
	vaccel_debug("resource %" PRId64 " released", res->id);
	for (size_t i = 0; i < res->nr_blobs; ++i)
		vaccel_blob_delete(res->blobs[i]);
	free(res->blobs);
	for (size_t i = 0; i < res->nr_paths; ++i)
		free(res->paths[i]);
	free(res->paths);
	if (res->rundir) {
		remove_tree(res->rundir);
		free(res->rundir);
	}
	delete impl;
	memset(res, 0, sizeof(*res));
	return VACCEL_OK;
}

extern "C" int vaccel_resource_new(struct vaccel_resource **res,
				   const char *path,
				   vaccel_resource_type_t type)
{
	return new_init(res, [&](vaccel_resource *r) {
		return vaccel_resource_init(r, path, type);
	});
}

extern "C" int vaccel_resource_multi_new(struct vaccel_resource **res,
					 const char **paths, size_t nr_paths,
					 vaccel_resource_type_t type)
{
	return new_init(res, [&](vaccel_resource *r) {
		return vaccel_resource_init_multi(r, paths, nr_paths, type);
	});
}

extern "C" int vaccel_resource_from_buf(struct vaccel_resource **res,
					const void *buf, size_t nr_bytes,
					vaccel_resource_type_t type,
					const char *filename, bool mem_only)
{
	return new_init(res, [&](vaccel_resource *r) {
		return vaccel_resource_init_from_buf(r, buf, nr_bytes, type,
						     filename, mem_only);
	});
}

extern "C" int vaccel_resource_from_blobs(struct vaccel_resource **res,
					  const struct vaccel_blob **blobs,
					  size_t nr_blobs,
					  vaccel_resource_type_t type)
{
	return new_init(res, [&](vaccel_resource *r) {
		return vaccel_resource_init_from_blobs(r, blobs, nr_blobs, type);
	});
}

extern "C" int vaccel_resource_delete(struct vaccel_resource *res)
{
	int ret = vaccel_resource_release(res);
	if (ret)
		return ret;
	free(res);
	return VACCEL_OK;
}

extern "C" int vaccel_resource_register(struct vaccel_resource *res,
				        struct vaccel_session *sess)
{
	if (!live_resource(res)) {
		vaccel_error("resource register: not a live resource");
		return VACCEL_EINVAL;
	}
	SessionImpl *s = session_impl(sess);
	if (!s || Runtime::get().find_session(sess->id) != sess) {
		vaccel_error("resource register: not a live session");
		return VACCEL_EINVAL;
	}
	auto *r = static_cast<ResourceImpl *>(res->priv);
	return guarded("resource register", [&]() -> int {
		{
			std::scoped_lock lk(s->lock, r->lock);
			if (s->has(res)) {
				vaccel_error("resource %" PRId64
					     " is already registered with "
					     "session %" PRId64,
					     res->id, sess->id);
				return VACCEL_EEXIST;
			}
			r->sessions.push_back(sess);
			try {
				s->add(res);
			} catch (...) {
				r->sessions.pop_back();
				throw;
			}
		}
		int ret = VACCEL_OK;
		Runtime::get().for_each_plugin([&](const Plugin &p) {
			if (!ret && p.desc->resource_register) {
				ret = p.desc->resource_register(res, sess);
				if (ret)
					vaccel_error("resource register: plugin "
						     "%s failed: %d",
						     p.desc->name, ret);
			}
		});
		if (ret) {
			std::scoped_lock lk(s->lock, r->lock);
			s->remove(res);
			std::erase(r->sessions, sess);
			return ret;
		}
		vaccel_debug("resource %" PRId64 " registered with session "
			     "%" PRId64, res->id, sess->id);
		return VACCEL_OK;
	});
}

extern "C" int vaccel_resource_unregister(struct vaccel_resource *res,
					  struct vaccel_session *sess)
{
	if (!live_resource(res)) {
		vaccel_error("resource unregister: not a live resource");
		return VACCEL_EINVAL;
	}
	SessionImpl *s = session_impl(sess);
	if (!s || Runtime::get().find_session(sess->id) != sess) {
		vaccel_error("resource unregister: not a live session");
		return VACCEL_EINVAL;
	}
	auto *r = static_cast<ResourceImpl *>(res->priv);
	{
		std::scoped_lock lk(s->lock, r->lock);
		if (!s->remove(res)) {
			vaccel_error("resource %" PRId64 " is not registered "
				     "with session %" PRId64,
				     res->id, sess->id);
			return VACCEL_ENOENT;
		}
		std::erase(r->sessions, sess);
	}
	Runtime::get().for_each_plugin([&](const Plugin &p) {
		if (p.desc->resource_unregister &&
		    p.desc->resource_unregister(res, sess))
			vaccel_warn("resource unregister: plugin %s failed",
				    p.desc->name);
	});
	vaccel_debug("resource %" PRId64 " unregistered from session %" PRId64,
		     res->id, sess->id);
	return VACCEL_OK;
}

extern "C" int vaccel_resource_sync(struct vaccel_resource *res,
				    struct vaccel_session *sess)
{
	if (!live_resource(res) || !session_impl(sess))
		return VACCEL_EINVAL;
	// As upstream: only a resource of the session, only one in memory.
	if (!vaccel_session_has_resource(sess, res)) {
		vaccel_error("resource sync: resource %" PRId64 " is not registered "
			     "with session %" PRId64, res->id, sess->id);
		return VACCEL_EPERM;
	}
	if (!res->nr_blobs || res->blobs[0]->type != VACCEL_BLOB_BUFFER) {
		vaccel_error("resource sync: resource %" PRId64 " is not in memory",
			     res->id);
		return VACCEL_EINVAL;
	}
	// Local resources are their own truth; a remote transport refreshes
	// its mirror at registration.
	return VACCEL_OK;
}

extern "C" int vaccel_resource_directory(struct vaccel_resource *res,
					 char *out_path, size_t out_path_size,
					 char **alloc_path)
{
	if (!live_resource(res) || (!alloc_path && (!out_path || !out_path_size)))
		return VACCEL_EINVAL;
	if (res->path_type != VACCEL_PATH_LOCAL_DIR || !res->nr_paths) {
		vaccel_error("resource %" PRId64 " was not made from a directory",
			     res->id);
		return VACCEL_ENOTDIR;
	}
	const char *dir = res->paths[0];
	if (alloc_path) {
		*alloc_path = dup_cstr(dir);
		return *alloc_path ? VACCEL_OK : VACCEL_ENOMEM;
	}
	if (strlen(dir) + 1 > out_path_size)
		return VACCEL_ENAMETOOLONG;
	memcpy(out_path, dir, strlen(dir) + 1);
	return VACCEL_OK;
}

extern "C" int vaccel_resource_get_by_id(struct vaccel_resource **res,
					 vaccel_id_t id)
{
	if (!res)
		return VACCEL_EINVAL;
	// Ids start at 1: 0 and below are not found (as upstream).
	vaccel_resource *r = id > 0 ? Runtime::get().find_resource(id) : nullptr;
	if (!r)
		return VACCEL_ENOENT;
	*res = r;
	return VACCEL_OK;
}

extern "C" int vaccel_resource_get_by_type(struct vaccel_resource **res,
					   vaccel_resource_type_t type)
{
	if (!res || !valid_type(type))
		return VACCEL_EINVAL;
	for (vaccel_resource *r : Runtime::get().resources_snapshot())
		if (r->type == type) {
			*res = r;
			return VACCEL_OK;
		}
	return VACCEL_ENOENT;
}

extern "C" int vaccel_resource_get_all_by_type(struct vaccel_resource ***res,
					       size_t *nr_found,
					       vaccel_resource_type_t type)
{
	if (!res || !nr_found || !valid_type(type))
		return VACCEL_EINVAL;
	return guarded("resource lookup", [&]() -> int {
		std::vector<vaccel_resource *> found;
		for (vaccel_resource *r : Runtime::get().resources_snapshot())
			if (r->type == type)
				found.push_back(r);
		*nr_found = found.size();
		*res = nullptr;
		if (found.empty())
			return VACCEL_ENOENT;
		*res = static_cast<vaccel_resource **>(
			malloc(found.size() * sizeof(vaccel_resource *)));
		if (!*res)
			return VACCEL_ENOMEM;
		std::copy(found.begin(), found.end(), *res);
		return VACCEL_OK;
	});
}

extern "C" long int vaccel_resource_refcount(const struct vaccel_resource *res)
{
	ResourceImpl *impl = resource_impl(res);
	if (!impl)
		return -1;
	std::lock_guard lk(impl->lock);
	return (long)impl->sessions.size();
}
