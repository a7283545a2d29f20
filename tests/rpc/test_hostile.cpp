// SPDX-License-Identifier: Apache-2.0
// vaccel-agent against hostile guests, through its real socket: each attack
// is answered with a clear error for that guest alone, costs the agent no
// memory it keeps, and leaves every other guest served.
#include "agent_process.hpp"
#include "guest.hpp"
#include "../../agent/messages.hpp"
#include "raw_client.hpp"
#include "rpc/sha256.hpp"

#include <chrono>
#include <fstream>
#include <memory>
#include <new>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

using vtest::Agent;
using vtest::boot_remote;
using vtest::lib;
using vtest::plugin;
using vtest::Raw;
using vtest::rss_kib;
using namespace vaccel::rpc;

namespace {

const std::string kHostPlugins = plugin("exec") + ":" + plugin("noop");

class Hostile : public vtest::Runtime {
protected:
	// exec of @p sym in @p library: write[0] = 2 * read[0] for mytestfunc.
	int exec(vaccel_session *s, const std::string &library, const char *sym,
		 int32_t in = 1, int32_t *out = nullptr)
	{
		int32_t o = 0;
		vaccel_arg r{&in, 4, VACCEL_ARG_INT32, 0, false};
		vaccel_arg w{out ? out : &o, 4, VACCEL_ARG_INT32, 0, false};
		return vaccel_exec(s, library.c_str(), sym, &r, 1, &w, 1);
	}
	std::string testlib = lib("vaccel-test-lib");
};

} // namespace

// dlsym() on the allowed library's handle also finds its dependencies'
// symbols: libc's exit() would end the agent for every guest.
TEST_F(Hostile, ExecRunsOnlyTheAllowedLibrarysOwnFunctions)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--exec-dir", VACCEL_TEST_LIB_DIR});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	for (const char *foreign : {"exit", "_exit", "abort", "vaccel_cleanup"})
		EXPECT_EQ(exec(&s, testlib, foreign), VACCEL_ENOENT) << foreign;
	int32_t out = 0;
	EXPECT_EQ(exec(&s, testlib, "mytestfunc", 21, &out), VACCEL_OK);
	EXPECT_EQ(out, 42);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
	EXPECT_NE(agent.log().find("not defined in the library itself"),
		  std::string::npos);
}

