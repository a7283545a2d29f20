/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the test plugins: a descriptor with one sgemm implementation. */
#pragma once
#include <vaccel.h>

#define TEST_PLUGIN(tag, plugin_name, plugin_type, init_fn, sgemm_fn)        \
	static const struct vaccel_plugin_ops tag##_ops = { .sgemm = sgemm_fn }; \
	static const struct vaccel_plugin_desc tag##_desc = {                  \
		VACCEL_PLUGIN_DESC(plugin_name, "test", plugin_type),          \
		.init = init_fn,                                               \
		VACCEL_PLUGIN_OPS(tag##_ops),                                  \
	};
