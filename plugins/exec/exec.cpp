// SPDX-License-Identifier: Apache-2.0
// exec: runs `int fn(struct vaccel_arg *read, size_t nr_read,
// struct vaccel_arg *write, size_t nr_write)` from a shared library given by
// path, or from a LIB resource.
//
// Every library is opened once and every symbol looked up once; after that
// a call costs a per-thread cache probe (two string compares) and the call
// itself, where dlopen+dlsym per call cost upstream ~250 ns.
#include <vaccel.h>

#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace {

using exec_fn = int (*)(vaccel_arg *, size_t, vaccel_arg *, size_t);

struct Symbol {
	std::string lib; // library key: a path, or "resource:<id>"
	std::string name;
	exec_fn fn = nullptr;
};

struct Library {
	void *handle = nullptr;
	// A LIB resource of several files: all but the last are its
	// dependencies, opened first with their symbols global, as upstream
	// vAccel does; the last is the library called.
	std::vector<void *> deps;
	Library() = default;
	Library(const Library &) = delete;
	Library &operator=(const Library &) = delete;
	~Library()
	{
		if (handle)
			dlclose(handle);
		for (auto it = deps.rbegin(); it != deps.rend(); ++it)
			dlclose(*it);
	}
};

// VACCEL_EXEC_DLOPEN_MODE: "now" (the default) or "lazy" symbol binding.
int dlopen_mode()
{
	const char *v = getenv("VACCEL_EXEC_DLOPEN_MODE");
	if (!v || strcasecmp(v, "now") == 0)
		return RTLD_NOW;
	if (strcasecmp(v, "lazy") == 0)
		return RTLD_LAZY;
	vaccel_warn("[exec] VACCEL_EXEC_DLOPEN_MODE=%s: want now or lazy; "
		    "using now", v);
	return RTLD_NOW;
}

// VACCEL_EXEC_DLCLOSE_ENABLED (formerly VACCEL_EXEC_DLCLOSE): whether a LIB
// resource's libraries are closed when it leaves its last session (the
// default) or stay loaded. Libraries given by path stay open either way:
// they are cached for the process's life.
bool dlclose_enabled()
{
	const char *v = getenv("VACCEL_EXEC_DLCLOSE_ENABLED");
	if (!v && (v = getenv("VACCEL_EXEC_DLCLOSE")))
		vaccel_warn("[exec] VACCEL_EXEC_DLCLOSE is deprecated, use "
			    "VACCEL_EXEC_DLCLOSE_ENABLED");
	if (!v || strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0)
		return true;
	if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0)
		return false;
	vaccel_warn("[exec] VACCEL_EXEC_DLCLOSE_ENABLED=%s: want 1 or 0; using 1", v);
	return true;
}

// Plugin state lives on the heap and is never destroyed: the runtime may
// call fini() at process exit after this library's static destructors ran.
struct State {
	std::mutex lock;
	std::map<std::string, std::unique_ptr<Library>> libraries;
	// Entries are never moved, so threads may keep pointers to them; the
	// generation retires those pointers when a library is dropped. A
	// path's entries stay until fini; a resource's go when its library
	// closes, with no call in flight (closing).
	std::map<std::pair<std::string, std::string>, std::unique_ptr<Symbol>>
		symbols;
	std::atomic<uint64_t> generation{1};
	// Held shared by a call into a resource's library (from the lookup to
	// the function's return), exclusively to close one: unregistering a
	// resource waits for the calls running its code.
	std::shared_mutex closing;
};
State &state = *new State;
auto &lock = state.lock;
auto &libraries = state.libraries;
auto &symbols = state.symbols;
auto &generation = state.generation;

// @p name as defined by the library @p handle itself. dlsym() on a handle
// also searches the library's dependencies, so without this check a caller
// allowed one library could run libc's exit() or libvaccel's own functions
// through it (behind the agent: any guest, stopping it for every guest).
void *own_symbol(void *handle, const char *key, const char *name)
{
	dlerror();
	void *f = dlsym(handle, name);
	if (!f) {
		vaccel_error("[exec] %s: no symbol %s", key, name);
		return nullptr;
	}
	link_map *own = nullptr, *where = nullptr;
	Dl_info info;
	if (dlinfo(handle, RTLD_DI_LINKMAP, &own) ||
	    !dladdr1(f, &info, reinterpret_cast<void **>(&where),
		     RTLD_DL_LINKMAP) ||
	    !own || own != where) {
		vaccel_error("[exec] %s: %s is not defined in the library itself",
			     key, name);
		return nullptr;
	}
	return f;
}

struct Hit {
	const Symbol *sym;
	uint64_t gen;
};
constexpr int kTlsSlots = 4;
// Recent symbols of this thread, one cache for paths and one for
// resources: a resource's entries may be freed, but only while no thread
// holds closing, as a resource's lookups do.
struct HitCache {
	Hit hits[kTlsSlots];
	unsigned next;
};
thread_local HitCache tls_paths, tls_resources;