// Only an absolute path is checked and opened as it was checked: a bare
// name would be checked against the agent's directory and then searched on
// the system's library path. Absent files and files outside every
// --exec-dir get one answer.
TEST_F(Hostile, ExecOpensExactlyWhatWasCheckedAndRevealsNoHostPaths)
{
	// The agent runs in its --exec-dir, where a bare name resolves.
	char cwd[4096];
	ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
	ASSERT_EQ(chdir(VACCEL_TEST_LIB_DIR), 0);
	Agent agent(kHostPlugins, {"-a", "@unix", "--exec-dir", VACCEL_TEST_LIB_DIR});
	ASSERT_EQ(chdir(cwd), 0);
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	EXPECT_EQ(exec(&s, "libvaccel-test-lib.so", "mytestfunc"), VACCEL_EPERM);
	EXPECT_EQ(exec(&s, "./libvaccel-test-lib.so", "mytestfunc"), VACCEL_EPERM);
	EXPECT_EQ(exec(&s, "libc.so.6", "getpid"), VACCEL_EPERM);
	// Present outside, absent outside, absent inside, a directory inside.
	EXPECT_EQ(exec(&s, "/etc/passwd", "f"), VACCEL_EPERM);
	EXPECT_EQ(exec(&s, "/no/such/file.so", "f"), VACCEL_EPERM);
	EXPECT_EQ(exec(&s, std::string(VACCEL_TEST_LIB_DIR) + "/absent.so", "f"),
		  VACCEL_EPERM);
	EXPECT_EQ(exec(&s, VACCEL_TEST_LIB_DIR, "f"), VACCEL_EPERM);
	int32_t out = 0;
	EXPECT_EQ(exec(&s, testlib, "mytestfunc", 3, &out), VACCEL_OK);
	EXPECT_EQ(out, 6);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// Every spelling of one allowed file ("//", "/./") is that file: the agent
// keeps one library and one symbol for all of them.
TEST_F(Hostile, ExecSpellingsOfOneFileCostNothing)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--exec-dir", VACCEL_TEST_LIB_DIR});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	for (int i = 0; i < 200; ++i)
		ASSERT_EQ(exec(&s, testlib, "mytestfunc"), VACCEL_OK);
	long before = rss_kib(agent.pid());
	std::string dir = VACCEL_TEST_LIB_DIR, name = "libvaccel-test-lib.so";
	for (int i = 0; i < 100; ++i)
		for (int j = 0; j < 100; ++j) {
			std::string p = dir + "/";
			for (int k = 0; k < i; ++k)
				p += "./";
			p.append((size_t)j, '/');
			int32_t out = 0;
			ASSERT_EQ(exec(&s, p + name, "mytestfunc", i + j, &out), VACCEL_OK)
				<< p;
			ASSERT_EQ(out, 2 * (i + j));
		}
	long after = rss_kib(agent.pid());
	// 10,000 cache entries of the spellings took 78 MiB.
	if (vtest::kRssMeaningful) {
		EXPECT_LT(after - before, 4096) << before << " KiB before, " << after
						<< " after";
	}
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// A 72-byte OP claiming 200 MiB of outputs for an operation that takes
// none: the outputs are never touched, so they take no memory, and the
// answer is the operation's EINVAL.
TEST_F(Hostile, OutputsClaimedByAGuestCostNothingUntilWritten)
{
	Agent agent(kHostPlugins, {"-a", "tcp://127.0.0.1:0"});
	Raw r(agent.addr(0));
	int64_t sid = r.open_session();
	ASSERT_GT(sid, 0);
	long before = rss_kib(agent.pid());
	for (int i = 0; i < 4; ++i)
		EXPECT_EQ(r.call(Msg::op, Raw::op_body(sid, VACCEL_OP_NOOP, {},
							{200ull << 20})),
			  VACCEL_EINVAL);
	if (vtest::kRssMeaningful) {
		EXPECT_LT(rss_kib(agent.pid()) - before, 8192);
	}
	EXPECT_EQ(r.call(Msg::op, Raw::op_body(sid, VACCEL_OP_NOOP, {}, {})), 0);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// One budget for every guest: a request, outputs or an arena that do not
// fit are refused for that guest with ENOMEM (its connection goes on), and
// what a large call took is given back after it.
TEST_F(Hostile, OneMemoryBudgetForAllGuests)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "-a", "tcp://127.0.0.1:0",
				   "--memory-budget", std::to_string(48u << 20)});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session good{};
	ASSERT_EQ(vaccel_session_init(&good, 0), VACCEL_OK);
	ASSERT_EQ(vaccel_noop(&good), VACCEL_OK);
	EXPECT_NE(agent.log().find("memory budget 48 MiB"), std::string::npos);

	Raw r(agent.addr(1));
	int64_t sid = r.open_session();
	ASSERT_GT(sid, 0);
	long before = rss_kib(agent.pid());
	// A 40 MiB request fits; once answered, its buffer is given back.
	std::vector<uint8_t> big(40u << 20, 7);
	auto body = Raw::op_body(sid, VACCEL_OP_NOOP, {{VACCEL_ARG_BUFFER, big}}, {});
	EXPECT_EQ(r.call(Msg::op, body), VACCEL_EINVAL); // noop takes no args
	// (given back once the connection has been idle for a second)
	long grown = 0;
	if (vtest::kRssMeaningful) {
		for (int i = 0; i < 150 && (grown = rss_kib(agent.pid()) - before) >= 8192;
		     ++i)
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
		EXPECT_LT(grown, 8192);
	} else {
		std::this_thread::sleep_for(std::chrono::milliseconds(1500));
	}
	// 64 MiB of request, or of outputs, do not fit: refused, and the
	// connection is still in step.
	big.resize(64u << 20);
	body = Raw::op_body(sid, VACCEL_OP_NOOP, {{VACCEL_ARG_BUFFER, big}}, {});
	EXPECT_EQ(r.call(Msg::op, body), VACCEL_ENOMEM);
	EXPECT_EQ(r.call(Msg::op, Raw::op_body(sid, VACCEL_OP_NOOP, {}, {64ull << 20})),
		  VACCEL_ENOMEM);
	EXPECT_EQ(r.call(Msg::op, Raw::op_body(sid, VACCEL_OP_NOOP, {}, {})), 0);
	// Arenas are charged too: a second 32 MiB one does not fit while
	// the first is held, and does once it is gone.
	{
		Raw a(agent.addr(0));
		a.hello();
		vtest::ArenaReply first = vtest::ask_arena(a, 32u << 20);
		EXPECT_EQ(first.status, 0);
		Raw b(agent.addr(0));
		b.hello();
		EXPECT_EQ(vtest::ask_arena(b, 32u << 20).status, VACCEL_ENOMEM);
	}
	bool granted = false;
	for (int i = 0; i < 100 && !granted; ++i) { // the first closes
		Raw c(agent.addr(0));
		c.hello();
		granted = vtest::ask_arena(c, 32u << 20).status == 0;
		if (!granted)
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	EXPECT_TRUE(granted);
	// The well-behaved guest never noticed.
	for (int i = 0; i < 100; ++i)
		ASSERT_EQ(vaccel_noop(&good), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&good), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// A model run's reply larger than --max-message is refused (ENOSPC), never
// sent with a 32-bit length that wrapped.
TEST_F(Hostile, ModelRepliesStayWithinMaxMessage)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--max-message", std::to_string(16u << 20)});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	vaccel_resource model{};
	ASSERT_EQ(vaccel_resource_init(&model, testlib.c_str(), VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &s), VACCEL_OK);
	std::vector<float> data(256u << 10, 1.5F); // 1 MiB
	int64_t dims[1] = {(int64_t)data.size()};
	vaccel_torch_tensor in{data.data(), data.size() * 4, false, 1, dims,
			       VACCEL_TORCH_FLOAT};
	vaccel_torch_tensor *ins[1] = {&in};
	// noop echoes the input into every output: 32 MiB of reply.
	std::vector<vaccel_torch_tensor *> outs(32, nullptr);
	EXPECT_EQ(vaccel_torch_model_run(&s, &model, nullptr, ins, 1, outs.data(), 32),
		  VACCEL_ENOSPC);
	for (auto *o : outs)
		EXPECT_EQ(o, nullptr);
	// Within the limit it works, on the same connection.
	EXPECT_EQ(vaccel_torch_model_run(&s, &model, nullptr, ins, 1, outs.data(), 4),
		  VACCEL_OK);
	for (int i = 0; i < 4; ++i) {
		ASSERT_NE(outs[i], nullptr);
		EXPECT_EQ(memcmp(outs[i]->data, data.data(), data.size() * 4), 0);
		vaccel_torch_tensor_delete(outs[i]);
	}
	EXPECT_EQ(vaccel_resource_release(&model), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
	EXPECT_NE(agent.log().find("exceeds --max-message"), std::string::npos);
}

// A connection must say HELLO and open a session in time; one that stays
// silent, or never opens a session, is closed.
TEST_F(Hostile, SilentConnectionsAreClosed)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--handshake-ms", "300"});
	Raw silent(agent.addr(0)), no_session(agent.addr(0));
	no_session.hello();
	auto t0 = std::chrono::steady_clock::now();
	EXPECT_TRUE(silent.closed_by_agent());
	EXPECT_TRUE(no_session.closed_by_agent());
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1900));
	// One with a session stays, however long it is idle.
	Raw guest(agent.addr(0));
	int64_t sid = guest.open_session();
	ASSERT_GT(sid, 0);
	std::this_thread::sleep_for(std::chrono::milliseconds(700));
	EXPECT_EQ(guest.call(Msg::op, Raw::op_body(sid, VACCEL_OP_NOOP, {}, {})), 0);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
	EXPECT_NE(agent.log().find("no HELLO within --handshake-ms"), std::string::npos);
	EXPECT_NE(agent.log().find("no session within --handshake-ms"), std::string::npos);
}

