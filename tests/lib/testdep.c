/* SPDX-License-Identifier: Apache-2.0 */
/* The dependency of testuser.c, for LIB resources of several files. */
#define EXPORT __attribute__((visibility("default")))

EXPORT int vaccel_test_dep_value(void)
{
	return 40;
}
