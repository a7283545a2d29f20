// SPDX-License-Identifier: Apache-2.0
// A vaccel-agent child process for the duration of a benchmark: the tests'
// vtest::Agent (tests/rpc/agent_process.hpp), serving @p plugins on @p uri
// ("@unix": a fresh socket; tcp port 0 picks one), spinning @p spin_us
// (< 0: the agent's default). addr() is where it listens.
#pragma once

#ifndef VACCEL_TEST_BIN_DIR
#define VACCEL_TEST_BIN_DIR VACCEL_BENCH_BIN_DIR
#endif
#include "../tests/rpc/agent_process.hpp"

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace vbench {

class Agent {
public:
	Agent(const std::string &plugins, const std::string &uri, int spin_us = -1)
		: agent_(plugins, args(uri, spin_us))
	{
	}
	const std::string &addr() const { return agent_.addr(0); }

private:
	static std::vector<std::string> args(const std::string &uri, int spin_us)
	{
		std::vector<std::string> v{"-q", "-a", uri};
		if (spin_us >= 0) {
			v.push_back("--spin-us");
			v.push_back(std::to_string(spin_us));
		}
		// More options for every agent of a run, to compare runs with
		// and without them (--metrics tcp://127.0.0.1:0, say).
		if (const char *more = getenv("VACCEL_BENCH_AGENT_ARGS")) {
			std::istringstream words(more);
			for (std::string w; words >> w;)
				v.push_back(w);
		}
		return v;
	}
	vtest::Agent agent_;
};

} // namespace vbench