// A refused request does not exempt its connection from the deadlines: one
// that never opens a session is closed all the same.
TEST_F(Hostile, ARefusedRequestDoesNotKeepAConnectionOpen)
{
	Agent agent(kHostPlugins, {"-a", "tcp://127.0.0.1:0", "--handshake-ms", "300",
				   "--memory-budget", std::to_string(4u << 20)});
	Raw r(agent.addr(0));
	r.hello();
	std::vector<uint8_t> big(6u << 20, 1);
	auto body = Raw::op_body(1, VACCEL_OP_NOOP, {{VACCEL_ARG_BUFFER, big}}, {});
	std::vector<uint8_t> why;
	EXPECT_EQ(r.call(Msg::op, body, &why), VACCEL_ENOMEM);
	std::string text;
	ASSERT_TRUE(decode_error_message(why.data(), why.size(), text));
	EXPECT_NE(text.find("memory budget"), std::string::npos) << text;
	EXPECT_TRUE(r.closed_by_agent());
	EXPECT_EQ(agent.stop(), 0) << agent.log();
	EXPECT_NE(agent.log().find("no session within --handshake-ms"), std::string::npos);
}

TEST_F(Hostile, IdleTimeoutClosesIdleGuests)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--idle-timeout-s", "1"});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	ASSERT_EQ(vaccel_noop(&s), VACCEL_OK);
	std::this_thread::sleep_for(std::chrono::milliseconds(1600));
	EXPECT_EQ(vaccel_noop(&s), VACCEL_ESESS);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
	EXPECT_NE(agent.log().find("idle past --idle-timeout-s; released 1 session"),
		  std::string::npos) << agent.log();
}

