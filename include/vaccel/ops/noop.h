/* SPDX-License-Identifier: Apache-2.0 */
/** @file vaccel/ops/noop.h The empty operation: measures the cost of the API itself. */
#pragma once

#include "../session.h"
#include "../arg.h"
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Do nothing through the selected plugin. */
int vaccel_noop(struct vaccel_session *sess);

#ifdef __cplusplus
}
#endif
