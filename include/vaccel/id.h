/* SPDX-License-Identifier: Apache-2.0 */
/** @file vaccel/id.h Identifier of sessions and resources: > 0 when live. */
#pragma once

#include <stdint.h>

typedef int64_t vaccel_id_t;
