// SPDX-License-Identifier: Apache-2.0
// Remote calls through vaccel-agent, each next to the raw transport it runs
// on, measured in the same run (bench/ratios.py prints the ratios):
//   remote noop (unix, tcp)      vs a raw 64-byte ping-pong, busy-polling
//                                and blocking, with an echo process
//   64 MiB argument round trip   vs a raw unix-socket echo of 64 MiB, memcpy
//   sgemm 512 remote             vs the same plugin in process
#include <vaccel.h>

#include "agent.hpp"

#include <benchmark/benchmark.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <thread>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

using vbench::Agent;

std::string lib(const std::string &n)
{
	return std::string(VACCEL_BENCH_LIB_DIR) + "/lib" + n + ".so";
}

std::string sgemm_plugin()
{
	std::string blas = lib("vaccel-blas");
	return access(blas.c_str(), R_OK) == 0 ? blas : lib("vaccel-test-cpu_sgemm");
}

void boot_remote(const std::string &addr, int spin_us)
{
	setenv("VACCEL_RPC_ADDRESS", addr.c_str(), 1);
	setenv("VACCEL_RPC_SPIN_US", std::to_string(spin_us).c_str(), 1);
	struct vaccel_config cfg{};
	std::string p = lib("vaccel-rpc");
	vaccel_config_init(&cfg, p.c_str(), VACCEL_LOG_ERROR, nullptr, false, false);
	if (vaccel_bootstrap_with_config(&cfg))
		abort();
	vaccel_config_release(&cfg);
}

void boot_local(const std::string &plugins)
{
	struct vaccel_config cfg{};
	vaccel_config_init(&cfg, plugins.c_str(), VACCEL_LOG_ERROR, nullptr, false,
			   false);
	if (vaccel_bootstrap_with_config(&cfg))
		abort();
	vaccel_config_release(&cfg);
}

std::string sock_path(const char *tag)
{
	return "/tmp/vaccel-bench-" + std::string(tag) + "." + std::to_string(getpid());
}

void remote_noop(benchmark::State &st, const char *uri_kind, int spin_us)
{
	std::string uri = std::string(uri_kind) == "unix"
				  ? "unix://" + sock_path("agent")
				  : "tcp://127.0.0.1:0";
	Agent agent(lib("vaccel-noop"), uri, spin_us);
	boot_remote(agent.addr(), spin_us);
	vaccel_session s{};
	vaccel_session_init(&s, 0);
	if (vaccel_noop(&s))
		st.SkipWithError("remote noop failed");
	for (auto _ : st)
		benchmark::DoNotOptimize(vaccel_noop(&s));
	vaccel_session_release(&s);
	vaccel_cleanup();
}

// --- raw transports ----------------------------------------------------

ssize_t read_full(int fd, void *p, size_t n, bool spin)
{
	char *c = static_cast<char *>(p);
	size_t left = n;
	while (left) {
		ssize_t r = recv(fd, c, left, spin ? MSG_DONTWAIT : 0);
		if (r > 0) {
			c += r;
			left -= (size_t)r;
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			return -1;
		}
	}
	return (ssize_t)n;
}

bool write_full(int fd, const void *p, size_t n)
{
	const char *c = static_cast<const char *>(p);
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		c += w;
		n -= (size_t)w;
	}
	return true;
}

// An echo process on the other end of a connected socket pair (or TCP
// connection): it returns every message of @p size bytes.
struct Echo {
	int fd = -1;
	pid_t pid = -1;
	Echo(bool tcp, size_t size, bool spin)
	{
		int sv[2];
		if (!tcp) {
			socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
		} else {
			int l = socket(AF_INET, SOCK_STREAM, 0);
			sockaddr_in a{};
			a.sin_family = AF_INET;
			a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			bind(l, (sockaddr *)&a, sizeof a);
			listen(l, 1);
			socklen_t len = sizeof a;
			getsockname(l, (sockaddr *)&a, &len);
			sv[0] = socket(AF_INET, SOCK_STREAM, 0);
			connect(sv[0], (sockaddr *)&a, sizeof a);
			sv[1] = accept(l, nullptr, nullptr);
			close(l);
			int one = 1;
			setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		}
		pid = fork();
		if (pid == 0) {
			close(sv[0]);
			std::vector<char> buf(size);
			while (read_full(sv[1], buf.data(), size, spin) > 0 &&
			       write_full(sv[1], buf.data(), size))
				;
			_exit(0);
		}
		close(sv[1]);
		fd = sv[0];
	}
	~Echo()
	{
		close(fd);
		waitpid(pid, nullptr, 0);
	}
};

void raw_pingpong(benchmark::State &st, bool tcp, bool spin)
{
	Echo e(tcp, 64, spin);
	char msg[64] = {1};
	for (auto _ : st) {
		write_full(e.fd, msg, 64);
		read_full(e.fd, msg, 64, spin);
	}
}

