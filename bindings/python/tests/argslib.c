/* SPDX-License-Identifier: Apache-2.0 */
/* Functions for the Python tests of vaccel_exec() argument passing: they
 * report what arrived, so a test can check the type and size each Python
 * object was mapped to, locally and through the agent. */
#include <vaccel.h>

#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* The last write arg (INT64_ARRAY) receives (type, size) of every read arg,
 * then of every write arg, itself included. */
EXPORT int describe(struct vaccel_arg *read, size_t nr_read,
		    struct vaccel_arg *write, size_t nr_write)
{
	if (nr_write < 1)
		return VACCEL_EINVAL;
	struct vaccel_arg *out = &write[nr_write - 1];
	size_t need = 2 * (nr_read + nr_write) * sizeof(int64_t);
	if (out->type != VACCEL_ARG_INT64_ARRAY || out->size < need)
		return VACCEL_ENOSPC;
	int64_t *o = (int64_t *)out->buf;
	for (size_t i = 0; i < nr_read; ++i) {
		*o++ = read[i].type;
		*o++ = (int64_t)read[i].size;
	}
	for (size_t i = 0; i < nr_write; ++i) {
		*o++ = write[i].type;
		*o++ = (int64_t)write[i].size;
	}
	return VACCEL_OK;
}

/* write[i] = the bytes of read[i] (as many as fit); counts must match. */
EXPORT int copy_args(struct vaccel_arg *read, size_t nr_read,
		     struct vaccel_arg *write, size_t nr_write)
{
	if (nr_read != nr_write)
		return VACCEL_EINVAL;
	for (size_t i = 0; i < nr_read; ++i) {
		size_t n = read[i].size < write[i].size ? read[i].size : write[i].size;
		if (n)
			memcpy(write[i].buf, read[i].buf, n);
	}
	return VACCEL_OK;
}
