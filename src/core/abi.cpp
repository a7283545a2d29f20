// SPDX-License-Identifier: Apache-2.0
// Plugin ABI 1, frozen: the layouts a plugin built against this version and
// a runtime built against a later one must agree on. A change that moves
// any of these fails the build here; what may change is appending fields to
// vaccel_plugin_desc (read only where a plugin's size reaches them) and
// operations to vaccel_plugin_ops (read only where its ops_size does), which
// then need these checks extended, not edited. Checked for LP64 targets.
#include "vaccel.h"

#include <cstddef>

#if defined(__LP64__)
static_assert(VACCEL_PLUGIN_ABI_VERSION == 1, "a new ABI gets its own checks");

#define AT(type, field, offset) static_assert(offsetof(type, field) == (offset), #type "." #field)

AT(vaccel_plugin_desc, abi_version, 0);
AT(vaccel_plugin_desc, size, 4);
AT(vaccel_plugin_desc, name, 8);
AT(vaccel_plugin_desc, version, 16);
AT(vaccel_plugin_desc, vaccel_version, 24);
AT(vaccel_plugin_desc, type, 32);
AT(vaccel_plugin_desc, init, 40);
AT(vaccel_plugin_desc, fini, 48);
AT(vaccel_plugin_desc, session_init, 56);
AT(vaccel_plugin_desc, session_release, 64);
AT(vaccel_plugin_desc, resource_register, 72);
AT(vaccel_plugin_desc, resource_unregister, 80);
AT(vaccel_plugin_desc, ops_size, 88);
AT(vaccel_plugin_desc, ops, 96);
AT(vaccel_plugin_desc, host_memory_register, 104); // appended in ABI 1
AT(vaccel_plugin_desc, host_memory_unregister, 112);
static_assert(sizeof(vaccel_plugin_desc) == 120);

// One pointer per operation, at its operation id.
#define OP_AT(NAME, member, fn)                                                  \
	AT(vaccel_plugin_ops, member, VACCEL_OP_##NAME * sizeof(void *));
VACCEL_PLUGIN_OPS_LIST(OP_AT)
static_assert(sizeof(vaccel_plugin_ops) == 24 * sizeof(void *));
static_assert(VACCEL_OP_MAX == 24);

// What plugins read and write of the runtime's structs.
AT(vaccel_arg, buf, 0);
AT(vaccel_arg, size, 8);
AT(vaccel_arg, type, 16);
AT(vaccel_arg, custom_type_id, 20);
AT(vaccel_arg, owned, 24);
static_assert(sizeof(vaccel_arg) == 32);

AT(vaccel_session, id, 0);
AT(vaccel_session, remote_id, 8);
AT(vaccel_session, hint, 16);
AT(vaccel_session, is_virtio, 20);
AT(vaccel_session, priv, 24);
static_assert(sizeof(vaccel_session) == 32);

AT(vaccel_resource, id, 0);
AT(vaccel_resource, remote_id, 8);
AT(vaccel_resource, type, 16);
AT(vaccel_resource, path_type, 20);
AT(vaccel_resource, paths, 24);
AT(vaccel_resource, nr_paths, 32);
AT(vaccel_resource, rundir, 40);
AT(vaccel_resource, blobs, 48);
AT(vaccel_resource, nr_blobs, 56);
AT(vaccel_resource, plugin_priv, 64);
AT(vaccel_resource, priv, 72);
static_assert(sizeof(vaccel_resource) == 80);
#endif
