/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/resource.h
 * Resources: models, libraries and data that operations use. A resource is
 * created from files, a directory, memory or blobs, then registered with the
 * sessions that use it. Creating one touches the filesystem only to check
 * that its paths exist (a resource from memory is written to a file only
 * when asked to, with mem_only = false).
 *
 * Releasing a resource unregisters it from every session first.
 */
#pragma once

#include "blob.h"
#include "id.h"
#include "utils/enum.h"
#include "utils/path.h"
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VACCEL_RESOURCE_TYPE_LIST(X, P) \
	X(P, LIB, 0)                    \
	X(P, DATA, 1)                   \
	X(P, MODEL, 2)

VACCEL_ENUM_DEFINE(vaccel_resource_type, VACCEL_RESOURCE,
		   VACCEL_RESOURCE_TYPE_LIST)

struct vaccel_resource {
	vaccel_id_t id; /* > 0 while the resource is live */
	vaccel_id_t remote_id; /* id of its mirror on a remote agent, or 0 */
	vaccel_resource_type_t type; /* what it is */
	vaccel_path_type_t path_type; /* what its paths are */
	char **paths; /* paths it was created from; NULL if from memory */
	size_t nr_paths; /* number of paths */
	char *rundir; /* directory holding files we wrote; may be NULL */
	struct vaccel_blob **blobs; /* its files or buffers */
	size_t nr_blobs; /* number of blobs */
	void *plugin_priv; /* free for the plugin that serves it */
	void *priv; /* runtime-private; do not touch */
};

/** Look up a live resource by id. VACCEL_ENOENT if none. */
int vaccel_resource_get_by_id(struct vaccel_resource **res, vaccel_id_t id);
/** The first live resource of @p type. */
int vaccel_resource_get_by_type(struct vaccel_resource **res,
				vaccel_resource_type_t type);
/** All live resources of @p type in a malloc()ed array the caller frees. */
int vaccel_resource_get_all_by_type(struct vaccel_resource ***res,
				    size_t *nr_found,
				    vaccel_resource_type_t type);
/** Number of sessions @p res is registered with; -1 if invalid. */
long int vaccel_resource_refcount(const struct vaccel_resource *res);

/** From a file or a directory (each regular file becomes a blob). */
int vaccel_resource_init(struct vaccel_resource *res, const char *path,
			 vaccel_resource_type_t type);
/** From several files. */
int vaccel_resource_init_multi(struct vaccel_resource *res, const char **paths,
			       size_t nr_paths, vaccel_resource_type_t type);
/** From @p nr_bytes of memory. With @p mem_only the blob borrows @p buf,
 *  which must outlive the resource (as upstream's); else the bytes are
 *  written to @p filename (a random name if NULL) in a directory of the
 *  resource's own, and the blob maps that file. */
int vaccel_resource_init_from_buf(struct vaccel_resource *res, const void *buf,
				  size_t nr_bytes, vaccel_resource_type_t type,
				  const char *filename, bool mem_only);
/** From existing blobs: the blob structs are copied; the bytes of a BUFFER
 *  blob are copied if it owns them, else borrowed like the source did. */
int vaccel_resource_init_from_blobs(struct vaccel_resource *res,
				    const struct vaccel_blob **blobs,
				    size_t nr_blobs,
				    vaccel_resource_type_t type);
int vaccel_resource_release(struct vaccel_resource *res);
int vaccel_resource_new(struct vaccel_resource **res, const char *path,
			vaccel_resource_type_t type);
int vaccel_resource_multi_new(struct vaccel_resource **res, const char **paths,
			      size_t nr_paths, vaccel_resource_type_t type);
int vaccel_resource_from_buf(struct vaccel_resource **res, const void *buf,
			     size_t nr_bytes, vaccel_resource_type_t type,
			     const char *filename, bool mem_only);
int vaccel_resource_from_blobs(struct vaccel_resource **res,
			       const struct vaccel_blob **blobs,
			       size_t nr_blobs, vaccel_resource_type_t type);
int vaccel_resource_delete(struct vaccel_resource *res);

struct vaccel_session;
/** Register @p res with @p sess. VACCEL_EEXIST if already registered. */
int vaccel_resource_register(struct vaccel_resource *res,
			     struct vaccel_session *sess);
/** Unregister. VACCEL_ENOENT if not registered with @p sess. */
int vaccel_resource_unregister(struct vaccel_resource *res,
			       struct vaccel_session *sess);
/** Refresh @p res from its remote mirror (no-op for local resources). */
int vaccel_resource_sync(struct vaccel_resource *res,
			 struct vaccel_session *sess);
/** Directory of a resource made from a directory: copied into @p out_path
 *  (capacity @p out_path_size) or, if @p alloc_path, allocated there. */
int vaccel_resource_directory(struct vaccel_resource *res, char *out_path,
			      size_t out_path_size, char **alloc_path);

#ifdef __cplusplus
}
#endif
