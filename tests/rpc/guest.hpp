// SPDX-License-Identifier: Apache-2.0
// This test process as a guest of an agent.
#pragma once

#include "../unit/support.hpp"

#include <cstdlib>
#include <string>

namespace vtest {

// Boot this process as a guest of the agent at @p uri.
inline int boot_remote(const std::string &uri, const char *timeout_ms = "5000")
{
	setenv("VACCEL_RPC_ADDRESS", uri.c_str(), 1);
	setenv("VACCEL_RPC_TIMEOUT_MS", timeout_ms, 1);
	return boot({"rpc"});
}

} // namespace vtest
