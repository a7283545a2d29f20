// SPDX-License-Identifier: Apache-2.0
// The mailbox under load: guest processes with several threads (a session,
// so a connection, each) against agents at once, calls whose request or
// reply is just under, at or just over the mailbox's capacity, sides that
// spin and sides that sleep, and guest threads stopped at arbitrary
// instructions for a while, as a descheduled vCPU is. The mailbox's races
// need one side stopped between two steps of a send while the other reads
// the message, answers and goes to sleep; a single guest at a time, and
// threads that are never stopped, almost never get there.
#include "../unit/support.hpp"
#include "agent_process.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

using vtest::Agent;
using vtest::boot;
using vtest::plugin;

namespace {

long long now_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// fpga_vadd's frames through the rpc plugin, for n floats in each array:
// the request is kRequestBase + 8n bytes (both inputs), the reply
// kReplyBase + 4n (the output).
constexpr long kRequestBase = 120, kReplyBase = 32;

struct Guest {
	const char *mailbox_kib, *spin_us;
	int threads;
	int stall_every_us; // 0: never stopped
};

// How long a stopped thread stays stopped: longer than a spin that does
// not stretch (the agent's below), so the other side goes to sleep.
constexpr long kStallUs = 40;

// Each stopping thread's timer, re-armed when a stop ends: however slow
// the machine, a thread runs for stall_every between two stops.
thread_local timer_t stall_timer;
thread_local long stall_every_ns;

void stall(int)
{
	timespec ts{0, kStallUs * 1000};
	nanosleep(&ts, nullptr);
	itimerspec next{{0, 0}, {0, stall_every_ns}};
	timer_settime(stall_timer, 0, &next, nullptr);
}

// Calls on one session until @p until_ns: noops, and vector additions
// whose request or reply lands within 24 floats of the capacity, each
// after up to 10 us of the guest's own work (so that a side woken for
// nothing may look before the next message is written). 0, or 1 if one
// failed.
int calls(size_t cap, int stall_every_us, unsigned seed, long long until_ns)
{
	// Signalled to this very thread: a signal to the process would
	// mostly stop a thread that is asleep anyway.
	bool timed = false;
	if (stall_every_us) {
		sigevent ev{};
		ev.sigev_notify = SIGEV_THREAD_ID;
		ev.sigev_signo = SIGUSR1;
		ev._sigev_un._tid = gettid();
		stall_every_ns = stall_every_us * 1000L;
		itimerspec first{{0, 0}, {0, stall_every_ns}};
		if (timer_create(CLOCK_MONOTONIC, &ev, &stall_timer))
			return 1;
		timed = true;
		if (timer_settime(stall_timer, 0, &first, nullptr))
			return 1;
	}
	vaccel_session s{};
	if (vaccel_session_init(&s, 0))
		return 1;
	std::mt19937 rng(seed);
	const long fits[] = {((long)cap - kRequestBase) / 8, ((long)cap - kReplyBase) / 4};
	std::vector<float> a, b, c;
	int bad = 0;
	for (unsigned k = 0; !bad && now_ns() < until_ns; ++k) {
		long long work = now_ns() + (long long)(rng() % 10000);
		while (now_ns() < work) {
		}
		unsigned kind = rng() % 3;
		if (kind == 2) {
			bad = vaccel_noop(&s) != VACCEL_OK;
			continue;
		}
		size_t n = (size_t)std::max(1L, fits[kind] - 24 + (long)(rng() % 49));
		a.resize(n);
		b.resize(n);
		c.assign(n, -1.0F);
		for (size_t i = 0; i < n; ++i) {
			a[i] = (float)((k + i) & 0xffff);
			b[i] = (float)(i & 0xff) * 0.5F;
		}
		if (vaccel_fpga_vadd(&s, a.data(), b.data(), c.data(), n, n)) {
			bad = 1;
			break;
		}
		for (size_t i = 0; i < n; ++i)
			if (c[i] != a[i] + b[i])
				bad = 1;
	}
	if (timed)
		timer_delete(stall_timer);
	if (vaccel_session_release(&s))
		bad = 1;
	return bad;
}

// One guest process; its exit status is the number of sessions that
// failed.
[[noreturn]] void guest_process(const std::string &uri, const Guest &g,
				unsigned seed, long long until_ns)
{
	setenv("VACCEL_RPC_ADDRESS", uri.c_str(), 1);
	// A lost wake-up fails a call within the test's time, not the
	// default 30 s later.
	setenv("VACCEL_RPC_TIMEOUT_MS", "10000", 1);
	setenv("VACCEL_RPC_MAILBOX_KIB", g.mailbox_kib, 1);
	setenv("VACCEL_RPC_SPIN_US", g.spin_us, 1);
	// Bulk arrays in the messages, not in an arena, so that the sizes
	// near a 128 KiB mailbox are the messages' sizes.
	setenv("VACCEL_RPC_ARENA_MIB", "0", 1);
	if (g.stall_every_us) {
		struct sigaction sa{};
		sa.sa_handler = stall;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGUSR1, &sa, nullptr);
		// Stops of about kStallUs, not the default 50 us slack more.
		prctl(PR_SET_TIMERSLACK, 1UL);
	}
	if (boot({"rpc"}))
		_exit(g.threads);
	const size_t cap = (size_t)atoi(g.mailbox_kib) << 10;
	std::vector<std::thread> t;
	std::vector<int> bad(g.threads);
	for (int i = 0; i < g.threads; ++i)
		t.emplace_back([&, i] {
			bad[i] = calls(cap, g.stall_every_us, seed * 131 + i, until_ns);
		});
	int failed = 0;
	for (int i = 0; i < g.threads; ++i) {
		t[i].join();
		failed += bad[i];
	}
	vaccel_cleanup();
	_exit(failed);
}

