/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/session.h
 * Sessions. A session is the context of a stream of operations: the hint
 * that steers plugin selection and the resources registered with it.
 * Creating one does no I/O. A session is safe to use from several threads.
 */
#pragma once

#include "id.h"
#include "resource.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_session {
	vaccel_id_t id; /* > 0 while the session is live */
	vaccel_id_t remote_id; /* id of its mirror on a remote agent, or 0 */
	unsigned int hint; /* preferred plugin types (VACCEL_PLUGIN_* bits) */
	bool is_virtio; /* true if its operations go to a remote agent */
	void *priv; /* runtime-private; do not touch */
};

/** Look up a live session by id. */
int vaccel_session_get_by_id(struct vaccel_session **sess, vaccel_id_t id);
/** Start a session. @p flags: VACCEL_PLUGIN_* bits; 0 for no preference. */
int vaccel_session_init(struct vaccel_session *sess, uint32_t flags);
/** End a session, unregistering its resources. */
int vaccel_session_release(struct vaccel_session *sess);
int vaccel_session_new(struct vaccel_session **sess, uint32_t flags);
int vaccel_session_delete(struct vaccel_session *sess);
bool vaccel_session_has_resource(struct vaccel_session *sess,
				 struct vaccel_resource *res);
/** Registered resource with id @p id. */
int vaccel_session_resource_by_id(struct vaccel_session *sess,
				  struct vaccel_resource **res, vaccel_id_t id);
/** First registered resource of @p type. */
int vaccel_session_resource_by_type(struct vaccel_session *sess,
				    struct vaccel_resource **res,
				    vaccel_resource_type_t type);
/** All registered resources of @p type, in a malloc()ed array. */
int vaccel_session_resources_by_type(struct vaccel_session *sess,
				     struct vaccel_resource ***resources,
				     size_t *nr_found,
				     vaccel_resource_type_t type);

/** Change the hint of a session (drops its cached plugin choices). */
__attribute__((deprecated("The function will be removed in a future release"))) int
vaccel_session_update(struct vaccel_session *sess, uint32_t flags);
__attribute__((deprecated("Use vaccel_session_init() instead"))) int
vaccel_sess_init(struct vaccel_session *sess, uint32_t flags);
__attribute__((deprecated("The function will be removed in a future release"))) int
vaccel_sess_update(struct vaccel_session *sess, uint32_t flags);
__attribute__((deprecated("Use vaccel_session_release() instead"))) int
vaccel_sess_free(struct vaccel_session *sess);
__attribute__((deprecated("Use vaccel_session_has_resource() instead"))) bool
vaccel_sess_has_resource(struct vaccel_session *sess,
			 struct vaccel_resource *res);

#ifdef __cplusplus
}
#endif
