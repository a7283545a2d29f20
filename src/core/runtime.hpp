// SPDX-License-Identifier: Apache-2.0
// The process-wide runtime: configuration, loaded plugins, live sessions and
// resources. One instance behind the C API; all of it is private.
#pragma once

#include "vaccel.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace vaccel::core {

// A loaded plugin: its descriptor and its implementations indexed by op id.
struct Plugin {
	const vaccel_plugin_desc *desc = nullptr;
	void *dl_handle = nullptr; // null for built-ins
	std::string origin; // path or "builtin"
	std::array<void *, VACCEL_OP_MAX> ops{};
};

// Marks an (op, session) pair that no plugin serves, so the miss is cached
// too.
extern char no_impl_marker;
inline void *const kNoImpl = &no_impl_marker;

struct SessionImpl {
	vaccel_session *self = nullptr; // guards against stale or copied structs
	std::atomic<void *> op_cache[VACCEL_OP_MAX] = {};
	std::mutex lock; // guards resources and where
	// Registered resources in registration order, and where each is in
	// that list: registering, unregistering and membership are O(1)
	// however many the session holds (releasing it, O(n)).
	std::list<vaccel_resource *> resources;
	std::unordered_map<const vaccel_resource *, std::list<vaccel_resource *>::iterator>
		where;
	bool has(const vaccel_resource *r) const { return where.count(r) != 0; }
	// False if @p r is there already.
	bool add(vaccel_resource *r)
	{
		if (has(r))
			return false;
		auto it = resources.insert(resources.end(), r);
		try {
			where.emplace(r, it);
		} catch (...) {
			resources.erase(it);
			throw;
		}
		return true;
	}
	// False if @p r is not there.
	bool remove(const vaccel_resource *r)
	{
		auto w = where.find(r);
		if (w == where.end())
			return false;
		resources.erase(w->second);
		where.erase(w);
		return true;
	}
	// Resolve op for this session and cache the answer.
	void *resolve(vaccel_op_type_t op) noexcept;
};

struct ResourceImpl {
	vaccel_resource *self = nullptr;
	std::mutex lock; // guards sessions
	std::vector<vaccel_session *> sessions;
};

// Put back a thread's error text (log.cpp) that internal work cleared.
void restore_error_text(const char *text) noexcept;

class Runtime {
public:
	static Runtime &get() noexcept;

	// Bootstrap from the environment unless done (fast when done).
	void ensure() noexcept
	{
		if (!initialized_.load(std::memory_order_acquire))
			bootstrap_default();
	}
	bool initialized() const noexcept
	{
		return initialized_.load(std::memory_order_acquire);
	}
	int bootstrap(const struct vaccel_config *config) noexcept;
	int cleanup(bool at_exit) noexcept;
	const struct vaccel_config *config() noexcept
	{
		ensure();
		return &config_;
	}
	const char *rundir() noexcept;

	// Plugins.
	int load_plugin(const char *spec) noexcept;
	int load_plugin_list(const char *list) noexcept;
	// What became of each plugin asked for since the last bootstrap.
	struct Attempt {
		std::string spec;
		int code = 0;	 // 0: loaded
		std::string why; // what was logged while it failed
	};
	size_t attempt_count() noexcept;
	bool attempt_at(size_t idx, Attempt &out) noexcept;
	size_t plugin_count() noexcept;
	const Plugin *plugin_at(size_t idx) noexcept;
	// The plugin serving op for hint, and why it was chosen; nullptr if none.
	const Plugin *select(vaccel_op_type_t op, uint32_t hint,
			     const char **why) noexcept;
	template <class F> void for_each_plugin(F &&f)
	{
		std::shared_lock lk(plugins_lock_);
		for (auto &p : plugins_)
			f(*p);
	}

	// Live objects by id.
	vaccel_id_t add_session(vaccel_session *s);
	void remove_session(vaccel_id_t id) noexcept;
	vaccel_session *find_session(vaccel_id_t id) noexcept;
	vaccel_id_t add_resource(vaccel_resource *r);
	void remove_resource(vaccel_id_t id) noexcept;
	vaccel_resource *find_resource(vaccel_id_t id) noexcept;
	std::vector<vaccel_resource *> resources_snapshot();
	std::vector<vaccel_session *> sessions_snapshot();
	size_t live_objects() noexcept;

	// Profiling of the operations themselves.
	struct OpStats {
		std::atomic<uint64_t> calls{0};
		std::atomic<uint64_t> nsec{0};
	};
	OpStats op_stats[VACCEL_OP_MAX];

private:
	Runtime() = default;
	void bootstrap_default() noexcept;
	int do_bootstrap(const struct vaccel_config &cfg) noexcept;
	void unload_plugins(bool at_exit) noexcept;
	void print_op_stats() noexcept;

	std::atomic<bool> initialized_{false};
	std::mutex boot_lock_;
	struct vaccel_config config_{};

	int load_one(const char *spec) noexcept;

	std::shared_mutex plugins_lock_;
	std::vector<std::unique_ptr<Plugin>> plugins_;
	std::vector<Attempt> attempts_;

	std::mutex objects_lock_;
	std::unordered_map<vaccel_id_t, vaccel_session *> sessions_;
	std::unordered_map<vaccel_id_t, vaccel_resource *> resources_;
	std::atomic<vaccel_id_t> next_session_id_{1};
	std::atomic<vaccel_id_t> next_resource_id_{1};

	std::mutex rundir_lock_;
	std::string rundir_;
};

// Session state behind a public struct, or nullptr if the struct is not a
// live session.
inline SessionImpl *session_impl(const vaccel_session *s) noexcept
{
	if (!s || !s->priv)
		return nullptr;
	auto *impl = static_cast<SessionImpl *>(s->priv);
	return impl->self == s ? impl : nullptr;
}

inline ResourceImpl *resource_impl(const vaccel_resource *r) noexcept
{
	if (!r || r->id <= 0 || !r->priv)
		return nullptr;
	auto *impl = static_cast<ResourceImpl *>(r->priv);
	return impl->self == r ? impl : nullptr;
}

// Profiling switch, read on every operation.
extern std::atomic<bool> prof_enabled; // relaxed loads: a plain load on x86
uint64_t now_ns() noexcept;

// strdup that returns nullptr for nullptr.
char *dup_cstr(const char *s) noexcept;

// The *_new() of an API struct: a zeroed one from calloc, given to @p init
// (its *_init()), handed out in @p out only if that succeeds.
template <class T, class Init> int new_init(T **out, Init &&init)
{
	if (!out)
		return VACCEL_EINVAL;
	auto *t = static_cast<T *>(calloc(1, sizeof(T)));
	if (!t)
		return VACCEL_ENOMEM;
	if (int ret = init(t)) {
		free(t);
		return ret;
	}
	*out = t;
	return VACCEL_OK;
}

// vaccel_blob_init() of the regular file @p path, but a path that is not
// one is the errno of stat() (VACCEL_ENOENT ...) where the public function
// says VACCEL_EINVAL, as upstream's: resources report the cause.
int blob_init_file(vaccel_blob *blob, const char *path) noexcept;

} // namespace vaccel::core