// Open @p key's library (with @p open when first seen) and find @p name in
// it, through this thread's @p cache.
template <class Open>
int lookup(HitCache &cache, const char *key, const char *name, Open &&open,
	   exec_fn *out)
{
	uint64_t gen = generation.load(std::memory_order_acquire);
	for (const Hit &h : cache.hits)
		if (h.sym && h.gen == gen && h.sym->lib == key &&
		    h.sym->name == name) {
			*out = h.sym->fn;
			return VACCEL_OK;
		}
	try {
		std::lock_guard lk(lock);
		auto skey = std::make_pair(std::string(key), std::string(name));
		auto it = symbols.find(skey);
		if (it == symbols.end()) {
			auto &lib = libraries[key];
			if (!lib) {
				auto opened = std::make_unique<Library>();
				if (!open(*opened)) {
					libraries.erase(key);
					return VACCEL_ENOENT;
				}
				lib = std::move(opened);
			}
			void *f = own_symbol(lib->handle, key, name);
			if (!f)
				return VACCEL_ENOENT;
			auto s = std::make_unique<Symbol>();
			s->lib = key;
			s->name = name;
			s->fn = reinterpret_cast<exec_fn>(f);
			it = symbols.emplace(skey, std::move(s)).first;
			vaccel_debug("[exec] cached %s:%s", key, name);
		}
		cache.hits[cache.next++ % kTlsSlots] = Hit{it->second.get(), gen};
		*out = it->second->fn;
		return VACCEL_OK;
	} catch (const std::bad_alloc &) {
		return VACCEL_ENOMEM;
	}
}

void *open_path(const char *path, int scope = RTLD_LOCAL)
{
	void *h = dlopen(path, dlopen_mode() | scope);
	if (!h)
		vaccel_error("[exec] cannot open %s: %s", path, dlerror());
	return h;
}

// A blob held in memory has no file to dlopen: give it an anonymous one.
void *open_blob(const vaccel_resource *res, const vaccel_blob *b, int scope)
{
	if (b->path)
		return open_path(b->path, scope);
	int fd = memfd_create(b->name ? b->name : "vaccel-lib", MFD_CLOEXEC);
	if (fd < 0) {
		vaccel_error("[exec] memfd_create: %s", strerror(errno));
		return nullptr;
	}
	const uint8_t *p = b->data;
	size_t left = b->size;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			vaccel_error("[exec] cannot stage resource %" PRId64
				     ": %s",
				     res->id, strerror(errno));
			close(fd);
			return nullptr;
		}
		p += w;
		left -= (size_t)w;
	}
	std::string path = "/proc/self/fd/" + std::to_string(fd);
	void *h = open_path(path.c_str(), scope);
	close(fd);
	return h;
}

bool open_resource(vaccel_resource *res, Library &lib)
{
	if (res->nr_blobs < 1) {
		vaccel_error("[exec] resource %" PRId64 " has no library",
			     res->id);
		return false;
	}
	for (size_t i = 0; i + 1 < res->nr_blobs; ++i) {
		void *d = open_blob(res, res->blobs[i], RTLD_GLOBAL);
		if (!d)
			return false; // ~Library closes those opened
		lib.deps.push_back(d);
	}
	lib.handle = open_blob(res, res->blobs[res->nr_blobs - 1], RTLD_LOCAL);
	return lib.handle != nullptr;
}

std::string resource_key(const vaccel_resource *res)
{
	return "resource:" + std::to_string(res->id);
}

int exec_exec(vaccel_session *, const char *library, const char *fn_symbol,
	      vaccel_arg *read, size_t nr_read, vaccel_arg *write,
	      size_t nr_write)
{
	exec_fn fn = nullptr;
	int ret = lookup(tls_paths, library, fn_symbol,
			 [&](Library &lib) { return (lib.handle = open_path(library)) != nullptr; },
			 &fn);
	if (ret)
		return ret;
	return fn(read, nr_read, write, nr_write);
}

int exec_with_resource(vaccel_session *, vaccel_resource *res,
		       const char *fn_symbol, vaccel_arg *read, size_t nr_read,
		       vaccel_arg *write, size_t nr_write)
{
	exec_fn fn = nullptr;
	std::string key;
	try {
		key = resource_key(res);
	} catch (...) {
		return VACCEL_ENOMEM;
	}
	std::shared_lock calls(state.closing);
	int ret = lookup(tls_resources, key.c_str(), fn_symbol,
			 [&](Library &lib) { return open_resource(res, lib); }, &fn);
	if (ret)
		return ret;
	return fn(read, nr_read, write, nr_write);
}

// When a LIB resource leaves its last session, close its library, once
// the calls running its code (in other threads) have returned.
int exec_resource_unregister(vaccel_resource *res, vaccel_session *)
{
	if (res->type != VACCEL_RESOURCE_LIB || vaccel_resource_refcount(res) > 0 ||
	    !dlclose_enabled())
		return VACCEL_OK;
	try {
		std::string key = resource_key(res);
		std::unique_lock no_calls(state.closing);
		std::lock_guard lk(lock);
		if (!libraries.count(key))
			return VACCEL_OK;
		generation.fetch_add(1, std::memory_order_acq_rel);
		std::erase_if(symbols,
			      [&](auto &e) { return e.first.first == key; });
		libraries.erase(key);
	} catch (...) {
		return VACCEL_ENOMEM;
	}
	return VACCEL_OK;
}

int exec_fini()
{
	std::unique_lock no_calls(state.closing);
	std::lock_guard lk(lock);
	generation.fetch_add(1, std::memory_order_acq_rel);
	symbols.clear();
	libraries.clear();
	return VACCEL_OK;
}

const vaccel_plugin_ops exec_ops = [] {
	vaccel_plugin_ops ops{};
	ops.exec = exec_exec;
	ops.exec_with_resource = exec_with_resource;
	return ops;
}();

const vaccel_plugin_desc exec_plugin = {
	VACCEL_PLUGIN_DESC("exec", VACCEL_VERSION,
			   VACCEL_PLUGIN_CPU | VACCEL_PLUGIN_SOFTWARE |
			   VACCEL_PLUGIN_GENERIC),
	.fini = exec_fini,
	.resource_unregister = exec_resource_unregister,
	VACCEL_PLUGIN_OPS(exec_ops),
};

} // namespace

VACCEL_PLUGIN_ENTRY(exec, exec_plugin)
