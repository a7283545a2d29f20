/* SPDX-License-Identifier: Apache-2.0 */
/* A plugin built for another plugin ABI: the runtime must refuse it. */
#include "common.h"

static const struct vaccel_plugin_desc bad_desc = {
	.abi_version = VACCEL_PLUGIN_ABI_VERSION + 41,
	.size = sizeof(struct vaccel_plugin_desc),
	.name = "test-bad-abi",
	.version = "test",
	.vaccel_version = VACCEL_VERSION,
	.type = VACCEL_PLUGIN_CPU,
};
VACCEL_PLUGIN_ENTRY(bad, bad_desc)
