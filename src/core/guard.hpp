// SPDX-License-Identifier: Apache-2.0
// Every extern "C" entry point that can reach C++ code that throws runs its
// body through guarded(): no exception ever crosses into C.
#pragma once

#include "vaccel/error.h"
#include "vaccel/log.h"

#include <exception>
#include <new>
#include <utility>

namespace vaccel::core {

template <class F>
inline auto guarded(const char *where, F &&body) noexcept -> decltype(body())
{
	try {
		return std::forward<F>(body)();
	} catch (const std::bad_alloc &) {
		vaccel_error("%s: out of memory", where);
		return VACCEL_ENOMEM;
	} catch (const std::exception &e) {
		vaccel_error("%s: %s", where, e.what());
		return VACCEL_EIO;
	} catch (...) {
		vaccel_error("%s: unknown failure", where);
		return VACCEL_EIO;
	}
}

} // namespace vaccel::core