// One peer (here: a TCP address) cannot take every connection: past its
// own cap it is refused, and other peers still get in.
TEST_F(Hostile, OnePeerCannotLockOthersOut)
{
	Agent agent(kHostPlugins, {"-a", "tcp://127.0.0.1:0", "--max-connections", "8",
				   "--max-connections-per-peer", "3"});
	std::vector<std::unique_ptr<Raw>> mine;
	for (int i = 0; i < 3; ++i) {
		mine.push_back(std::make_unique<Raw>(agent.addr(0), "127.0.0.1"));
		ASSERT_GT(mine.back()->open_session(), 0);
	}
	Raw fourth(agent.addr(0), "127.0.0.1");
	EXPECT_TRUE(fourth.closed_by_agent());
	for (const char *other : {"127.0.0.2", "127.0.0.3"}) {
		Raw r(agent.addr(0), other);
		int64_t sid = r.open_session();
		ASSERT_GT(sid, 0) << other;
		EXPECT_EQ(r.call(Msg::op, Raw::op_body(sid, VACCEL_OP_NOOP, {}, {})), 0);
	}
	// A slot comes back when a connection ends.
	mine.pop_back();
	bool in = false;
	for (int i = 0; i < 100 && !in; ++i) {
		Raw again(agent.addr(0), "127.0.0.1");
		in = again.open_session() > 0;
		if (!in)
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	EXPECT_TRUE(in);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
	EXPECT_NE(agent.log().find("the per-peer connection limit is reached"),
		  std::string::npos);
}

// SIGTERM waits for calls in flight, but not forever.
TEST_F(Hostile, ShutdownWaitsAtMostTheDrainTimeout)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--exec-dir", VACCEL_TEST_LIB_DIR,
				   "--drain-timeout-s", "1"});
	ASSERT_EQ(boot_remote(agent.addr(0), "60000"), VACCEL_OK);
	std::string sock = agent.unix_uri().substr(7);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	int ret = 0;
	std::thread call([&] { ret = exec(&s, testlib, "sleep_ms", 30000); });
	std::this_thread::sleep_for(std::chrono::milliseconds(300));
	auto t0 = std::chrono::steady_clock::now();
	EXPECT_EQ(agent.stop(), 0);
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
	call.join();
	EXPECT_EQ(ret, VACCEL_ESESS);
	struct stat st {};
	EXPECT_NE(lstat(sock.c_str(), &st), 0); // its socket file is gone
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_NE(agent.log().find("--drain-timeout-s"), std::string::npos);
}

