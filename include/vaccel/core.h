/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/core.h
 * Bootstrap and teardown. The runtime bootstraps itself from the environment
 * on first use, so most programs never call these. A program that wants its
 * own configuration calls vaccel_bootstrap_with_config() before anything
 * else.
 */
#pragma once

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** (Re)load the configuration from the environment and load its plugins.
 *  VACCEL_EBUSY if sessions or resources are alive. */
int vaccel_bootstrap(void);
/** As vaccel_bootstrap() with @p config (copied). */
int vaccel_bootstrap_with_config(struct vaccel_config *config);
/** Release every session, resource and plugin. */
int vaccel_cleanup(void);
/** True once bootstrapped. */
bool vaccel_is_initialized(void);
/** Per-process run directory, created on first call; NULL if it cannot be. */
const char *vaccel_rundir(void);
/** Configuration in use (bootstraps if needed). */
const struct vaccel_config *vaccel_config(void);

#ifdef __cplusplus
}
#endif
