// SPDX-License-Identifier: Apache-2.0
// Runs a vaccel-agent for a test: started with the given options, its
// listening addresses read from its stdout, its log kept in a file, stopped
// with SIGTERM (its exit status must then be 0).
#pragma once

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace vtest {

class Agent {
public:
	// @p plugins: VACCEL_PLUGINS of the agent; @p args: its options;
	// @p env: more of its environment ("NAME=value"; "-NAME" removes NAME).
	Agent(const std::string &plugins, std::vector<std::string> args,
	      const std::vector<std::string> &env = {})
	{
		char tmpl[] = "/tmp/vaccel-agent-test.XXXXXX";
		dir_ = mkdtemp(tmpl);
		log_ = dir_ + "/agent.log";
		unix_ = "unix://" + dir_ + "/agent.sock";
		for (auto &a : args)
			if (a == "@unix")
				a = unix_;
		int out[2];
		if (pipe(out))
			abort();
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, out[1], 1);
		posix_spawn_file_actions_addclose(&fa, out[0]);
		posix_spawn_file_actions_addopen(&fa, 2, log_.c_str(),
						 O_WRONLY | O_CREAT | O_TRUNC, 0600);
		std::string prog = std::string(VACCEL_TEST_BIN_DIR) + "/vaccel-agent";
		std::vector<std::string> argv_s{prog};
		argv_s.insert(argv_s.end(), args.begin(), args.end());
		std::vector<char *> argv;
		for (auto &s : argv_s)
			argv.push_back(s.data());
		argv.push_back(nullptr);
		std::vector<std::string> env_s{"VACCEL_PLUGINS=" + plugins,
					       "VACCEL_LOG_LEVEL=3"};
		for (char **e = environ; *e; ++e)
			if (strncmp(*e, "ASAN_", 5) == 0 || strncmp(*e, "UBSAN_", 6) == 0 ||
			    strncmp(*e, "LSAN_", 5) == 0 || strncmp(*e, "PATH=", 5) == 0)
				env_s.push_back(*e);
		for (auto &e : env) {
			std::string name = e[0] == '-' ? e.substr(1) + "="
						       : e.substr(0, e.find('=') + 1);
			std::erase_if(env_s, [&](const std::string &x) {
				return x.rfind(name, 0) == 0;
			});
			if (e[0] != '-')
				env_s.push_back(e);
		}
		std::vector<char *> envp;
		for (auto &s : env_s)
			envp.push_back(s.data());
		envp.push_back(nullptr);
		if (posix_spawn(&pid_, prog.c_str(), &fa, nullptr, argv.data(),
				envp.data()))
			pid_ = -1;
		posix_spawn_file_actions_destroy(&fa);
		close(out[1]);
		// One "listening on URI" line per -a, in order; then, with
		// --metrics, "metrics on URL".
		size_t want = 0;
		bool want_metrics = false;
		for (size_t i = 0; i < args.size(); ++i) {
			bool metrics = i && args[i - 1] == "--metrics";
			want_metrics |= metrics;
			want += !metrics && args[i].find("://") != std::string::npos;
		}
		FILE *f = fdopen(out[0], "r");
		char line[512];
		while (f && fgets(line, sizeof line, f)) {
			std::string l = line;
			l.erase(l.find_last_not_of("\n") + 1);
			if (l.rfind("listening on ", 0) == 0)
				addrs_.push_back(l.substr(13));
			else if (l.rfind("metrics on ", 0) == 0)
				metrics_ = l.substr(11);
			if (addrs_.size() == want && (!want_metrics || !metrics_.empty()))
				break;
		}
		if (f)
			fclose(f);
	}
	~Agent()
	{
		stop();
		std::string cmd = "rm -rf '" + dir_ + "'";
		if (system(cmd.c_str()) != 0) {
			// Best effort: a temporary directory left behind.
		}
	}
	bool running() const { return pid_ > 0; }
	const std::string &addr(size_t i) const { return addrs_.at(i); }
	size_t nr_addrs() const { return addrs_.size(); }
	const std::string &unix_uri() const { return unix_; }
	// http://host:port of --metrics ("" without it).
	const std::string &metrics_url() const { return metrics_; }
	pid_t pid() const { return pid_; }
	std::string log() const
	{
		std::ifstream in(log_);
		return std::string((std::istreambuf_iterator<char>(in)), {});
	}
	// SIGTERM and wait; returns the exit status (or -signal).
	int stop(int sig = SIGTERM)
	{
		if (pid_ <= 0)
			return status_;
		kill(pid_, sig);
		int st = 0;
		waitpid(pid_, &st, 0);
		pid_ = -1;
		status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
		return status_;
	}

private:
	std::string dir_, log_, unix_, metrics_;
	std::vector<std::string> addrs_;
	pid_t pid_ = -1;
	int status_ = 0;
};

// Whether this build runs under AddressSanitizer, whose allocator keeps
// freed memory in quarantine: the agent's resident size then says nothing
// of what it gave back.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssMeaningful = false;
#else
constexpr bool kRssMeaningful = true;
#endif

// Resident memory of process @p pid in KiB, shared memory included.
inline long rss_kib(pid_t pid)
{
	std::ifstream in("/proc/" + std::to_string(pid) + "/status");
	std::string line;
	while (std::getline(in, line))
		if (line.rfind("VmRSS:", 0) == 0)
			return std::stol(line.substr(6));
	return -1;
}

} // namespace vtest
