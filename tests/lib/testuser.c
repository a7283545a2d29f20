/* SPDX-License-Identifier: Apache-2.0 */
/* A library that needs a symbol it is not linked against: it opens only
 * after its dependency (testdep.c) with that symbol global, or lazily. */
#include <vaccel.h>

#define EXPORT __attribute__((visibility("default")))

extern int vaccel_test_dep_value(void);

/* write[0] = read[0] + vaccel_test_dep_value() (int32) */
EXPORT int plus_dep(struct vaccel_arg *read, size_t nr_read,
		    struct vaccel_arg *write, size_t nr_write)
{
	if (nr_read != 1 || nr_write != 1 || read[0].size != 4 || write[0].size != 4)
		return VACCEL_EINVAL;
	*(int *)write[0].buf = *(const int *)read[0].buf + vaccel_test_dep_value();
	return VACCEL_OK;
}

/* write[0] = 7, without the dependency */
EXPORT int seven(struct vaccel_arg *read, size_t nr_read,
		 struct vaccel_arg *write, size_t nr_write)
{
	(void)read;
	(void)nr_read;
	if (nr_write != 1 || write[0].size != 4)
		return VACCEL_EINVAL;
	*(int *)write[0].buf = 7;
	return VACCEL_OK;
}
