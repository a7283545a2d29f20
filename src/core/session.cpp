// SPDX-License-Identifier: Apache-2.0
#include "guard.hpp"
#include "runtime.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdlib>
#include <cstring>

using namespace vaccel::core;

void *SessionImpl::resolve(vaccel_op_type_t op) noexcept
{
	const char *why = "";
	const Plugin *p = Runtime::get().select(op, self->hint, &why);
	void *fn = p ? p->ops[op] : kNoImpl;
	if (p)
		vaccel_debug("session %" PRId64 ": %s served by plugin %s (%s)",
			     self->id, vaccel_op_type_to_str(op),
			     p->desc->name, why);
	else
		vaccel_debug("session %" PRId64 ": no plugin implements %s",
			     self->id, vaccel_op_type_to_str(op));
	op_cache[op].store(fn, std::memory_order_release);
	return fn;
}

namespace {

// The public struct of a live session, checked against the registry so that
// a released, copied or never-initialised struct is refused, not trusted.
SessionImpl *live_session(vaccel_session *sess, const char *what)
{
	if (!sess) {
		vaccel_error("%s: session is NULL", what);
		return nullptr;
	}
	if (sess->id <= 0 || Runtime::get().find_session(sess->id) != sess) {
		vaccel_error("%s: session %" PRId64 " is not initialised", what,
			     sess->id);
		return nullptr;
	}
	return static_cast<SessionImpl *>(sess->priv);
}

} // namespace

extern "C" int vaccel_session_init(struct vaccel_session *sess, uint32_t flags)
{
	if (!sess) {
		vaccel_error("session init: session is NULL");
		return VACCEL_EINVAL;
	}
	Runtime &rt = Runtime::get();
	rt.ensure();
	// REMOTE is a demand (as upstream): without a remote transport loaded
	// the session could do nothing it asks for.
	if (flags & VACCEL_PLUGIN_REMOTE) {
		bool remote = false;
		rt.for_each_plugin([&](const Plugin &p) {
			remote |= (p.desc->type & VACCEL_PLUGIN_REMOTE) != 0;
		});
		if (!remote) {
			vaccel_error("session init: a remote session needs a remote "
				     "plugin (rpc) in VACCEL_PLUGINS");
			return VACCEL_ENOTSUP;
		}
	}
	return guarded("session init", [&]() -> int {
		auto impl = std::make_unique<SessionImpl>();
		impl->self = sess;
		sess->hint = flags;
		sess->remote_id = 0;
		sess->is_virtio = false;
		sess->priv = impl.get();
		sess->id = rt.add_session(sess);
		// Plugins that mirror sessions (remote transports) see every one.
		std::vector<const Plugin *> done;
		int ret = VACCEL_OK;
		rt.for_each_plugin([&](const Plugin &p) {
			if (ret || !p.desc->session_init)
				return;
			ret = p.desc->session_init(sess, flags);
			if (ret)
				vaccel_error("session init: plugin %s failed: %d",
					     p.desc->name, ret);
			else
				done.push_back(&p);
		});
		if (ret) {
			for (const Plugin *p : done)
				if (p->desc->session_release)
					p->desc->session_release(sess);
			rt.remove_session(sess->id);
			sess->id = 0;
			sess->priv = nullptr;
			return ret;
		}
		impl.release();
		vaccel_debug("session %" PRId64 " created, hint 0x%x", sess->id,
			     flags);
		return VACCEL_OK;
	});
}

extern "C" int vaccel_session_release(struct vaccel_session *sess)
{
	SessionImpl *impl = live_session(sess, "session release");
	if (!impl)
		return VACCEL_EINVAL;
	Runtime &rt = Runtime::get();
	std::vector<vaccel_resource *> res;
	{
		std::lock_guard lk(impl->lock);
		res.assign(impl->resources.begin(), impl->resources.end());
	}
	for (vaccel_resource *r : res)
		vaccel_resource_unregister(r, sess);
	rt.for_each_plugin([&](const Plugin &p) {
		if (p.desc->session_release && p.desc->session_release(sess))
			vaccel_warn("session release: plugin %s failed",
				    p.desc->name);
	});
	rt.remove_session(sess->id);
	vaccel_debug("session %" PRId64 " released", sess->id);
	sess->id = 0;
	sess->priv = nullptr;
	delete impl;
	return VACCEL_OK;
}

