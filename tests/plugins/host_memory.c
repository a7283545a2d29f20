/* SPDX-License-Identifier: Apache-2.0 */
/* A plugin that takes long-lived host memory (as cuda does, to page-lock
 * it) and says in the log what it was given and given back, so that a test
 * can follow an agent's arenas and mailboxes from outside. */
#include "common.h"

#include <pthread.h>
#include <stdint.h>

#define MAX_RANGES 256

static struct {
	pthread_mutex_t lock;
	void *addr[MAX_RANGES];
	size_t len[MAX_RANGES];
} held = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int hm_register(void *addr, size_t len)
{
	int ret = VACCEL_ENOSPC;
	pthread_mutex_lock(&held.lock);
	for (int i = 0; i < MAX_RANGES; ++i)
		if (!held.addr[i]) {
			held.addr[i] = addr;
			held.len[i] = len;
			ret = VACCEL_OK;
			break;
		}
	pthread_mutex_unlock(&held.lock);
	vaccel_warn("[test-host-memory] register %zu bytes%s", len,
		    ret ? ": no room" : "");
	return ret;
}

/* Only a range given before, exactly: anything else is logged as wrong. */
static int hm_unregister(void *addr, size_t len)
{
	int ret = VACCEL_ENOENT;
	pthread_mutex_lock(&held.lock);
	for (int i = 0; i < MAX_RANGES; ++i)
		if (held.addr[i] == addr && held.len[i] == len) {
			held.addr[i] = NULL;
			ret = VACCEL_OK;
			break;
		}
	pthread_mutex_unlock(&held.lock);
	vaccel_warn("[test-host-memory] unregister %zu bytes%s", len,
		    ret ? ": never registered" : "");
	return ret;
}

/* Written with VACCEL_PLUGIN_DESC_HEADER, the older form, which stays. */
static const struct vaccel_plugin_desc hm_desc = {
	VACCEL_PLUGIN_DESC_HEADER,
	.name = "test-host-memory",
	.version = "test",
	.type = VACCEL_PLUGIN_GPU,
	.host_memory_register = hm_register,
	.host_memory_unregister = hm_unregister,
};
VACCEL_PLUGIN_ENTRY(hm, hm_desc)
