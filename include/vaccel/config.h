/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/config.h
 * Runtime configuration: which plugins to load, logging, profiling.
 *
 * From the environment: VACCEL_PLUGINS (':'-separated plugin paths or names;
 * a name may be a plugin linked into the program), VACCEL_LOG_LEVEL (1..4),
 * VACCEL_LOG_FILE, VACCEL_PROFILING_ENABLED (1/true), VACCEL_VERSION_IGNORE.
 */
#pragma once

#include "log.h"
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_config {
	char *plugins; /* ':'-separated plugins to load; may be NULL */
	vaccel_log_level_t log_level; /* level of messages to print */
	char *log_file; /* file to log to; NULL for stderr */
	bool profiling_enabled; /* record profiling regions */
	bool version_ignore; /* load plugins built for another version */
};

/** Fill @p config; strings are copied. Release with vaccel_config_release(). */
int vaccel_config_init(struct vaccel_config *config, const char *plugins,
		       vaccel_log_level_t log_level, const char *log_file,
		       bool profiling_enabled, bool version_ignore);
/** Fill @p config from the environment (defaults where unset). */
int vaccel_config_init_from_env(struct vaccel_config *config);
/** Deep-copy @p config_src into @p config. */
int vaccel_config_init_from(struct vaccel_config *config,
			    struct vaccel_config *config_src);
/** Free the strings of @p config. */
int vaccel_config_release(struct vaccel_config *config);
/** Allocate and fill a config; free with vaccel_config_delete(). */
int vaccel_config_new(struct vaccel_config **config, const char *plugins,
		      vaccel_log_level_t log_level, const char *log_file,
		      bool profiling_enabled, bool version_ignore);
/** Allocate a config from the environment. */
int vaccel_config_from_env(struct vaccel_config **config);
/** Allocate a deep copy of @p config_src. */
int vaccel_config_from(struct vaccel_config **config,
		       struct vaccel_config *config_src);
/** Release and free a config from vaccel_config_new*() / _from*(). */
int vaccel_config_delete(struct vaccel_config *config);
/** Log @p config at debug level. */
void vaccel_config_print_debug(struct vaccel_config *config);

#ifdef __cplusplus
}
#endif