extern "C" int vaccel_session_new(struct vaccel_session **sess, uint32_t flags)
{
	if (!sess)
		return VACCEL_EINVAL;
	auto *s = static_cast<vaccel_session *>(calloc(1, sizeof(vaccel_session)));
	if (!s)
		return VACCEL_ENOMEM;
	int ret = vaccel_session_init(s, flags);
	if (ret) {
		free(s);
		return ret;
	}
	*sess = s;
	return VACCEL_OK;
}

extern "C" int vaccel_session_delete(struct vaccel_session *sess)
{
	int ret = vaccel_session_release(sess);
	if (ret)
		return ret;
	free(sess);
	return VACCEL_OK;
}

extern "C" int vaccel_session_get_by_id(struct vaccel_session **sess,
				       vaccel_id_t id)
{
	if (!sess || id <= 0)
		return VACCEL_EINVAL;
	vaccel_session *s = Runtime::get().find_session(id);
	if (!s)
		return VACCEL_ENOENT;
	*sess = s;
	return VACCEL_OK;
}

extern "C" bool vaccel_session_has_resource(struct vaccel_session *sess,
					   struct vaccel_resource *res)
{
	SessionImpl *impl = session_impl(sess);
	if (!impl || !res)
		return false;
	std::lock_guard lk(impl->lock);
	return impl->has(res);
}

extern "C" int vaccel_session_resource_by_id(struct vaccel_session *sess,
					    struct vaccel_resource **res,
					    vaccel_id_t id)
{
	// The out-pointer and id first: the session may be garbage.
	if (!res || id <= 0)
		return VACCEL_EINVAL;
	SessionImpl *impl = session_impl(sess);
	if (!impl)
		return VACCEL_EINVAL;
	// The live resource of that id, if this session holds it.
	vaccel_resource *r = Runtime::get().find_resource(id);
	std::lock_guard lk(impl->lock);
	if (!r || !impl->has(r))
		return VACCEL_ENOENT;
	*res = r;
	return VACCEL_OK;
}

extern "C" int vaccel_session_resource_by_type(struct vaccel_session *sess,
					      struct vaccel_resource **res,
					      vaccel_resource_type_t type)
{
	if (!res || (unsigned)type >= VACCEL_RESOURCE_MAX)
		return VACCEL_EINVAL;
	SessionImpl *impl = session_impl(sess);
	if (!impl)
		return VACCEL_EINVAL;
	std::lock_guard lk(impl->lock);
	for (vaccel_resource *r : impl->resources)
		if (r->type == type) {
			*res = r;
			return VACCEL_OK;
		}
	return VACCEL_ENOENT;
}

extern "C" int vaccel_session_resources_by_type(struct vaccel_session *sess,
					       struct vaccel_resource ***resources,
					       size_t *nr_found,
					       vaccel_resource_type_t type)
{
	SessionImpl *impl = session_impl(sess);
	if (!impl || !resources || !nr_found ||
	    (unsigned)type >= VACCEL_RESOURCE_MAX)
		return VACCEL_EINVAL;
	std::lock_guard lk(impl->lock);
	size_t n = (size_t)std::count_if(
		impl->resources.begin(), impl->resources.end(),
		[&](vaccel_resource *r) { return r->type == type; });
	*nr_found = n;
	*resources = nullptr;
	if (!n)
		return VACCEL_ENOENT;
	auto **out = static_cast<vaccel_resource **>(
		malloc(n * sizeof(vaccel_resource *)));
	if (!out)
		return VACCEL_ENOMEM;
	size_t i = 0;
	for (vaccel_resource *r : impl->resources)
		if (r->type == type)
			out[i++] = r;
	*resources = out;
	return VACCEL_OK;
}

extern "C" int vaccel_session_update(struct vaccel_session *sess, uint32_t flags)
{
	SessionImpl *impl = live_session(sess, "session update");
	if (!impl)
		return VACCEL_EINVAL;
	sess->hint = flags;
	for (auto &slot : impl->op_cache)
		slot.store(nullptr, std::memory_order_release);
	return VACCEL_OK;
}

extern "C" int vaccel_sess_init(struct vaccel_session *sess, uint32_t flags)
{
	return vaccel_session_init(sess, flags);
}

extern "C" int vaccel_sess_update(struct vaccel_session *sess, uint32_t flags)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	return vaccel_session_update(sess, flags);
#pragma GCC diagnostic pop
}

extern "C" int vaccel_sess_free(struct vaccel_session *sess)
{
	return vaccel_session_release(sess);
}

extern "C" bool vaccel_sess_has_resource(struct vaccel_session *sess,
					struct vaccel_resource *res)
{
	return vaccel_session_has_resource(sess, res);
}
