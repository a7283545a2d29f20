/* SPDX-License-Identifier: Apache-2.0 */
/* A plugin whose init fails: it must be skipped, the others still serve. */
#include "common.h"

static int failing_init(void)
{
	return VACCEL_EIO;
}

TEST_PLUGIN(fails, "test-init-fails", VACCEL_PLUGIN_CPU, failing_init, NULL)
VACCEL_PLUGIN_ENTRY(fails, fails_desc)
