/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernels of the opencl plugin, OpenCL C 1.2. The plugin compiles this
 * file (embedded at build time) unless it is given a program binary; a
 * binary must hold these four kernels with these arguments.
 *
 * Each work-item does one element. The plugin rounds the global size up to
 * a multiple of 64 so that every device can pick a good work-group size,
 * hence the `n` argument and the early return past it.
 *
 * Results are exact: IEEE single-precision + and * are correctly rounded
 * in OpenCL C, and no kernel computes a*b+c that a compiler could fuse.
 */

/* c = a + b over max(len_a, len_b) elements; where one input is shorter,
 * the element of the longer one is copied (it is not added to 0, which
 * would turn -0 into +0). */
__kernel void vadd(__global const float *a, __global const float *b,
		   __global float *c, const ulong len_a, const ulong len_b,
		   const ulong n)
{
	const size_t i = get_global_id(0);
	if (i >= n)
		return;
	if (i < len_a && i < len_b)
		c[i] = a[i] + b[i];
	else if (i < len_a)
		c[i] = a[i];
	else
		c[i] = b[i];
}

__kernel void arraycopy(__global const int *a, __global int *out_a,
			const ulong n)
{
	const size_t i = get_global_id(0);
	if (i < n)
		out_a[i] = a[i];
}

/* Element-wise, like the project's noop plugin (docs/plugins.md says why
 * this and not a matrix product). */
__kernel void mmult(__global const float *a, __global const float *b,
		    __global float *c, const ulong n)
{
	const size_t i = get_global_id(0);
	if (i < n)
		c[i] = a[i] * b[i];
}

/* Both results of one pass over a and b. */
__kernel void parallel(__global const float *a, __global const float *b,
		       __global float *add_output, __global float *mult_output,
		       const ulong n)
{
	const size_t i = get_global_id(0);
	if (i >= n)
		return;
	const float x = a[i], y = b[i];
	add_output[i] = x + y;
	mult_output[i] = x * y;
}
