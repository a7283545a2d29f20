/* SPDX-License-Identifier: Apache-2.0 */
/** @file vaccel/utils/path.h What a resource path points at. */
#pragma once

#include "enum.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VACCEL_PATH_TYPE_LIST(X, P) \
	X(P, LOCAL_FILE, 0)         \
	X(P, LOCAL_DIR, 1)          \
	X(P, REMOTE_FILE, 2)

VACCEL_ENUM_DEFINE(vaccel_path_type, VACCEL_PATH, VACCEL_PATH_TYPE_LIST)

#ifdef __cplusplus
}
#endif
