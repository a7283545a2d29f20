// SPDX-License-Identifier: Apache-2.0
// A vaccel-agent child process for the duration of a benchmark, serving the
// plugins given on a URI (port 0 or a fresh socket path): addr() is where it
// listens. Needs VACCEL_BENCH_BIN_DIR, the directory of vaccel-agent.
// VACCEL_LOG_LEVEL is passed on; nothing else of the environment is.
#pragma once

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace vbench {

class Agent {
public:
	// spin_us < 0: the agent's default.
	Agent(const std::string &plugins, const std::string &uri, int spin_us = -1)
	{
		int out[2];
		if (pipe(out))
			abort();
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, out[1], 1);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
		std::string prog = std::string(VACCEL_BENCH_BIN_DIR) + "/vaccel-agent";
		std::string spin = std::to_string(spin_us);
		std::string env = "VACCEL_PLUGINS=" + plugins;
		const char *argv[] = {prog.c_str(), "-q", "-a", uri.c_str(),
				      spin_us < 0 ? nullptr : "--spin-us",
				      spin.c_str(), nullptr};
		std::string log = "VACCEL_LOG_LEVEL=";
		if (const char *l = getenv("VACCEL_LOG_LEVEL"))
			log += l;
		char *envp[] = {env.data(), log.data(), nullptr};
		posix_spawn(&pid_, prog.c_str(), &fa, nullptr, (char **)argv, envp);
		posix_spawn_file_actions_destroy(&fa);
		close(out[1]);
		char line[256] = {};
		FILE *f = fdopen(out[0], "r");
		if (fgets(line, sizeof line, f)) {
			addr_ = line + 13; // "listening on "
			addr_.erase(addr_.find('\n'));
		}
		fclose(f);
	}
	~Agent()
	{
		kill(pid_, SIGTERM);
		waitpid(pid_, nullptr, 0);
	}
	const std::string &addr() const { return addr_; }

private:
	pid_t pid_ = -1;
	std::string addr_;
};

} // namespace vbench
