// SPDX-License-Identifier: Apache-2.0
// Remote calls through vaccel-agent, each next to the raw transport it runs
// on, measured in the same run (bench/ratios.py prints the ratios):
//   remote noop (unix, tcp)      vs a raw 64-byte ping-pong, busy-polling
//                                and blocking, with an echo process
//   64 MiB argument round trip   vs a raw unix-socket echo of 64 MiB (and
//                                memcpy of 64 MiB for scale)
//   sgemm 512 remote             vs the same plugin in process (over a
//                                unix socket: the numeric arrays cross in
//                                the shared arena, docs/protocol.md)
// the last two, and the non-spinning noop again, with both sides in turns
// (BM_pair_*); and what --metrics costs a call: the same noop frames from a
// raw client to an agent without metrics and to one with them.
#include <vaccel.h>

#include "agent.hpp"
#include "paired.hpp"
#include "../tests/rpc/raw_client.hpp"

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

// --- the same comparisons with the two sides in turns --------------------
//
// One benchmark per comparison, the raw transport (or the local plugin) and
// the remote call taking turns in bursts (bench/paired.hpp): separate
// benchmarks on this VM moved by up to 2x between runs, far more than the
// ratios sought. Not for the busy-polling baselines: an echo process that
// busy-polls without bound would take a core from the agent in the other
// turn.

// Remote noop against a blocking raw ping-pong, no spinning on either side.
void pair_noop_nospin(benchmark::State &st, bool tcp)
{
	const int calls = 200;
	Echo e(tcp, 64, false);
	Agent agent(lib("vaccel-noop"),
		    tcp ? "tcp://127.0.0.1:0" : "unix://" + sock_path("pair"), 0);
	boot_remote(agent.addr(), 0);
	vaccel_session s{};
	vaccel_session_init(&s, 0);
	char msg[64] = {1};
	vbench::paired(
		st,
		[&] {
			for (int i = 0; i < calls; ++i)
				if (!write_full(e.fd, msg, 64) ||
				    read_full(e.fd, msg, 64, false) != 64)
					return VACCEL_EIO;
			return VACCEL_OK;
		},
		[&] {
			int ret = VACCEL_OK;
			for (int i = 0; i < calls && !ret; ++i)
				ret = vaccel_noop(&s);
			return ret;
		},
		calls);
	vaccel_session_release(&s);
	vaccel_cleanup();
}
void BM_pair_noop_unix_nospin(benchmark::State &st) { pair_noop_nospin(st, false); }
void BM_pair_noop_tcp_nospin(benchmark::State &st) { pair_noop_nospin(st, true); }
BENCHMARK(BM_pair_noop_unix_nospin)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pair_noop_tcp_nospin)->UseManualTime()->Unit(benchmark::kMicrosecond);

// The agent's own cost of counting (--metrics): noop frames sent by one
// client, in turns, to an agent without metrics ("raw transport" column)
// and to one with them; everything but the counting is the same. The
// client busy-polls for replies, as the rpc plugin does, so that the
// agent's path is most of what is timed.
void BM_pair_noop_metrics(benchmark::State &st)
{
	const int calls = 500;
	vtest::Agent off(lib("vaccel-noop"), {"-q", "-a", "unix://" + sock_path("m0")});
	vtest::Agent on(lib("vaccel-noop"), {"-q", "-a", "unix://" + sock_path("m1"),
					     "--metrics", "tcp://127.0.0.1:0"});
	vtest::Raw a(off.addr(0)), b(on.addr(0));
	int64_t sa = a.open_session(), sb = b.open_session();
	if (sa < 0 || sb < 0 || on.metrics_url().empty()) {
		st.SkipWithError("no agent with --metrics (built without libmicrohttpd?)");
		for (auto _ : st) {
		}
		return;
	}
	struct Frame {
		std::vector<uint8_t> bytes;
		Frame(int64_t sid)
		{
			auto body = vtest::Raw::op_body(sid, VACCEL_OP_NOOP, {}, {});
			vaccel::rpc::Header h;
			h.type = (uint16_t)vaccel::rpc::Msg::op;
			h.id = 1;
			h.body_len = (uint32_t)body.size();
			bytes.resize(vaccel::rpc::kHeaderSize);
			vaccel::rpc::encode_header(h, bytes.data());
			bytes.insert(bytes.end(), body.begin(), body.end());
		}
	} fa(sa), fb(sb);
	auto run = [&](int fd, const Frame &f) {
		// A noop's reply is a header alone.
		uint8_t reply[vaccel::rpc::kHeaderSize];
		for (int i = 0; i < calls; ++i) {
			if (send(fd, f.bytes.data(), f.bytes.size(), MSG_NOSIGNAL) !=
			    (ssize_t)f.bytes.size())
				return VACCEL_EIO;
			size_t got = 0;
			while (got < sizeof reply) {
				ssize_t n = recv(fd, reply + got, sizeof reply - got,
						 MSG_DONTWAIT);
				if (n > 0)
					got += (size_t)n;
				else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
					return VACCEL_EIO;
			}
			if (vaccel::rpc::decode_header(reply).status != VACCEL_OK)
				return VACCEL_EIO;
		}
		return VACCEL_OK;
	};
	vbench::paired(
		st, [&] { return run(a.fd.get(), fa); }, [&] { return run(b.fd.get(), fb); },
		calls);
}
BENCHMARK(BM_pair_noop_metrics)->UseManualTime()->Unit(benchmark::kMicrosecond);

