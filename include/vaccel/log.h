/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/log.h
 * Logging. The level comes from VACCEL_LOG_LEVEL (1 error .. 4 debug) and the
 * destination from VACCEL_LOG_FILE (stderr when unset). The level test is
 * inline, so a disabled message costs one load and a branch: its arguments
 * are not even evaluated.
 */
#pragma once

#include "utils/enum.h"
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VACCEL_LOG_LEVEL_LIST(X, P) \
	X(P, ERROR, 1)              \
	X(P, WARN, 2)               \
	X(P, INFO, 3)               \
	X(P, DEBUG, 4)

VACCEL_ENUM_DEFINE(vaccel_log_level, VACCEL_LOG, VACCEL_LOG_LEVEL_LIST)

/* Current level; written only by the runtime. Read it with
 * vaccel_log_enabled(). */
extern int vaccel_log_level_current_;

static inline bool vaccel_log_enabled(vaccel_log_level_t level)
{
	return (int)level <= vaccel_log_level_current_;
}

/** Write one log line at @p level (printf format). Thread-safe. */
void vaccel_log_print(vaccel_log_level_t level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Set the level at run time (1..4); VACCEL_EINVAL otherwise. */
int vaccel_log_set_level(vaccel_log_level_t level);

#define VACCEL_LOG_AT_(level, ...)                           \
	do {                                                 \
		if (vaccel_log_enabled(level))               \
			vaccel_log_print(level, __VA_ARGS__); \
	} while (0)

#define vaccel_error(...) VACCEL_LOG_AT_(VACCEL_LOG_ERROR, __VA_ARGS__)
#define vaccel_warn(...) VACCEL_LOG_AT_(VACCEL_LOG_WARN, __VA_ARGS__)
#define vaccel_info(...) VACCEL_LOG_AT_(VACCEL_LOG_INFO, __VA_ARGS__)
#define vaccel_debug(...) VACCEL_LOG_AT_(VACCEL_LOG_DEBUG, __VA_ARGS__)
#define vaccel_trace(...) VACCEL_LOG_AT_(VACCEL_LOG_DEBUG, __VA_ARGS__)
#define vaccel_fatal(...) VACCEL_LOG_AT_(VACCEL_LOG_ERROR, __VA_ARGS__)

/**
 * Why this thread's calls failed: the error lines it logged (the runtime's,
 * the plugins', and behind the rpc plugin the agent's) since the last
 * vaccel_error_clear(), joined by "; ", without timestamps; the latest
 * 1 KiB of them. "" if none. Thread-local: the string is valid until this
 * thread logs or clears again. Never NULL. (An extension of this
 * implementation; the C++ API's vaccel::Error carries it as message().)
 */
const char *vaccel_error_message(void);
/** Forget this thread's error lines (before a call to be explained). */
void vaccel_error_clear(void);

/** Open the log destination from the current configuration. */
int vaccel_log_init(void);
/** Close a log file opened by vaccel_log_init(). */
int vaccel_log_shutdown(void);

#ifdef __cplusplus
}
#endif