class MailboxStress : public vtest::Runtime {
protected:
	struct Run {
		const Agent *agent;
		Guest guest;
	};
	// Runs the guests at once for @p seconds; the number of sessions
	// that failed.
	int run(const std::vector<Run> &runs, int seconds)
	{
		const long long until = now_ns() + seconds * 1000000000LL;
		std::vector<pid_t> pids;
		for (const Run &r : runs) {
			pid_t pid = fork();
			if (pid == 0)
				guest_process(r.agent->addr(0), r.guest, ++seed_, until);
			EXPECT_GT(pid, 0);
			pids.push_back(pid);
		}
		int failed = 0;
		for (size_t i = 0; i < pids.size(); ++i) {
			const Guest &g = runs[i].guest;
			int st = 0;
			int n = pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i] &&
						WIFEXITED(st)
					? WEXITSTATUS(st)
					: g.threads;
			EXPECT_EQ(n, 0) << n << " of " << g.threads
					<< " sessions failed: guest " << i << ", "
					<< g.mailbox_kib << " KiB mailbox, spin " << g.spin_us
					<< " us" << (g.stall_every_us ? ", stopped now and then" : "");
			failed += n;
		}
		return failed;
	}
	unsigned seed_ = 0;
};

} // namespace

// First a crowd: guest processes with several threads each, mailboxes of
// 128 KiB (the default), 8 and 4 KiB, guests that spin and guests that do
// not, some stopped now and then, against an agent with the defaults
// (which, with more connections than cores, does not spin). Then one
// guest per core (up to 16), each stopped now and then, against an agent
// that spins briefly (20 us, never stretched), so that it reads a request
// while its guest is stopped just after writing it and then sleeps before
// the guest goes on. The crowd would take the cores that this needs,
// hence one after the other.
TEST_F(MailboxStress, ManyGuestsAndThreadsWithMessagesAroundTheCapacity)
{
	Agent crowded(plugin("noop"), {"-a", "@unix"});
	Agent spinning(plugin("noop"),
		       {"-a", "@unix", "--spin-us", "20", "--spin-max-us", "0"});
	ASSERT_EQ(crowded.nr_addrs(), 1u);
	ASSERT_EQ(spinning.nr_addrs(), 1u);
	std::vector<Run> crowd{{&crowded, {"128", "50", 3, 0}},
			       {&crowded, {"4", "50", 3, 100}},
			       {&crowded, {"128", "0", 2, 100}},
			       {&crowded, {"8", "0", 3, 0}},
			       {&crowded, {"4", "50", 2, 0}}};
	EXPECT_EQ(run(crowd, 3), 0) << crowded.log();
	std::vector<Run> pairs;
	const unsigned cores = std::clamp(std::thread::hardware_concurrency(), 2u, 16u);
	for (unsigned i = 0; i < cores; ++i)
		pairs.push_back({&spinning, {"4", i % 2 ? "50" : "0", 1, 100}});
	EXPECT_EQ(run(pairs, 8), 0) << spinning.log();
	for (Agent *a : {&crowded, &spinning}) {
		EXPECT_EQ(a->log().find("dropped"), std::string::npos) << a->log();
		EXPECT_EQ(a->stop(), 0) << a->log();
	}
}
