/* SPDX-License-Identifier: Apache-2.0 */
/* A trivial shared object for bench/floor.c. */
int vaccel_bench_tiny(void)
{
	return 1;
}
