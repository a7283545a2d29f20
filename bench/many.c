/* SPDX-License-Identifier: Apache-2.0 */
/* An exec library of 1024 empty functions, fn_0 ... fn_1023, for the cost of
 * exec over many functions of one library (bench/core.cpp). */
#include <stddef.h>

struct vaccel_arg;

#define FN(n)                                                              \
	__attribute__((visibility("default"))) int fn_##n(                  \
		struct vaccel_arg *r, size_t nr, struct vaccel_arg *w,      \
		size_t nw)                                                  \
	{                                                                   \
		(void)r;                                                    \
		(void)w;                                                    \
		return (int)(nr + nw) - (int)(nr + nw);                     \
	}
#define FN4(n) FN(n##0) FN(n##1) FN(n##2) FN(n##3)
#define FN16(n) FN4(n##0) FN4(n##1) FN4(n##2) FN4(n##3)
#define FN64(n) FN16(n##0) FN16(n##1) FN16(n##2) FN16(n##3)
#define FN256(n) FN64(n##0) FN64(n##1) FN64(n##2) FN64(n##3)
/* Named "fn_1" and a number in 5 base-4 digits: fn_100000 ... fn_133333. */
FN256(10) FN256(11) FN256(12) FN256(13)
