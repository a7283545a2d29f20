/* SPDX-License-Identifier: Apache-2.0 */
/* Functions for vaccel_exec() tests. */
#include <vaccel.h>

#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))

/* write[0] = 2 * read[0] (int32) */
EXPORT int mytestfunc(struct vaccel_arg *read, size_t nr_read,
		      struct vaccel_arg *write, size_t nr_write)
{
	struct vaccel_arg_array in, out;
	int32_t x;
	if (nr_read != 1 || nr_write != 1)
		return VACCEL_EINVAL;
	if (vaccel_arg_array_wrap(&in, read, nr_read) ||
	    vaccel_arg_array_wrap(&out, write, nr_write))
		return VACCEL_EINVAL;
	int ret = vaccel_arg_array_get_int32(&in, &x);
	if (ret)
		return ret;
	x *= 2;
	return vaccel_arg_array_set_int32(&out, &x);
}

/* write[0][i] = sum of the float arrays read[*][i] */
EXPORT int sum_arrays(struct vaccel_arg *read, size_t nr_read,
		      struct vaccel_arg *write, size_t nr_write)
{
	if (nr_read < 1 || nr_write != 1 || write[0].type != VACCEL_ARG_FLOAT32_ARRAY)
		return VACCEL_EINVAL;
	size_t n = write[0].size / sizeof(float);
	float *out = (float *)write[0].buf;
	memset(out, 0, n * sizeof(float));
	for (size_t r = 0; r < nr_read; ++r) {
		if (read[r].type != VACCEL_ARG_FLOAT32_ARRAY ||
		    read[r].size != n * sizeof(float))
			return VACCEL_EINVAL;
		const float *in = (const float *)read[r].buf;
		for (size_t i = 0; i < n; ++i)
			out[i] += in[i];
	}
	return VACCEL_OK;
}

/* Always fails with a distinctive code. */
EXPORT int always_fails(struct vaccel_arg *read, size_t nr_read,
			struct vaccel_arg *write, size_t nr_write)
{
	(void)read; (void)nr_read; (void)write; (void)nr_write;
	return VACCEL_EREMOTEIO;
}

/* Does nothing: the cost of exec itself. */
EXPORT int empty(struct vaccel_arg *read, size_t nr_read,
		 struct vaccel_arg *write, size_t nr_write)
{
	(void)read; (void)nr_read; (void)write; (void)nr_write;
	return VACCEL_OK;
}

/* Sleeps read[0] (int32) milliseconds: a call that is still in flight. */
#include <time.h>
EXPORT int sleep_ms(struct vaccel_arg *read, size_t nr_read,
		    struct vaccel_arg *write, size_t nr_write)
{
	(void)write; (void)nr_write;
	if (nr_read != 1 || read[0].size != sizeof(int32_t))
		return VACCEL_EINVAL;
	int32_t ms = *(int32_t *)read[0].buf;
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	return VACCEL_OK;
}

/* Sets write[0] (int32) to 1, sleeps read[0] (int32) milliseconds, sets it
 * to 2 and returns: a call that is seen running, lasts a while and is seen
 * to have finished. */
EXPORT int nap(struct vaccel_arg *read, size_t nr_read,
	       struct vaccel_arg *write, size_t nr_write)
{
	if (nr_read != 1 || nr_write != 1 || read[0].size != sizeof(int32_t) ||
	    write[0].size != sizeof(int32_t))
		return VACCEL_EINVAL;
	int32_t ms = *(const int32_t *)read[0].buf;
	__atomic_store_n((int32_t *)write[0].buf, 1, __ATOMIC_SEQ_CST);
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
	__atomic_store_n((int32_t *)write[0].buf, 2, __ATOMIC_SEQ_CST);
	return VACCEL_OK;
}

/* The same as mytestfunc, written as exec libraries for upstream vAccel
 * 0.7 are: with the (deprecated) serial-argument helpers. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
EXPORT int mytestfunc_v07(struct vaccel_arg *read, size_t nr_read,
			  struct vaccel_arg *write, size_t nr_write)
{
	if (nr_read != 1 || nr_write != 1)
		return VACCEL_EINVAL;
	int32_t x = *(int32_t *)vaccel_extract_serial_arg(read, 0);
	x *= 2;
	return vaccel_write_serial_arg(write, 0, &x);
}
