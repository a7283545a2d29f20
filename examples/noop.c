/* SPDX-License-Identifier: Apache-2.0 */
/* The smallest vAccel program: one session, one call.
 *   VACCEL_PLUGINS=noop ./noop [iterations] */
#include <vaccel.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char *argv[])
{
	struct vaccel_session sess;
	int ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session: %d\n", ret);
		return 1;
	}
	printf("Initialized session with id: %" PRId64 "\n", sess.id);

	const int iter = argc > 1 ? atoi(argv[1]) : 1;
	for (int i = 0; i < iter; i++) {
		ret = vaccel_noop(&sess);
		if (ret) {
			fprintf(stderr, "Could not run op: %d\n", ret);
			break;
		}
	}
	if (vaccel_session_release(&sess))
		fprintf(stderr, "Could not release session\n");
	return ret ? 1 : 0;
}
