/* SPDX-License-Identifier: Apache-2.0 */
/** @file vaccel/ops/genop.h Generic operation: any operation, its arguments as vaccel_args. */
#pragma once

#include "../session.h"
#include "../arg.h"
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * read[0] is the operation (VACCEL_ARG_UINT8 holding a vaccel_op_type_t);
 * the remaining read and the write args are that operation's arguments in
 * the order documented in docs/api.md. Returns the operation's result,
 * VACCEL_EINVAL for malformed args, VACCEL_ENOTSUP for an unknown operation.
 */
int vaccel_genop(struct vaccel_session *sess, struct vaccel_arg *read,
		 int nr_read, struct vaccel_arg *write, int nr_write);

#ifdef __cplusplus
}
#endif
