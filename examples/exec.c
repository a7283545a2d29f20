/* SPDX-License-Identifier: Apache-2.0 */
/* Run mytestfunc from a shared library, by path or as a LIB resource.
 *   VACCEL_PLUGINS=exec ./exec <lib.so> [iterations] [--resource] */
#include <vaccel.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "Usage: %s <lib.so> [iterations] [--resource]\n",
			argv[0]);
		return 2;
	}
	const int iter = argc > 2 ? atoi(argv[2]) : 1;
	const int use_resource = argc > 3 && strcmp(argv[3], "--resource") == 0;
	struct vaccel_session sess;
	struct vaccel_resource lib = { .id = 0 };
	int ret = vaccel_session_init(&sess, 0);
	if (ret) {
		fprintf(stderr, "Could not initialize session: %d\n", ret);
		return 1;
	}
	if (use_resource) {
		ret = vaccel_resource_init(&lib, argv[1], VACCEL_RESOURCE_LIB);
		if (!ret)
			ret = vaccel_resource_register(&lib, &sess);
		if (ret) {
			fprintf(stderr, "Could not register %s: %d\n", argv[1], ret);
			goto out;
		}
	}

	struct vaccel_arg_array read, write;
	int32_t input = 10, output = 0;
	vaccel_arg_array_init(&read, 1);
	vaccel_arg_array_init(&write, 1);
	vaccel_arg_array_add_int32(&read, &input);
	vaccel_arg_array_add_int32(&write, &output);
	for (int i = 0; i < iter && !ret; i++) {
		if (use_resource)
			ret = vaccel_exec_with_resource(&sess, &lib, "mytestfunc",
							read.args, read.count,
							write.args, write.count);
		else
			ret = vaccel_exec(&sess, argv[1], "mytestfunc", read.args,
					  read.count, write.args, write.count);
	}
	if (ret)
		fprintf(stderr, "Could not run op: %d\n", ret);
	else
		printf("input: %" PRId32 ", output: %" PRId32 "\n", input, output);
	vaccel_arg_array_release(&read);
	vaccel_arg_array_release(&write);
out:
	if (lib.id > 0)
		vaccel_resource_release(&lib);
	vaccel_session_release(&sess);
	return ret ? 1 : 0;
}
