/* SPDX-License-Identifier: Apache-2.0 */
/* Start-up with a plugin and a session: the runtime bootstraps from the
 * environment (VACCEL_PLUGINS), one session makes one call and is released.
 * Compared with empty.c, which does nothing, by bench/core.cpp. Prints
 * nothing: printing is the program's cost, not vAccel's. */
#include <vaccel.h>

int main(void)
{
	struct vaccel_session s;
	if (vaccel_session_init(&s, 0) != VACCEL_OK)
		return 1;
	int ret = vaccel_noop(&s);
	vaccel_session_release(&s);
	return ret == VACCEL_OK ? 0 : 1;
}