// Socket files get an explicit mode whatever the umask, and a start that
// fails leaves none behind.
TEST_F(Hostile, SocketFilesHaveTheirModeAndNoneIsLeftBehind)
{
	mode_t old = umask(0);
	{
		Agent agent(kHostPlugins, {"-a", "@unix"});
		struct stat st {};
		ASSERT_EQ(lstat(agent.unix_uri().substr(7).c_str(), &st), 0);
		EXPECT_EQ(st.st_mode & 0777, 0660u);
	}
	{
		Agent agent(kHostPlugins, {"-a", "@unix", "--socket-mode", "0600"});
		struct stat st {};
		ASSERT_EQ(lstat(agent.unix_uri().substr(7).c_str(), &st), 0);
		EXPECT_EQ(st.st_mode & 0777, 0600u);
	}
	umask(old);
	{
		// The second address is refused (not loopback): the first
		// one's file must not stay.
		Agent agent(kHostPlugins, {"-a", "@unix", "-a", "tcp://192.0.2.1:1"});
		EXPECT_NE(agent.stop(), 0);
		struct stat st {};
		EXPECT_NE(lstat(agent.unix_uri().substr(7).c_str(), &st), 0);
		EXPECT_NE(agent.log().find("cannot listen on tcp://192.0.2.1:1"),
			  std::string::npos) << agent.log();
	}
}

// --user: the agent gives up root once it listens.
TEST_F(Hostile, AgentDropsToAnUnprivilegedUser)
{
	if (geteuid() != 0)
		GTEST_SKIP() << "needs root to change users";
	Agent agent(kHostPlugins, {"-a", "@unix", "--user", "nobody"});
	ASSERT_TRUE(agent.running());
	ASSERT_EQ(agent.nr_addrs(), 1u) << agent.log();
	std::ifstream status("/proc/" + std::to_string(agent.pid()) + "/status");
	std::string line, uids;
	while (std::getline(status, line))
		if (line.rfind("Uid:", 0) == 0)
			uids = line;
	EXPECT_EQ(uids, "Uid:\t65534\t65534\t65534\t65534") << uids;
	struct stat st {};
	ASSERT_EQ(lstat(agent.unix_uri().substr(7).c_str(), &st), 0);
	EXPECT_EQ(st.st_uid, 65534u);
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_noop(&s), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
	EXPECT_EQ(Agent(kHostPlugins, {"-a", "@unix", "--user", "no-such-user-x"}).stop(), 1);
}

namespace {

// Raw BLOB_QUERY, BLOB_PUT and RESOURCE_REGISTER on @p r.
bool have_blob(Raw &r, const Digest &d)
{
	Writer w;
	w.put<uint32_t>(1).bytes(d.data(), 32);
	std::vector<uint8_t> out;
	return r.call(Msg::blob_query, w.buf(), &out) == 0 && out.size() == 1 && out[0];
}
int put_blob(Raw &r, const std::vector<uint8_t> &bytes)
{
	Digest d = Sha256::of(bytes.data(), bytes.size());
	std::vector<uint8_t> body(d.begin(), d.end());
	body.insert(body.end(), bytes.begin(), bytes.end());
	return r.call(Msg::blob_put, body);
}
int register_blob(Raw &r, int64_t sid, const Digest &d)
{
	Writer w;
	w.put<int64_t>(sid).put<uint32_t>(VACCEL_RESOURCE_DATA).put<uint32_t>(1);
	w.bytes(d.data(), 32).put<uint16_t>(4).bytes("blob", 4);
	return r.call(Msg::resource_register, w.buf());
}
std::vector<uint8_t> content(size_t n, uint8_t seed)
{
	std::vector<uint8_t> v(n);
	for (size_t i = 0; i < n; ++i)
		v[i] = (uint8_t)(i * 131 + seed);
	return v;
}

} // namespace