// 64 MiB out and back: a raw unix-socket echo against a remote arraycopy
// (agent defaults), through the shared arena (arena:1, the default on a
// unix socket) and through the socket itself (arena:0, as over TCP and
// vsock).
void BM_pair_64MiB(benchmark::State &st)
{
	Echo e(false, k64M, false);
	Agent agent(lib("vaccel-noop"), "unix://" + sock_path("pair64"));
	setenv("VACCEL_RPC_ARENA_MIB", st.range(0) ? "256" : "0", 1);
	boot_remote(agent.addr(), 50);
	unsetenv("VACCEL_RPC_ARENA_MIB");
	vaccel_session s{};
	vaccel_session_init(&s, 0);
	std::vector<char> out(k64M, 1), in(k64M);
	size_t n = k64M / sizeof(int);
	std::vector<int> a(n, 7), b(n);
	vbench::paired(
		st,
		[&] {
			// Concurrent send and receive, or the socket buffers
			// deadlock.
			std::thread w([&] { write_full(e.fd, out.data(), k64M); });
			ssize_t r = read_full(e.fd, in.data(), k64M, false);
			w.join();
			return r == (ssize_t)k64M ? VACCEL_OK : VACCEL_EIO;
		},
		[&] {
			int ret = vaccel_fpga_arraycopy(&s, a.data(), b.data(), n);
			return ret ? ret : b[n - 1] == 7 ? VACCEL_OK : VACCEL_EINVAL;
		});
	vaccel_session_release(&s);
	vaccel_cleanup();
}
BENCHMARK(BM_pair_64MiB)->ArgName("arena")->Arg(1)->Arg(0)->UseManualTime()->Unit(benchmark::kMillisecond);

// sgemm 512 through the same plugin in this process and through the agent
// (defaults on both sides).
void BM_pair_sgemm_512(benchmark::State &st)
{
	const int n = 512;
	Agent agent(sgemm_plugin(), "unix://" + sock_path("pairsg"));
	setenv("VACCEL_RPC_ADDRESS", agent.addr().c_str(), 1);
	unsetenv("VACCEL_RPC_SPIN_US");
	boot_local(sgemm_plugin() + ":" + lib("vaccel-rpc"));
	vaccel_session local{}, remote{};
	vaccel_session_init(&local, VACCEL_PLUGIN_CPU);
	vaccel_session_init(&remote, VACCEL_PLUGIN_REMOTE);
	std::vector<float> a(n * n, 0.5F), b(n * n, 0.25F), c(n * n, 0.0F);
	auto run = [&](vaccel_session *s) {
		return vaccel_sgemm(s, n, n, n, 1.0F, a.data(), n, b.data(), n,
				    0.0F, c.data(), n);
	};
	vbench::paired(
		st, [&] { return run(&local); }, [&] { return run(&remote); });
	vaccel_session_release(&local);
	vaccel_session_release(&remote);
	vaccel_cleanup();
}
BENCHMARK(BM_pair_sgemm_512)->UseManualTime()->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	// The local side's OpenBLAS pool sleeps when done, as the agent's
	// does (vaccel-agent sets this too): otherwise, in turns, each
	// process's pool spins through the other's sgemm and both run at
	// half speed. Read when the blas plugin loads OpenBLAS, after this.
	setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
	// "BM_pair_64MiB/arena:1/manual_time" -> "BM_pair_64MiB/arena:1"
	vbench::PairTable table([](const std::string &name) {
		return name.substr(0, name.rfind("/manual_time"));
	});
	benchmark::RunSpecifiedBenchmarks(&table);
	table.print("| benchmark | raw transport, or local | through the agent "
		    "| ratio |");
	benchmark::Shutdown();
	return table.failed() ? 1 : 0;
}
