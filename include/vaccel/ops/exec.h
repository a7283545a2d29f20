/* SPDX-License-Identifier: Apache-2.0 */
/** @file vaccel/ops/exec.h Run a function from a shared library. */
#pragma once

#include "../session.h"
#include "../arg.h"
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Call @p fn_symbol from @p library with the args. The function has the
 * signature `int fn(struct vaccel_arg *read, size_t nr_read,
 * struct vaccel_arg *write, size_t nr_write)` and its return value is
 * returned. The library is opened once and the symbol cached.
 */
int vaccel_exec(struct vaccel_session *sess, const char *library,
		const char *fn_symbol, struct vaccel_arg *read, size_t nr_read,
		struct vaccel_arg *write, size_t nr_write);
/** As vaccel_exec() with a LIB resource registered with @p sess. */
int vaccel_exec_with_resource(struct vaccel_session *sess,
			      struct vaccel_resource *resource,
			      const char *fn_symbol, struct vaccel_arg *read,
			      size_t nr_read, struct vaccel_arg *write,
			      size_t nr_write);

#ifdef __cplusplus
}
#endif