void BM_raw_unix_pingpong_busypoll(benchmark::State &st) { raw_pingpong(st, false, true); }
void BM_raw_unix_pingpong_blocking(benchmark::State &st) { raw_pingpong(st, false, false); }
void BM_raw_tcp_pingpong_busypoll(benchmark::State &st) { raw_pingpong(st, true, true); }
void BM_raw_tcp_pingpong_blocking(benchmark::State &st) { raw_pingpong(st, true, false); }
void BM_remote_noop_unix(benchmark::State &st) { remote_noop(st, "unix", 50); }
void BM_remote_noop_unix_nospin(benchmark::State &st) { remote_noop(st, "unix", 0); }
void BM_remote_noop_tcp(benchmark::State &st) { remote_noop(st, "tcp", 50); }
void BM_remote_noop_tcp_nospin(benchmark::State &st) { remote_noop(st, "tcp", 0); }
BENCHMARK(BM_raw_unix_pingpong_busypoll)->UseRealTime();
BENCHMARK(BM_remote_noop_unix)->UseRealTime();
BENCHMARK(BM_raw_unix_pingpong_blocking)->UseRealTime();
BENCHMARK(BM_remote_noop_unix_nospin)->UseRealTime();
BENCHMARK(BM_raw_tcp_pingpong_busypoll)->UseRealTime();
BENCHMARK(BM_remote_noop_tcp)->UseRealTime();
BENCHMARK(BM_raw_tcp_pingpong_blocking)->UseRealTime();
BENCHMARK(BM_remote_noop_tcp_nospin)->UseRealTime();

constexpr size_t k64M = 64u << 20;

void BM_memcpy_64MiB(benchmark::State &st)
{
	std::vector<char> a(k64M, 1), b(k64M);
	for (auto _ : st) {
		memcpy(b.data(), a.data(), k64M);
		benchmark::ClobberMemory();
	}
	st.SetBytesProcessed((int64_t)st.iterations() * 2 * (int64_t)k64M);
}
BENCHMARK(BM_memcpy_64MiB)->UseRealTime()->Unit(benchmark::kMillisecond);

// Both directions, like the remote round trip: 64 MiB out, 64 MiB back.
void BM_raw_unix_echo_64MiB(benchmark::State &st)
{
	Echo e(false, k64M, false);
	std::vector<char> out(k64M, 1), in(k64M);
	for (auto _ : st) {
		// Concurrent send and receive, or the socket buffers deadlock.
		std::thread w([&] { write_full(e.fd, out.data(), k64M); });
		read_full(e.fd, in.data(), k64M, false);
		w.join();
	}
	st.SetBytesProcessed((int64_t)st.iterations() * 2 * (int64_t)k64M);
}
BENCHMARK(BM_raw_unix_echo_64MiB)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_remote_arraycopy_64MiB(benchmark::State &st)
{
	Agent agent(lib("vaccel-noop"), "unix://" + sock_path("agent64"), 0);
	boot_remote(agent.addr(), 0);
	vaccel_session s{};
	vaccel_session_init(&s, 0);
	size_t n = k64M / sizeof(int);
	std::vector<int> a(n, 7), b(n);
	for (auto _ : st)
		if (vaccel_fpga_arraycopy(&s, a.data(), b.data(), n))
			st.SkipWithError("remote arraycopy failed");
	if (b[n - 1] != 7)
		st.SkipWithError("wrong result");
	st.SetBytesProcessed((int64_t)st.iterations() * 2 * (int64_t)k64M);
	vaccel_session_release(&s);
	vaccel_cleanup();
}
BENCHMARK(BM_remote_arraycopy_64MiB)->UseRealTime()->Unit(benchmark::kMillisecond);

void sgemm(benchmark::State &st, vaccel_session *s)
{
	const int n = 512;
	std::vector<float> a(n * n, 0.5F), b(n * n, 0.25F), c(n * n, 0.0F);
	for (auto _ : st)
		if (vaccel_sgemm(s, n, n, n, 1.0F, a.data(), n, b.data(), n, 0.0F,
				 c.data(), n))
			st.SkipWithError("sgemm failed");
}

void BM_local_sgemm_512(benchmark::State &st)
{
	boot_local(sgemm_plugin());
	vaccel_session s{};
	vaccel_session_init(&s, 0);
	sgemm(st, &s);
	vaccel_session_release(&s);
	vaccel_cleanup();
}
BENCHMARK(BM_local_sgemm_512)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_remote_sgemm_512(benchmark::State &st)
{
	Agent agent(sgemm_plugin(), "unix://" + sock_path("agentsg"), 0);
	boot_remote(agent.addr(), 0);
	vaccel_session s{};
	vaccel_session_init(&s, 0);
	sgemm(st, &s);
	vaccel_session_release(&s);
	vaccel_cleanup();
}
BENCHMARK(BM_remote_sgemm_512)->UseRealTime()->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
