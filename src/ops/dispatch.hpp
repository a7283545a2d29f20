// SPDX-License-Identifier: Apache-2.0
// The per-call path: find the session's cached implementation of an
// operation and call it. A hit is two loads, a compare and an indirect call;
// the first call of an op on a session resolves and caches the plugin.
#pragma once

#include "../core/runtime.hpp"

namespace vaccel::ops {

using core::kNoImpl;
using core::SessionImpl;

template <vaccel_op_type_t Op, class Fn, class... Args>
inline int dispatch(vaccel_session *sess, Args... args) noexcept
{
	SessionImpl *s = core::session_impl(sess);
	if (__builtin_expect(s == nullptr, 0)) {
		vaccel_error("%s: invalid session", vaccel_op_type_to_str(Op));
		return VACCEL_EINVAL;
	}
	void *fn = s->op_cache[Op].load(std::memory_order_acquire);
	if (__builtin_expect(fn == nullptr, 0))
		fn = s->resolve(Op);
	if (__builtin_expect(fn == kNoImpl, 0)) {
		vaccel_error("%s: no loaded plugin implements it (VACCEL_PLUGINS)",
			     vaccel_op_type_to_str(Op));
		return VACCEL_ENOTSUP;
	}
	auto impl = reinterpret_cast<Fn>(fn);
	if (__builtin_expect(!core::prof_enabled.load(std::memory_order_relaxed), 1))
		return impl(sess, args...);
	uint64_t t0 = core::now_ns();
	int ret = impl(sess, args...);
	auto &st = core::Runtime::get().op_stats[Op];
	st.nsec.fetch_add(core::now_ns() - t0, std::memory_order_relaxed);
	st.calls.fetch_add(1, std::memory_order_relaxed);
	return ret;
}

// Argument checks shared by the typed entry points and genop.
#define VACCEL_CHECK(cond, op, fmt, ...)                             \
	do {                                                         \
		if (__builtin_expect(!(cond), 0)) {                  \
			vaccel_error("%s: " fmt,                     \
				     vaccel_op_type_to_str(op),      \
				     ##__VA_ARGS__);                 \
			return VACCEL_EINVAL;                        \
		}                                                    \
	} while (0)

} // namespace vaccel::ops
