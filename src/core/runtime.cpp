// SPDX-License-Identifier: Apache-2.0
#include "runtime.hpp"
#include "fs.hpp"
#include "guard.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dlfcn.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

#ifndef VACCEL_PLUGIN_DIR
#define VACCEL_PLUGIN_DIR ""
#endif

namespace vaccel::core {

char no_impl_marker;
std::atomic<bool> prof_enabled{false};

uint64_t now_ns() noexcept
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

char *dup_cstr(const char *s) noexcept
{
	return s ? strdup(s) : nullptr;
}

namespace {

// Built-in plugins register before main() from constructors, when no C++
// object here may be assumed constructed: a zero-initialised array only.
constexpr size_t kMaxBuiltins = 32;
const vaccel_plugin_desc *builtins[kMaxBuiltins];
std::atomic<size_t> nr_builtins{0};

const vaccel_plugin_desc *find_builtin(const char *name)
{
	size_t n = nr_builtins.load(std::memory_order_acquire);
	for (size_t i = 0; i < n && i < kMaxBuiltins; ++i)
		if (builtins[i] && builtins[i]->name &&
		    strcmp(builtins[i]->name, name) == 0)
			return builtins[i];
	return nullptr;
}

// "major.minor" of a version string, for the compatibility check.
std::string major_minor(const char *v)
{
	std::string s = v ? v : "";
	auto dot = s.find('.');
	if (dot == std::string::npos)
		return s;
	auto dot2 = s.find_first_of(".-+", dot + 1);
	return s.substr(0, dot2);
}

bool hint_matches(uint32_t hint, uint32_t type)
{
	uint32_t want = hint & ~(uint32_t)VACCEL_PLUGIN_REMOTE;
	if (hint & VACCEL_PLUGIN_REMOTE)
		return (type & VACCEL_PLUGIN_REMOTE) != 0;
	return want == 0 || (want & type) != 0;
}

// Dynamic loading, absent from builds for programs without a dynamic linker
// (VACCEL_NO_DLOPEN: static guests, unikernels), which use built-ins only.
void close_handle(void *h)
{
#ifndef VACCEL_NO_DLOPEN
	if (h)
		dlclose(h);
#else
	(void)h;
#endif
}

int open_shared(const char *spec, Plugin &p, const vaccel_plugin_desc *&desc)
{
#ifdef VACCEL_NO_DLOPEN
	vaccel_error("plugin %s: not built into this program, and this build "
		     "cannot load shared plugins", spec);
	(void)p;
	(void)desc;
	return VACCEL_ENOENT;
#else
	// A path, or a name: try libvaccel-<name>.so next to this library
	// (the plugins built or installed with it, also in a build tree), in
	// the configured plugin directory, then on the linker's search path.
	// A file name ("libvaccel-noop.so", as upstream's documentation
	// spells plugins, or "libmine.so.1") is looked for in the same places
	// as it is.
	std::vector<std::string> tries;
	if (strchr(spec, '/')) {
		tries.push_back(spec);
	} else {
		std::string file = strstr(spec, ".so") ? std::string(spec)
						       : "libvaccel-" + std::string(spec) + ".so";
		Dl_info self{};
		if (dladdr((void *)&open_shared, &self) && self.dli_fname &&
		    strchr(self.dli_fname, '/')) {
			std::string dir(self.dli_fname);
			dir.erase(dir.rfind('/'));
			tries.push_back(dir + "/" + file);
		}
		if (*VACCEL_PLUGIN_DIR)
			tries.push_back(std::string(VACCEL_PLUGIN_DIR) + "/" + file);
		tries.push_back(file);
		if (file != spec)
			tries.push_back(spec);
	}
	std::string err;
	for (auto &t : tries) {
		// NODELETE: a plugin, or a library it pulls in, may leave
		// thread-local storage or exit handlers behind; unmapping its
		// code would turn those into crashes at thread or process exit.
		p.dl_handle = dlopen(t.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
		if (p.dl_handle) {
			p.origin = t;
			break;
		}
		if (err.empty())
			err = dlerror();
	}
	if (!p.dl_handle) {
		vaccel_error("plugin %s: cannot load: %s", spec, err.c_str());
		return VACCEL_ENOENT;
	}
	auto entry = reinterpret_cast<vaccel_plugin_entry_fn>(
		dlsym(p.dl_handle, VACCEL_PLUGIN_ENTRY_SYMBOL));
	desc = entry ? entry() : nullptr;
	return VACCEL_OK;
#endif
}

// Set once the runtime exists: a program that links libvaccel but never
// calls it creates nothing, and its exit does no work for vAccel.
std::atomic<Runtime *> the_runtime{nullptr};

void exit_cleanup()
{
	Runtime *rt = the_runtime.load(std::memory_order_acquire);
	if (!rt)
		return;
	const char *v = getenv("VACCEL_CLEANUP_ENABLED");
	if (v && strcmp(v, "0") == 0)
		return;
	rt->cleanup(true);
}

} // namespace

Runtime &Runtime::get() noexcept
{
	// Never destroyed: plugins' destructors and atexit handlers may still
	// call into the API while the process exits.
	static Runtime *rt = [] {
		auto *r = new Runtime();
		the_runtime.store(r, std::memory_order_release);
		return r;
	}();
	return *rt;
}

void Runtime::bootstrap_default() noexcept
{
	std::lock_guard lk(boot_lock_);
	if (initialized_.load(std::memory_order_relaxed))
		return;
	struct vaccel_config cfg{};
	if (vaccel_config_init_from_env(&cfg) != VACCEL_OK) {
		cfg = {};
		cfg.log_level = VACCEL_LOG_ERROR;
	}
	do_bootstrap(cfg);
	vaccel_config_release(&cfg);
}

int Runtime::bootstrap(const struct vaccel_config *config) noexcept
{
	struct vaccel_config cfg{};
	int ret = config ? vaccel_config_init_from(
				   &cfg, const_cast<struct vaccel_config *>(config))
			 : vaccel_config_init_from_env(&cfg);
	if (ret)
		return ret;
	std::lock_guard lk(boot_lock_);
	if (initialized_.load(std::memory_order_relaxed)) {
		if (live_objects() > 0) {
			vaccel_error("bootstrap: sessions or resources are "
				     "still alive; release them first");
			vaccel_config_release(&cfg);
			return VACCEL_EBUSY;
		}
		unload_plugins(false);
	}
	ret = do_bootstrap(cfg);
	vaccel_config_release(&cfg);
	return ret;
}

int Runtime::do_bootstrap(const struct vaccel_config &cfg) noexcept
{
	vaccel_config_release(&config_);
	if (vaccel_config_init_from(&config_,
				    const_cast<struct vaccel_config *>(&cfg)) != 0)
		return VACCEL_ENOMEM;
	prof_enabled.store(config_.profiling_enabled);
	// Visible to the logger before plugins log anything.
	initialized_.store(true, std::memory_order_release);
	vaccel_log_init();
	vaccel_debug("vAccel %s", VACCEL_VERSION);
	vaccel_config_print_debug(&config_);
	if (config_.plugins && *config_.plugins)
		load_plugin_list(config_.plugins);
	return VACCEL_OK;
}

int Runtime::cleanup(bool at_exit) noexcept
{
	std::lock_guard lk(boot_lock_);
	if (!initialized_.load(std::memory_order_acquire))
		return VACCEL_OK;
	// At exit, sessions and resources the program left open are not
	// touched: their structs belong to the program and may already be
	// gone (locals of main() are, once it has returned, and their stack
	// is being reused by the exit handlers). The process's end frees
	// what they hold; the plugins' fini below drops their own state.
	auto sessions = sessions_snapshot();
	auto resources = resources_snapshot();
	if (at_exit) {
		if (!sessions.empty() || !resources.empty())
			vaccel_debug("exit with %zu session(s) and %zu resource(s) "
				     "still open", sessions.size(),
				     resources.size());
	} else {
		for (vaccel_session *s : sessions)
			vaccel_session_release(s);
		for (vaccel_resource *r : resources)
			vaccel_resource_release(r);
	}
	print_op_stats();
	for (auto &st : op_stats) {
		st.calls.store(0);
		st.nsec.store(0);
	}
	unload_plugins(at_exit);
	{
		std::lock_guard rl(rundir_lock_);
		if (!rundir_.empty()) {
			remove_tree(rundir_);
			rundir_.clear();
		}
	}
	vaccel_log_shutdown();
	vaccel_log_level_current_ = VACCEL_LOG_ERROR; // back to the default
	vaccel_config_release(&config_);
	initialized_.store(false, std::memory_order_release);
	return VACCEL_OK;
}

void Runtime::print_op_stats() noexcept
{
	if (!prof_enabled)
		return;
	for (int op = 0; op < VACCEL_OP_MAX; ++op) {
		uint64_t calls = op_stats[op].calls.load();
		if (!calls)
			continue;
		vaccel_info("[prof] vaccel_%s: total_time: %" PRIu64
			    " nsec nr_entries: %" PRIu64,
			    vaccel_op_type_to_base_str((vaccel_op_type_t)op),
			    op_stats[op].nsec.load(), calls);
	}
}

const char *Runtime::rundir() noexcept
{
	ensure();
	std::lock_guard lk(rundir_lock_);
	if (!rundir_.empty())
		return rundir_.c_str();
	std::string base;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	const char *tmp = getenv("TMPDIR");
	base = (xdg && *xdg) ? xdg : (tmp && *tmp) ? tmp : "/tmp";
	std::string tmpl = base + "/vaccel." + std::to_string(getpid()) + ".XXXXXX";
	std::vector<char> buf(tmpl.begin(), tmpl.end());
	buf.push_back('\0');
	if (!mkdtemp(buf.data())) {
		vaccel_error("cannot create run directory under %s: %s",
			     base.c_str(), strerror(errno));
		return nullptr;
	}
	rundir_ = buf.data();
	vaccel_debug("run directory: %s", rundir_.c_str());
	return rundir_.c_str();
}

// Each attempt is recorded with what it logged at error level, for
// `vaccel info`; the caller's own error text is left as it was.
int Runtime::load_plugin(const char *spec) noexcept
{
	std::string before;
	try {
		before = vaccel_error_message();
	} catch (...) {
	}
	vaccel_error_clear();
	int ret = load_one(spec);
	try {
		Attempt a;
		a.spec = spec ? spec : "";
		a.code = ret;
		a.why = ret == VACCEL_ENODEV ? "no device" : vaccel_error_message();
		std::unique_lock lk(plugins_lock_);
		attempts_.push_back(std::move(a));
	} catch (...) {
	}
	restore_error_text(before.c_str());
	return ret;
}

size_t Runtime::attempt_count() noexcept
{
	std::shared_lock lk(plugins_lock_);
	return attempts_.size();
}

bool Runtime::attempt_at(size_t idx, Attempt &out) noexcept
{
	std::shared_lock lk(plugins_lock_);
	if (idx >= attempts_.size())
		return false;
	try {
		out = attempts_[idx];
	} catch (...) {
		return false;
	}
	return true;
}

int Runtime::load_one(const char *spec) noexcept
{
	if (!spec || !*spec) {
		vaccel_error("plugin: empty name");
		return VACCEL_EINVAL;
	}
	return guarded("plugin load", [&]() -> int {
		auto p = std::make_unique<Plugin>();
		std::string what = spec;
		const vaccel_plugin_desc *desc = nullptr;
		if (!strchr(spec, '/')) {
			desc = find_builtin(spec);
			// "libvaccel-noop.so" names the builtin "noop" too.
			std::string_view v(spec);
			if (!desc && v.starts_with("libvaccel-") && v.ends_with(".so"))
				desc = find_builtin(std::string(v.substr(10, v.size() - 13)).c_str());
		}
		if (desc) {
			p->origin = "builtin";
		} else {
			int ret = open_shared(spec, *p, desc);
			if (ret)
				return ret;
			if (!desc) {
				vaccel_error("plugin %s: no %s entry point; not a "
					     "vAccel plugin", spec,
					     VACCEL_PLUGIN_ENTRY_SYMBOL);
				close_handle(p->dl_handle);
				return VACCEL_ELIBBAD;
			}
		}
		auto fail = [&](int code) {
			if (p->dl_handle)
				close_handle(p->dl_handle);
			return code;
		};
		if (desc->abi_version != VACCEL_PLUGIN_ABI_VERSION ||
		    desc->size < offsetof(vaccel_plugin_desc, ops) +
					 sizeof(desc->ops) ||
		    !desc->name) {
			vaccel_error("plugin %s: ABI %u (size %u), runtime "
				     "expects ABI %u; skipped",
				     spec, desc->abi_version, desc->size,
				     VACCEL_PLUGIN_ABI_VERSION);
			return fail(VACCEL_ELIBBAD);
		}
		if (!config_.version_ignore &&
		    major_minor(desc->vaccel_version) !=
			    major_minor(VACCEL_VERSION)) {
			vaccel_error("plugin %s: built for vAccel %s, runtime "
				     "is %s; skipped (VACCEL_VERSION_IGNORE=1 "
				     "overrides)",
				     desc->name,
				     desc->vaccel_version ? desc->vaccel_version
							  : "?",
				     VACCEL_VERSION);
			return fail(VACCEL_ELIBBAD);
		}
		{
			std::shared_lock lk(plugins_lock_);
			for (auto &q : plugins_)
				if (strcmp(q->desc->name, desc->name) == 0) {
					vaccel_warn("plugin %s: already loaded",
						    desc->name);
					return fail(VACCEL_EEXIST);
				}
		}
		p->desc = desc;
		if (desc->ops) {
			const uint32_t avail = desc->ops_size;
#define VACCEL_TAKE_OP_(id, member, type)                                      \
	if (offsetof(vaccel_plugin_ops, member) + sizeof(type) <= avail)       \
		p->ops[VACCEL_OP_##id] = reinterpret_cast<void *>(desc->ops->member);
			VACCEL_PLUGIN_OPS_LIST(VACCEL_TAKE_OP_)
#undef VACCEL_TAKE_OP_
		}
		if (desc->init) {
			int ret = desc->init();
			if (ret == VACCEL_ENODEV) {
				vaccel_info("plugin %s: no device; skipped, the "
					    "next plugin serves its operations",
					    desc->name);
				return fail(ret);
			}
			if (ret) {
				vaccel_error("plugin %s: init failed (%d: %s); "
					     "skipped",
					     desc->name, ret, strerror(ret));
				return fail(ret);
			}
		}
		// Plugins' static destructors run at exit in reverse order of
		// registration; an exit handler registered after each load runs
		// before them, so fini() still finds its plugin intact.
		atexit(exit_cleanup);
		vaccel_debug("plugin %s %s loaded from %s (type 0x%x)",
			     desc->name, desc->version ? desc->version : "",
			     p->origin.c_str(), desc->type);
		std::unique_lock lk(plugins_lock_);
		plugins_.push_back(std::move(p));
		return VACCEL_OK;
	});
}

int Runtime::load_plugin_list(const char *list) noexcept
{
	if (!list)
		return VACCEL_EINVAL;
	std::string all = list;
	size_t start = 0;
	int loaded = 0;
	int last_err = VACCEL_ENOENT;
	while (start <= all.size()) {
		size_t end = all.find(':', start);
		if (end == std::string::npos)
			end = all.size();
		std::string one = all.substr(start, end - start);
		if (!one.empty()) {
			int ret = load_plugin(one.c_str());
			if (ret == VACCEL_OK)
				++loaded;
			else
				last_err = ret;
		}
		start = end + 1;
	}
	return loaded ? VACCEL_OK : last_err;
}

void Runtime::unload_plugins(bool at_exit) noexcept
{
	std::vector<std::unique_ptr<Plugin>> old;
	{
		std::unique_lock lk(plugins_lock_);
		old.swap(plugins_);
		attempts_.clear();
	}
	// Finalise in reverse order of loading.
	for (auto it = old.rbegin(); it != old.rend(); ++it) {
		auto &p = *it;
		if (p->desc->fini)
			p->desc->fini();
		// At exit, keep the code mapped: other exit handlers of the
		// plugin's own libraries may still run.
		if (p->dl_handle && !at_exit)
			close_handle(p->dl_handle);
	}
}

size_t Runtime::plugin_count() noexcept
{
	ensure();
	std::shared_lock lk(plugins_lock_);
	return plugins_.size();
}

const Plugin *Runtime::plugin_at(size_t idx) noexcept
{
	ensure();
	std::shared_lock lk(plugins_lock_);
	return idx < plugins_.size() ? plugins_[idx].get() : nullptr;
}

const Plugin *Runtime::select(vaccel_op_type_t op, uint32_t hint,
			      const char **why) noexcept
{
	ensure();
	std::shared_lock lk(plugins_lock_);
	if ((unsigned)op >= VACCEL_OP_MAX)
		return nullptr;
	const Plugin *first = nullptr;
	for (auto &p : plugins_) {
		if (!p->ops[op])
			continue;
		if (hint_matches(hint, p->desc->type)) {
			if (why)
				*why = hint ? "matches the session hint"
					    : "first loaded that implements it";
			return p.get();
		}
		if (!first)
			first = p.get();
	}
	// The hint is a preference, except for REMOTE which is a demand.
	if (first && !(hint & VACCEL_PLUGIN_REMOTE)) {
		if (why)
			*why = "none matches the hint; first that implements it";
		return first;
	}
	return nullptr;
}

vaccel_id_t Runtime::add_session(vaccel_session *s)
{
	vaccel_id_t id = next_session_id_.fetch_add(1);
	std::lock_guard lk(objects_lock_);
	sessions_.emplace(id, s);
	return id;
}

void Runtime::remove_session(vaccel_id_t id) noexcept
{
	std::lock_guard lk(objects_lock_);
	sessions_.erase(id);
}

vaccel_session *Runtime::find_session(vaccel_id_t id) noexcept
{
	std::lock_guard lk(objects_lock_);
	auto it = sessions_.find(id);
	return it == sessions_.end() ? nullptr : it->second;
}

vaccel_id_t Runtime::add_resource(vaccel_resource *r)
{
	vaccel_id_t id = next_resource_id_.fetch_add(1);
	std::lock_guard lk(objects_lock_);
	resources_.emplace(id, r);
	return id;
}

void Runtime::remove_resource(vaccel_id_t id) noexcept
{
	std::lock_guard lk(objects_lock_);
	resources_.erase(id);
}

vaccel_resource *Runtime::find_resource(vaccel_id_t id) noexcept
{
	std::lock_guard lk(objects_lock_);
	auto it = resources_.find(id);
	return it == resources_.end() ? nullptr : it->second;
}

std::vector<vaccel_resource *> Runtime::resources_snapshot()
{
	std::lock_guard lk(objects_lock_);
	std::vector<std::pair<vaccel_id_t, vaccel_resource *>> v(
		resources_.begin(), resources_.end());
	std::sort(v.begin(), v.end());
	std::vector<vaccel_resource *> out;
	for (auto &e : v)
		out.push_back(e.second);
	return out;
}

std::vector<vaccel_session *> Runtime::sessions_snapshot()
{
	std::lock_guard lk(objects_lock_);
	std::vector<vaccel_session *> out;
	for (auto &e : sessions_)
		out.push_back(e.second);
	return out;
}

size_t Runtime::live_objects() noexcept
{
	std::lock_guard lk(objects_lock_);
	return sessions_.size() + resources_.size();
}

} // namespace vaccel::core

using vaccel::core::Runtime;

extern "C" int vaccel_bootstrap(void)
{
	return Runtime::get().bootstrap(nullptr);
}

extern "C" int vaccel_bootstrap_with_config(struct vaccel_config *config)
{
	if (!config)
		return VACCEL_EINVAL;
	return Runtime::get().bootstrap(config);
}

extern "C" int vaccel_cleanup(void)
{
	return Runtime::get().cleanup(false);
}

extern "C" bool vaccel_is_initialized(void)
{
	return Runtime::get().initialized();
}

extern "C" const char *vaccel_rundir(void)
{
	return Runtime::get().rundir();
}

extern "C" const struct vaccel_config *vaccel_config(void)
{
	return Runtime::get().config();
}

extern "C" int vaccel_plugin_register_builtin(const struct vaccel_plugin_desc *desc)
{
	using namespace vaccel::core;
	if (!desc || !desc->name)
		return VACCEL_EINVAL;
	size_t i = nr_builtins.fetch_add(1);
	if (i >= kMaxBuiltins) {
		nr_builtins.fetch_sub(1);
		return VACCEL_ENOSPC;
	}
	builtins[i] = desc;
	return VACCEL_OK;
}

extern "C" int vaccel_plugin_load(const char *lib)
{
	Runtime &rt = Runtime::get();
	rt.ensure();
	return rt.load_plugin(lib);
}

extern "C" int vaccel_plugin_parse_and_load(const char *lib_str)
{
	Runtime &rt = Runtime::get();
	rt.ensure();
	return rt.load_plugin_list(lib_str);
}

extern "C" size_t vaccel_plugin_count(void)
{
	return Runtime::get().plugin_count();
}

extern "C" int vaccel_plugin_info(size_t idx, const char **name,
				  const char **version, uint32_t *type)
{
	const vaccel::core::Plugin *p = Runtime::get().plugin_at(idx);
	if (!p)
		return VACCEL_ENOENT;
	if (name)
		*name = p->desc->name;
	if (version)
		*version = p->desc->version ? p->desc->version : "";
	if (type)
		*type = p->desc->type;
	return VACCEL_OK;
}

namespace {

// Calls @p hook of every loaded plugin whose descriptor has it.
template <class Hook>
int host_memory(void *addr, size_t len, Hook hook, const char *what)
{
	if (!addr || !len)
		return VACCEL_EINVAL;
	Runtime &rt = Runtime::get();
	rt.ensure();
	rt.for_each_plugin([&](const vaccel::core::Plugin &p) {
		const vaccel_plugin_desc *d = p.desc;
		constexpr size_t end = offsetof(vaccel_plugin_desc, host_memory_unregister) +
				       sizeof(d->host_memory_unregister);
		if (d->size < end)
			return;
		auto fn = d->*hook;
		if (!fn)
			return;
		if (int ret = fn(addr, len))
			vaccel_warn("plugin %s: %s of %zu bytes of host memory "
				    "failed (%d)", d->name, what, len, ret);
	});
	return VACCEL_OK;
}

} // namespace

extern "C" int vaccel_host_memory_register(void *addr, size_t len)
{
	return host_memory(addr, len, &vaccel_plugin_desc::host_memory_register,
			   "register");
}

extern "C" int vaccel_host_memory_unregister(void *addr, size_t len)
{
	return host_memory(addr, len, &vaccel_plugin_desc::host_memory_unregister,
			   "unregister");
}

extern "C" size_t vaccel_plugin_attempt_count(void)
{
	Runtime &rt = Runtime::get();
	rt.ensure();
	return rt.attempt_count();
}

extern "C" int vaccel_plugin_attempt(size_t idx, char *spec, size_t spec_len,
				     int *code, char *why, size_t why_len)
{
	Runtime::Attempt a;
	if (!Runtime::get().attempt_at(idx, a))
		return VACCEL_ENOENT;
	auto put = [](char *dst, size_t len, const std::string &src) {
		if (dst && len) {
			size_t n = std::min(len - 1, src.size());
			memcpy(dst, src.data(), n);
			dst[n] = '\0';
		}
	};
	put(spec, spec_len, a.spec);
	put(why, why_len, a.why);
	if (code)
		*code = a.code;
	return VACCEL_OK;
}

extern "C" const char *vaccel_plugin_for_op(vaccel_op_type_t op, uint32_t hint)
{
	const vaccel::core::Plugin *p = Runtime::get().select(op, hint, nullptr);
	return p ? p->desc->name : nullptr;
}

// Release what the program left alive, as the process exits, unless
// VACCEL_CLEANUP_ENABLED=0.
__attribute__((destructor)) static void vaccel_runtime_fini(void)
{
	vaccel::core::exit_cleanup();
}
