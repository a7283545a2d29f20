// SPDX-License-Identifier: Apache-2.0
#include "guard.hpp"
#include "runtime.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <strings.h>

using vaccel::core::dup_cstr;

namespace {

// The value of @p name; if only the deprecated @p old is set, its value,
// with a warning (the runtime's log is not set up yet: stderr).
const char *env_renamed(const char *name, const char *old)
{
	const char *v = getenv(name);
	if (v || !old)
		return v;
	v = getenv(old);
	if (v)
		fprintf(stderr, "vaccel: %s is deprecated, use %s\n", old, name);
	return v;
}

bool env_bool(const char *name, bool dflt, const char *old = nullptr)
{
	const char *v = env_renamed(name, old);
	if (!v || !*v)
		return dflt;
	return strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
	       strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0;
}

} // namespace

extern "C" int vaccel_config_init(struct vaccel_config *config,
				  const char *plugins,
				  vaccel_log_level_t log_level,
				  const char *log_file, bool profiling_enabled,
				  bool version_ignore)
{
	if (!config)
		return VACCEL_EINVAL;
	if (log_level < VACCEL_LOG_ERROR || log_level > VACCEL_LOG_DEBUG) {
		vaccel_error("config: invalid log level %d", (int)log_level);
		return VACCEL_EINVAL;
	}
	char *p = dup_cstr(plugins);
	char *f = dup_cstr(log_file);
	if ((plugins && !p) || (log_file && !f)) {
		free(p);
		free(f);
		return VACCEL_ENOMEM;
	}
	config->plugins = p;
	config->log_level = log_level;
	config->log_file = f;
	config->profiling_enabled = profiling_enabled;
	config->version_ignore = version_ignore;
	return VACCEL_OK;
}

extern "C" int vaccel_config_init_from_env(struct vaccel_config *config)
{
	if (!config)
		return VACCEL_EINVAL;
	vaccel_log_level_t level = VACCEL_LOG_ERROR;
	if (const char *v = env_renamed("VACCEL_LOG_LEVEL", "VACCEL_DEBUG_LEVEL");
	    v && *v) {
		char *end = nullptr;
		long l = strtol(v, &end, 10);
		if (*end == '\0' && l >= VACCEL_LOG_ERROR &&
		    l <= VACCEL_LOG_DEBUG)
			level = (vaccel_log_level_t)l;
		else
			fprintf(stderr,
				"vaccel: ignoring VACCEL_LOG_LEVEL=%s (want 1..4)\n",
				v);
	}
	return vaccel_config_init(config, env_renamed("VACCEL_PLUGINS", "VACCEL_BACKENDS"),
				  level, getenv("VACCEL_LOG_FILE"),
				  env_bool("VACCEL_PROFILING_ENABLED", false),
				  env_bool("VACCEL_VERSION_IGNORE", false,
					   "VACCEL_IGNORE_VERSION"));
}

extern "C" int vaccel_config_init_from(struct vaccel_config *config,
				       struct vaccel_config *src)
{
	if (!config || !src)
		return VACCEL_EINVAL;
	return vaccel_config_init(config, src->plugins, src->log_level,
				  src->log_file, src->profiling_enabled,
				  src->version_ignore);
}

extern "C" int vaccel_config_release(struct vaccel_config *config)
{
	if (!config)
		return VACCEL_EINVAL;
	free(config->plugins);
	free(config->log_file);
	config->plugins = nullptr;
	config->log_file = nullptr;
	return VACCEL_OK;
}

namespace {
template <class Init> int config_alloc(struct vaccel_config **out, Init &&init)
{
	if (!out)
		return VACCEL_EINVAL;
	auto *c = static_cast<struct vaccel_config *>(calloc(1, sizeof(struct vaccel_config)));
	if (!c)
		return VACCEL_ENOMEM;
	int ret = init(c);
	if (ret) {
		free(c);
		return ret;
	}
	*out = c;
	return VACCEL_OK;
}
} // namespace

extern "C" int vaccel_config_new(struct vaccel_config **config,
				 const char *plugins,
				 vaccel_log_level_t log_level,
				 const char *log_file, bool profiling_enabled,
				 bool version_ignore)
{
	return config_alloc(config, [&](struct vaccel_config *c) {
		return vaccel_config_init(c, plugins, log_level, log_file,
					  profiling_enabled, version_ignore);
	});
}

extern "C" int vaccel_config_from_env(struct vaccel_config **config)
{
	return config_alloc(config, [](struct vaccel_config *c) {
		return vaccel_config_init_from_env(c);
	});
}

extern "C" int vaccel_config_from(struct vaccel_config **config,
				  struct vaccel_config *src)
{
	return config_alloc(config, [&](struct vaccel_config *c) {
		return vaccel_config_init_from(c, src);
	});
}

extern "C" int vaccel_config_delete(struct vaccel_config *config)
{
	int ret = vaccel_config_release(config);
	if (ret)
		return ret;
	free(config);
	return VACCEL_OK;
}

extern "C" void vaccel_config_print_debug(struct vaccel_config *config)
{
	if (!config)
		return;
	vaccel_debug("config: plugins=%s log_level=%s log_file=%s "
		     "profiling=%d version_ignore=%d",
		     config->plugins ? config->plugins : "(none)",
		     vaccel_log_level_to_str(config->log_level),
		     config->log_file ? config->log_file : "(stderr)",
		     (int)config->profiling_enabled,
		     (int)config->version_ignore);
}
