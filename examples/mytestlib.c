/* SPDX-License-Identifier: Apache-2.0 */
/* A library whose functions vaccel_exec() can run: each takes its inputs and
 * outputs as vaccel_args. Build it as a shared library. */
#include <vaccel.h>

#include <stdio.h>

/* output = 2 * input (both int32) */
int mytestfunc(struct vaccel_arg *input, size_t nr_in,
	       struct vaccel_arg *output, size_t nr_out)
{
	struct vaccel_arg_array in, out;
	int32_t x;
	if (nr_in != 1 || nr_out != 1)
		return VACCEL_EINVAL;
	if (vaccel_arg_array_wrap(&in, input, nr_in) ||
	    vaccel_arg_array_wrap(&out, output, nr_out))
		return VACCEL_EINVAL;
	int ret = vaccel_arg_array_get_int32(&in, &x);
	if (ret)
		return ret;
	x *= 2;
	return vaccel_arg_array_set_int32(&out, &x);
}