// A guest can neither learn whether another uploaded some content (by its
// hash) nor use it without sending the bytes itself.
TEST_F(Hostile, TheCacheAnswersOnlyForWhatAPeerSent)
{
	Agent agent(kHostPlugins, {"-a", "tcp://127.0.0.1:0"});
	Raw a(agent.addr(0), "127.0.0.1"), b(agent.addr(0), "127.0.0.2");
	int64_t sa = a.open_session(), sb = b.open_session();
	ASSERT_GT(sa, 0);
	ASSERT_GT(sb, 0);
	auto secret = content(100000, 1);
	Digest d = Sha256::of(secret.data(), secret.size());
	ASSERT_EQ(put_blob(a, secret), 0);
	EXPECT_TRUE(have_blob(a, d));
	EXPECT_EQ(register_blob(a, sa, d), 0);
	EXPECT_FALSE(have_blob(b, d));
	EXPECT_EQ(register_blob(b, sb, d), VACCEL_ENOENT);
	// Once it sends the bytes, they are its own too (stored once).
	ASSERT_EQ(put_blob(b, secret), 0);
	EXPECT_TRUE(have_blob(b, d));
	EXPECT_EQ(register_blob(b, sb, d), 0);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// No peer can pin more than its share of the cache, and an upload the
// cache cannot keep is refused, not answered OK and evicted at once.
TEST_F(Hostile, NoPeerPinsTheWholeCache)
{
	Agent agent(kHostPlugins, {"-a", "tcp://127.0.0.1:0", "--cache-bytes",
				   std::to_string(4u << 20), "--pin-quota",
				   std::to_string(2u << 20)});
	Raw a(agent.addr(0), "127.0.0.1"), b(agent.addr(0), "127.0.0.2"),
		c(agent.addr(0), "127.0.0.3");
	int64_t sa = a.open_session(), sb = b.open_session(), sc = c.open_session();
	ASSERT_GT(sa, 0);
	ASSERT_GT(sb, 0);
	ASSERT_GT(sc, 0);
	auto a1 = content(3u << 19, 1), a2 = content(1u << 20, 2); // 1.5, 1 MiB
	auto b1 = content(3u << 19, 3), c1 = content(2u << 20, 4);
	ASSERT_EQ(put_blob(a, a1), 0);
	EXPECT_EQ(register_blob(a, sa, Sha256::of(a1.data(), a1.size())), 0);
	ASSERT_EQ(put_blob(a, a2), 0);
	EXPECT_EQ(register_blob(a, sa, Sha256::of(a2.data(), a2.size())), VACCEL_ENOSPC);
	// Another peer still has its share.
	ASSERT_EQ(put_blob(b, b1), 0);
	EXPECT_EQ(register_blob(b, sb, Sha256::of(b1.data(), b1.size())), 0);
	// 3 MiB pinned in a 4 MiB cache: 2 more MiB cannot be kept, nor
	// anything larger than the whole cache.
	EXPECT_EQ(put_blob(c, c1), VACCEL_ENOSPC);
	EXPECT_EQ(put_blob(c, content((4u << 20) + 1, 5)), VACCEL_ENOSPC);
	EXPECT_FALSE(have_blob(c, Sha256::of(c1.data(), c1.size())));
	EXPECT_EQ(agent.stop(), 0) << agent.log();
	EXPECT_NE(agent.log().find("--pin-quota"), std::string::npos);
}

// Allocation failures on demand: operator new of this process (the rpc
// plugin's included) throws once a countdown of this thread's
// allocations reaches zero.
namespace {
thread_local long allocations_left = -1; // -1: never fail
} // namespace

void *operator new(size_t n)
{
	if (allocations_left >= 0 && allocations_left-- == 0)
		throw std::bad_alloc();
	if (void *p = malloc(n ? n : 1))
		return p;
	throw std::bad_alloc();
}
void operator delete(void *p) noexcept { free(p); }
void operator delete(void *p, size_t) noexcept { free(p); }

// No C++ exception leaves the rpc plugin: an allocation failure anywhere
// in a call is an error of that call, and the application goes on.
TEST_F(Hostile, AllocationFailuresInTheClientAreErrorsOfTheirCall)
{
#if defined(__SANITIZE_ADDRESS__)
	// libvaccel carries its own C++ runtime; with the sanitizers' build
	// of it, this program's operator new is also the library's, and an
	// exception thrown here cannot unwind through the library's frames.
	// Without them libvaccel keeps its operator new to itself, and only
	// the plugin's and this program's allocations fail, as meant.
	GTEST_SKIP() << "the countdown reaches libvaccel's own allocations here";
#endif
	Agent agent(kHostPlugins, {"-a", "@unix", "--exec-dir", VACCEL_TEST_LIB_DIR});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	const int m = 3, n = 4, k = 5;
	std::vector<float> a(m * k, 1.0F), b(k * n, 2.0F), c(m * n);
	int failed = 0;
	for (long at = 0; at < 60; ++at) {
		vaccel_session s{};
		allocations_left = at;
		int ret = vaccel_session_init(&s, 0);
		if (ret == VACCEL_OK) {
			ret = vaccel_sgemm(&s, m, n, k, 1.0F, a.data(), k, b.data(), n,
					   0.0F, c.data(), n);
			int32_t out = 0;
			if (ret == VACCEL_OK)
				ret = exec(&s, testlib, "mytestfunc", 3, &out);
			allocations_left = -1;
			vaccel_session_release(&s);
		}
		allocations_left = -1;
		EXPECT_TRUE(ret == VACCEL_OK || ret == VACCEL_ENOMEM || ret == VACCEL_ESESS)
			<< "failing allocation " << at << ": " << ret;
		failed += ret != VACCEL_OK;
	}
	EXPECT_GT(failed, 10) << "the countdown did not reach the calls";
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	ASSERT_EQ(vaccel_sgemm(&s, m, n, k, 1.0F, a.data(), k, b.data(), n, 0.0F,
			       c.data(), n),
		  VACCEL_OK);
	int32_t out = 0;
	EXPECT_EQ(exec(&s, testlib, "mytestfunc", 3, &out), VACCEL_OK);
	EXPECT_EQ(out, 6);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// Why a call failed reaches the guest: the agent's message, logged by the
// rpc plugin as this thread's error text, without host paths the guest did
// not send itself.
TEST_F(Hostile, TheAgentsReasonReachesTheGuest)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--exec-dir", VACCEL_TEST_LIB_DIR,
				   "--allow-guest-libs"});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	vaccel_error_clear();
	EXPECT_EQ(exec(&s, "/etc/passwd", "f"), VACCEL_EPERM);
	EXPECT_STREQ(vaccel_error_message(),
		     "[rpc] the agent: [agent] exec refused: not an absolute path "
		     "to a file under an --exec-dir");
	vaccel_error_clear();
	EXPECT_EQ(exec(&s, testlib, "exit"), VACCEL_ENOENT);
	EXPECT_NE(std::string(vaccel_error_message())
			  .find("[exec] " + testlib + ": exit is not defined in the "
				"library itself"),
		  std::string::npos) << vaccel_error_message() << "|";
	// A guest library that is no library: the exec plugin names the file
	// it staged on the host, which the guest never sent.
	const char junk[] = "not an ELF file at all";
	vaccel_resource res{};
	ASSERT_EQ(vaccel_resource_init_from_buf(&res, junk, sizeof junk,
						VACCEL_RESOURCE_LIB, "libjunk.so", false),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&res, &s), VACCEL_OK);
	int32_t in = 1, out = 0;
	vaccel_arg r{&in, 4, VACCEL_ARG_INT32, 0, false}, w{&out, 4, VACCEL_ARG_INT32, 0, false};
	vaccel_error_clear();
	EXPECT_EQ(vaccel_exec_with_resource(&s, &res, "f", &r, 1, &w, 1), VACCEL_ENOENT);
	std::string why = vaccel_error_message();
	EXPECT_NE(why.find("[exec] cannot open <path>"), std::string::npos) << why;
	EXPECT_EQ(why.find("/proc/"), std::string::npos) << why;
	EXPECT_EQ(vaccel_resource_release(&res), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

TEST(GuestSafeMessage, HostPathsTheGuestDidNotSendAreHidden)
{
	using vaccel::agent::guest_safe_message;
	std::string req = "xx/opt/guest/model.pt\0yy";
	auto safe = [&](const char *m) {
		return guest_safe_message(m, (const uint8_t *)req.data(), req.size());
	};
	EXPECT_EQ(safe("[torch] cannot load /opt/guest/model.pt: bad zip"),
		  "[torch] cannot load /opt/guest/model.pt: bad zip");
	EXPECT_EQ(safe("[torch] cannot load /var/lib/vaccel/x/model.pt: no"),
		  "[torch] cannot load <path>: no");
	EXPECT_EQ(safe("at '/usr/lib/x.so', (/a/b) [/c] x=/d:/e; /f"),
		  "at '<path>', (<path>) [<path>] x=<path>:<path>; <path>");
	EXPECT_EQ(safe("[agent] connection 12: refused; 3/4 done, a/b and /"),
		  "[agent] refused; 3/4 done, a/b and /");
	std::string long_one(5000, 'x');
	EXPECT_EQ(safe(long_one.c_str()).size(), kMaxErrorMessage);
}

// A client of protocol 3 is still served; its error replies have no body.
TEST_F(Hostile, ProtocolThreeClientsGetNoMessageBodies)
{
	Agent agent(kHostPlugins, {"-a", "tcp://127.0.0.1:0"});
	Raw r(agent.addr(0));
	Header h;
	h.version = 3;
	h.type = (uint16_t)Msg::hello;
	h.id = 1;
	h.body_len = 8;
	uint8_t hb[kHeaderSize];
	encode_header(h, hb);
	r.send(hb, sizeof hb);
	uint32_t v[2] = {3, 3};
	r.send(v, 8);
	uint8_t reply[kHeaderSize + 16];
	ASSERT_TRUE(r.recv_all(reply, sizeof reply));
	uint32_t chosen;
	memcpy(&chosen, reply + kHeaderSize, 4);
	EXPECT_EQ(chosen, 3u);
	EXPECT_EQ(decode_header(reply).version, 3);
	h.type = (uint16_t)Msg::session_release;
	h.id = 2;
	int64_t bad = 12345;
	encode_header(h, hb);
	r.send(hb, sizeof hb);
	r.send(&bad, 8);
	ASSERT_TRUE(r.recv_all(reply, kHeaderSize));
	Header got = decode_header(reply);
	EXPECT_EQ(got.status, VACCEL_EINVAL);
	EXPECT_EQ(got.body_len, 0u);
	EXPECT_EQ(got.version, 3);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// The agent announces each connection's arena and mailbox to its plugins
// once (cuda page-locks them) and takes them back when the connection ends.
TEST_F(Hostile, ArenaAndMailboxAreAnnouncedToPluginsForTheirLife)
{
	Agent agent(kHostPlugins + ":" + plugin("test-host_memory"),
		    {"-a", "@unix", "--arena-max", std::to_string(8u << 20)});
	setenv("VACCEL_RPC_ARENA_MIB", "8", 1); // read as the rpc plugin loads
	setenv("VACCEL_RPC_MAILBOX_KIB", "64", 1);
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	// Arrays large enough to go through the arena: it is asked for then.
	std::vector<int> a(64 << 10, 3), out(a.size());
	EXPECT_EQ(vaccel_fpga_arraycopy(&s, a.data(), out.data(), a.size()), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	unsetenv("VACCEL_RPC_ARENA_MIB");
	unsetenv("VACCEL_RPC_MAILBOX_KIB");
	EXPECT_EQ(agent.stop(), 0);
	std::string log = agent.log();
	const std::string mailbox = std::to_string(4096 + 2 * (64 << 10)) + " bytes",
			  arena = std::to_string(8u << 20) + " bytes";
	for (const std::string &what : {"register " + mailbox, "register " + arena,
					"unregister " + mailbox, "unregister " + arena})
		EXPECT_NE(log.find("[test-host-memory] " + what + "\n"), std::string::npos)
			<< what << "\n" << log;
	EXPECT_EQ(log.find("never registered"), std::string::npos) << log;
}
