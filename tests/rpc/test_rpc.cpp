// SPDX-License-Identifier: Apache-2.0
// The rpc plugin against a real vaccel-agent process: the same operations
// locally and remotely give the same bytes; errors, limits, policies,
// failures of the agent and hostile frames.
#include "../unit/support.hpp"
#include "agent_process.hpp"
#include "guest.hpp"
#include "raw_client.hpp"
#include "rpc/net.hpp"
#include "rpc/wire.hpp"

#include <atomic>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

using vtest::Agent;
using vtest::boot_remote;
using vtest::Raw;
using vtest::ask_arena;
using vtest::ArenaReply;
using vtest::boot;
using vtest::lib;
using vtest::plugin;

namespace {

const std::string kHostPlugins = plugin("exec") + ":" + plugin("noop");

// sgemm through vaccel_genop, alpha 2, beta 0 (C output only), packed
// rows (lda = k, ldb = ldc = n).
int genop_sgemm(vaccel_session *s, int64_t m, int64_t n, int64_t k,
		std::vector<float> &a, std::vector<float> &b,
		std::vector<float> &c)
{
	uint8_t op = VACCEL_OP_BLAS_SGEMM;
	int64_t lda = k, ldb = n, ldc = n;
	float alpha = 2.0F, beta = 0.0F;
	vaccel_arg rd[] = {{&op, 1, VACCEL_ARG_UINT8, 0, false},
			   {&m, 8, VACCEL_ARG_INT64, 0, false},
			   {&n, 8, VACCEL_ARG_INT64, 0, false},
			   {&k, 8, VACCEL_ARG_INT64, 0, false},
			   {&alpha, 4, VACCEL_ARG_FLOAT32, 0, false},
			   {a.data(), a.size() * 4, VACCEL_ARG_FLOAT32_ARRAY, 0, false},
			   {&lda, 8, VACCEL_ARG_INT64, 0, false},
			   {b.data(), b.size() * 4, VACCEL_ARG_FLOAT32_ARRAY, 0, false},
			   {&ldb, 8, VACCEL_ARG_INT64, 0, false},
			   {&beta, 4, VACCEL_ARG_FLOAT32, 0, false},
			   {&ldc, 8, VACCEL_ARG_INT64, 0, false}};
	vaccel_arg wr[] = {{c.data(), c.size() * 4, VACCEL_ARG_FLOAT32_ARRAY, 0, false}};
	return vaccel_genop(s, rd, 11, wr, 1);
}

// Runs one of every forwarded operation and records return codes and output
// bytes, so a local and a remote run can be compared bit for bit.
std::vector<uint8_t> run_all(vaccel_session *s, const std::string &testlib)
{
	std::vector<uint8_t> rec;
	auto put = [&](const void *p, size_t n) {
		auto *b = static_cast<const uint8_t *>(p);
		rec.insert(rec.end(), b, b + n);
	};
	auto rc = [&](int r) { put(&r, sizeof r); };

	rc(vaccel_noop(s));
	const int m = 5, n = 7, k = 3;
	std::vector<float> a(m * k), b(k * n), c(m * 9);
	for (size_t i = 0; i < a.size(); ++i)
		a[i] = (float)i * 0.5F;
	for (size_t i = 0; i < b.size(); ++i)
		b[i] = 1.0F / (float)(i + 1);
	for (size_t i = 0; i < c.size(); ++i)
		c[i] = (float)i;
	rc(vaccel_sgemm(s, m, n, k, 1.5F, a.data(), k, b.data(), n, 0.25F,
			c.data(), 9));
	put(c.data(), c.size() * 4);

	const char img[] = "not really a png";
	unsigned char tag[32] = {}, name[32] = {};
	rc(vaccel_image_classification(s, img, tag, name, sizeof img, sizeof tag,
				       sizeof name));
	put(tag, sizeof tag);
	put(name, sizeof name);
	unsigned char small[6] = {};
	rc(vaccel_image_depth(s, img, small, sizeof img, sizeof small));
	put(small, sizeof small);

	int ia[5] = {5, 4, 3, 2, 1}, io[5] = {};
	float fa[4] = {1, 2, 3, 4}, fb[4] = {.5, .25, 2, 8}, f1[4] = {}, f2[4] = {};
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	rc(vaccel_fpga_arraycopy(s, ia, io, 5));
	put(io, sizeof io);
	rc(vaccel_fpga_parallel(s, fa, fb, f1, f2, 4));
	put(f1, sizeof f1);
	put(f2, sizeof f2);
	rc(vaccel_fpga_vadd(s, fa, fb, f1, 4, 2));
	put(f1, sizeof f1);
	double in[3] = {3, 1, 2}, out[3] = {}, mn = 0, mx = 0;
	rc(vaccel_minmax(s, in, 3, -1, 7, out, &mn, &mx));
#pragma GCC diagnostic pop
	put(out, sizeof out);
	put(&mn, 8);
	put(&mx, 8);

	int32_t x = 21, y = 0;
	vaccel_arg r{&x, 4, VACCEL_ARG_INT32, 0, false}, w{&y, 4, VACCEL_ARG_INT32, 0, false};
	rc(vaccel_exec(s, testlib.c_str(), "mytestfunc", &r, 1, &w, 1));
	put(&y, 4);
	rc(vaccel_exec(s, testlib.c_str(), "always_fails", &r, 1, &w, 1));

	// genop of sgemm, beta 0: C is output only.
	std::vector<float> c2(m * n, 99.0F);
	rc(genop_sgemm(s, m, n, k, a, b, c2));
	put(c2.data(), c2.size() * 4);

	// A library as a resource.
	vaccel_resource res{};
	rc(vaccel_resource_init(&res, testlib.c_str(), VACCEL_RESOURCE_LIB));
	rc(vaccel_resource_register(&res, s));
	x = 50;
	rc(vaccel_exec_with_resource(s, &res, "mytestfunc", &r, 1, &w, 1));
	put(&y, 4);
	rc(vaccel_resource_release(&res));

	// A model run: the noop plugin hands back copies of the inputs.
	vaccel_resource model{};
	rc(vaccel_resource_init(&model, testlib.c_str(), VACCEL_RESOURCE_MODEL));
	rc(vaccel_resource_register(&model, s));
	rc(vaccel_torch_model_load(s, &model));
	int64_t d1[2] = {2, 3}, d2[1] = {4};
	float t1[6] = {1, 2, 3, 4, 5, 6};
	int64_t t2[4] = {-1, 0, 1, 1LL << 40};
	vaccel_torch_tensor in1{t1, sizeof t1, false, 2, d1, VACCEL_TORCH_FLOAT};
	vaccel_torch_tensor in2{t2, sizeof t2, false, 1, d2, VACCEL_TORCH_LONG};
	// A scalar: no dimensions, which only a plugin's output may have.
	int32_t t3 = -77;
	vaccel_torch_tensor in3{&t3, sizeof t3, false, 0, nullptr, VACCEL_TORCH_INT};
	vaccel_torch_tensor *ins[3] = {&in1, &in2, &in3}, *outs[4] = {};
	rc(vaccel_torch_model_run(s, &model, nullptr, ins, 3, outs, 4));
	for (auto *o : outs) {
		if (!o)
			continue;
		put(&o->data_type, sizeof o->data_type);
		put(&o->nr_dims, 8);
		if (o->nr_dims)
			put(o->dims, (size_t)o->nr_dims * 8);
		put(o->data, o->size);
		vaccel_torch_tensor_delete(o);
	}

	// tf and tflite: nodes, tensors and statuses cross too. The status is
	// an output: one never initialised is written, not freed (it was,
	// remotely).
	vaccel_tf_status st;
	memset(&st, 0xA5, sizeof st);
	rc(vaccel_tf_model_load(s, &model, &st));
	put(&st.code, 1);
	if (st.message)
		put(st.message, strlen(st.message));
	vaccel_tf_status_release(&st);
	vaccel_tf_node tin[2] = {{(char *)"serving_default_input", 0},
				 {(char *)"extra", 3}};
	vaccel_tf_node tout[1] = {{(char *)"StatefulPartitionedCall", 1}};
	int64_t td[2] = {2, 3};
	vaccel_tf_tensor tt1{t1, sizeof t1, false, 2, td, VACCEL_TF_FLOAT};
	vaccel_tf_tensor tt2{t2, sizeof t2, false, 1, d2, VACCEL_TF_INT64};
	vaccel_tf_tensor *tins[2] = {&tt1, &tt2}, *touts[1] = {};
	rc(vaccel_tf_model_run(s, &model, nullptr, tin, tins, 2, tout, touts, 1, &st));
	put(&st.code, 1);
	if (st.message)
		put(st.message, strlen(st.message));
	vaccel_tf_status_release(&st);
	for (auto *o : touts) {
		if (!o)
			continue;
		put(&o->data_type, sizeof o->data_type);
		put(o->dims, (size_t)o->nr_dims * 8);
		put(o->data, o->size);
		vaccel_tf_tensor_delete(o);
	}
	rc(vaccel_tf_model_unload(s, &model, nullptr));
	rc(vaccel_tflite_model_load(s, &model));
	int32_t ld[2] = {3, 2};
	vaccel_tflite_tensor lt{t1, sizeof t1, false, 2, ld, VACCEL_TFLITE_FLOAT32};
	vaccel_tflite_tensor *lins[1] = {&lt}, *louts[2] = {};
	uint8_t lst = 77;
	rc(vaccel_tflite_model_run(s, &model, lins, 1, louts, 2, &lst));
	put(&lst, 1);
	for (auto *o : louts) {
		if (!o)
			continue;
		put(&o->data_type, sizeof o->data_type);
		put(o->dims, (size_t)o->nr_dims * 4);
		put(o->data, o->size);
		vaccel_tflite_tensor_delete(o);
	}
	rc(vaccel_tflite_model_unload(s, &model));
	rc(vaccel_resource_release(&model));
	return rec;
}

// Operations whose numeric arrays are large enough for the arena: sgemm
// reading C (beta != 0) and writing it only (genop, beta 0), and the array
// operations; outputs recorded for a bit-for-bit comparison.
std::vector<uint8_t> run_bulk(vaccel_session *s)
{
	std::vector<uint8_t> rec;
	auto put = [&](const void *p, size_t n) {
		auto *b = static_cast<const uint8_t *>(p);
		rec.insert(rec.end(), b, b + n);
	};
	auto rc = [&](int r) { put(&r, sizeof r); };
	const int64_t m = 150, n = 130, k = 170, ldc = 131;
	std::vector<float> a(m * k), b(k * n), c(m * ldc), c2(m * n, 7.0F);
	for (size_t i = 0; i < a.size(); ++i)
		a[i] = (float)(i % 97) * 0.03125F - 1.0F;
	for (size_t i = 0; i < b.size(); ++i)
		b[i] = 1.0F / (float)(i % 89 + 1);
	for (size_t i = 0; i < c.size(); ++i)
		c[i] = (float)(i % 13);
	rc(vaccel_sgemm(s, m, n, k, 1.5F, a.data(), k, b.data(), n, 0.25F,
			c.data(), ldc));
	put(c.data(), c.size() * 4);
	rc(genop_sgemm(s, m, n, k, a, b, c2));
	put(c2.data(), c2.size() * 4);
	// beta 0 with gaps between C's rows: they keep the caller's bytes.
	std::vector<float> c3(m * ldc, 5.0F);
	rc(vaccel_sgemm(s, m, n, k, 1.0F, a.data(), k, b.data(), n, 0.0F,
			c3.data(), ldc));
	put(c3.data(), c3.size() * 4);
	const size_t len = 300000; // 1.2 MB each way
	std::vector<int> ia(len), io(len, -1);
	for (size_t i = 0; i < len; ++i)
		ia[i] = (int)(i * 2654435761u);
	std::vector<float> fa(len), fb(len), f1(len, 1), f2(len, 2);
	for (size_t i = 0; i < len; ++i) {
		fa[i] = (float)i * 0.5F;
		fb[i] = 3.0F - (float)(i % 7);
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	rc(vaccel_fpga_arraycopy(s, ia.data(), io.data(), len));
	put(io.data(), len * 4);
	rc(vaccel_fpga_parallel(s, fa.data(), fb.data(), f1.data(), f2.data(), len));
	put(f1.data(), len * 4);
	put(f2.data(), len * 4);
	rc(vaccel_fpga_vadd(s, fa.data(), fb.data(), f1.data(), len, len));
#pragma GCC diagnostic pop
	put(f1.data(), len * 4);
	return rec;
}

// Whether this process maps an agent's arena (or mailbox) now.
bool arena_mapped(const char *what = "memfd:vaccel-arena")
{
	std::ifstream maps("/proc/self/maps");
	std::string line;
	while (std::getline(maps, line))
		if (line.find(what) != std::string::npos)
			return true;
	return false;
}

class Remote : public vtest::Runtime {
protected:
	std::string testlib = lib("vaccel-test-lib");
};

} // namespace

TEST_F(Remote, SameBytesLocallyAndOverUnixAndTcp)
{
	ASSERT_EQ(boot({"exec", "noop"}), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	auto local = run_all(&s, testlib);
	ASSERT_EQ(vaccel_session_release(&s), VACCEL_OK);

	Agent agent(kHostPlugins, {"-a", "@unix", "-a", "tcp://127.0.0.1:0",
				   "--exec-dir", VACCEL_TEST_LIB_DIR,
				   "--allow-guest-libs"});
	ASSERT_EQ(agent.nr_addrs(), 2u);
	// Over unix: with the default mailbox, one so small that most
	// messages take the socket (announced in it), none; spinning and not
	// (every reply then comes with a wake-up byte). TCP has no mailbox.
	struct Case {
		size_t addr;
		const char *mailbox_kib, *spin_us;
		bool mapped;
	} cases[] = {{0, "128", "50", true}, {0, "4", "50", true},
		     {0, "128", "0", true},  {0, "4", "0", true},
		     {0, "0", "50", false},  {1, "128", "50", false}};
	for (const Case &c : cases) {
		setenv("VACCEL_RPC_MAILBOX_KIB", c.mailbox_kib, 1);
		setenv("VACCEL_RPC_SPIN_US", c.spin_us, 1);
		ASSERT_EQ(boot_remote(agent.addr(c.addr)), VACCEL_OK);
		ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
		auto remote = run_all(&s, testlib);
		EXPECT_TRUE(s.is_virtio);
		EXPECT_GT(s.remote_id, 0);
		EXPECT_EQ(arena_mapped("memfd:vaccel-mailbox"), c.mapped);
		ASSERT_EQ(vaccel_session_release(&s), VACCEL_OK);
		EXPECT_FALSE(arena_mapped("memfd:vaccel-mailbox"));
		EXPECT_EQ(remote.size(), local.size());
		EXPECT_TRUE(remote == local)
			<< "differs over " << agent.addr(c.addr) << " with a "
			<< c.mailbox_kib << " KiB mailbox, spin " << c.spin_us
			<< agent.log();
		EXPECT_EQ(vaccel_cleanup(), VACCEL_OK);
	}
	unsetenv("VACCEL_RPC_MAILBOX_KIB");
	unsetenv("VACCEL_RPC_SPIN_US");
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

TEST_F(Remote, BulkArraysCrossInASharedArenaOverUnixSockets)
{
#ifndef VACCEL_TEST_HAVE_BLAS
	GTEST_SKIP() << "built without the blas plugin";
#endif
	ASSERT_EQ(boot({"blas", "noop"}), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	auto local = run_bulk(&s);
	ASSERT_EQ(vaccel_session_release(&s), VACCEL_OK);
	const std::string host = plugin("blas") + ":" + plugin("noop");
	Agent agent(host, {"-a", "@unix", "-a", "tcp://127.0.0.1:0"});
	Agent no_arena(host, {"-a", "@unix", "--arena-max", "0"});
	struct Case {
		std::string addr;
		const char *arena_mib; // VACCEL_RPC_ARENA_MIB
		bool mapped;
	} cases[] = {
		{agent.addr(0), "256", true},
		// sgemm in the arena, the larger arrays through the socket
		{agent.addr(0), "1", true},
		{agent.addr(0), "0", false},
		{agent.addr(1), "256", false}, // no descriptors over TCP
		{no_arena.addr(0), "256", false},
	};
	for (auto &c : cases) {
		setenv("VACCEL_RPC_ARENA_MIB", c.arena_mib, 1);
		ASSERT_EQ(boot_remote(c.addr), VACCEL_OK);
		ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
		auto remote = run_bulk(&s);
		EXPECT_EQ(arena_mapped(), c.mapped) << c.addr << " " << c.arena_mib;
		ASSERT_EQ(vaccel_session_release(&s), VACCEL_OK);
		EXPECT_FALSE(arena_mapped()); // unmapped with the session
		EXPECT_TRUE(remote == local) << "differs over " << c.addr
					     << " with an arena of "
					     << c.arena_mib << " MiB";
		EXPECT_EQ(vaccel_cleanup(), VACCEL_OK);
	}
	unsetenv("VACCEL_RPC_ARENA_MIB");
	EXPECT_EQ(agent.stop(), 0) << agent.log();
	EXPECT_EQ(no_arena.stop(), 0) << no_arena.log();
}

// Where this process maps an agent's arena ({nullptr, 0} if it does not).
static std::pair<uint8_t *, size_t> arena_range()
{
	std::ifstream maps("/proc/self/maps");
	std::string line;
	while (std::getline(maps, line))
		if (line.find("memfd:vaccel-arena") != std::string::npos) {
			unsigned long lo = 0, hi = 0;
			if (sscanf(line.c_str(), "%lx-%lx", &lo, &hi) == 2)
				return {(uint8_t *)lo, hi - lo};
		}
	return {nullptr, 0};
}

TEST_F(Remote, AGuestScribblingOnItsArenaOnlyGetsWrongNumbers)
{
#ifndef VACCEL_TEST_HAVE_BLAS
	GTEST_SKIP() << "built without the blas plugin";
#endif
	Agent agent(plugin("blas") + ":" + plugin("noop"), {"-a", "@unix"});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	const int n = 128;
	std::vector<float> a(n * n, 1.0F), b(n * n, 1.0F), c(n * n, 0.0F);
	ASSERT_EQ(vaccel_sgemm(&s, n, n, n, 1.0F, a.data(), n, b.data(), n, 0.0F,
			       c.data(), n),
		  VACCEL_OK);
	EXPECT_EQ(c[0], (float)n);
	auto [base, len] = arena_range();
	ASSERT_NE(base, nullptr);
	// Another thread of the guest rewrites the arena while the agent's
	// plugin reads and writes it (and while this thread's rpc client
	// copies in and out of it: a race on purpose, as a hostile or buggy
	// guest would make; only the bytes are at stake).
	std::atomic<bool> stop{false};
	std::thread scribbler([&, base = base, len = len] {
		uint32_t x = 12345;
		while (!stop.load(std::memory_order_relaxed))
			for (size_t i = 0; i < std::min<size_t>(len, 1 << 20); i += 64) {
				x = x * 1664525u + 1013904223u;
				memcpy(base + i, &x, 4);
			}
	});
	std::vector<int> ia(100000, 3), io(100000);
	for (int i = 0; i < 200; ++i) {
		ASSERT_EQ(vaccel_sgemm(&s, n, n, n, 1.0F, a.data(), n, b.data(), n,
				       0.0F, c.data(), n),
			  VACCEL_OK);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
		ASSERT_EQ(vaccel_fpga_arraycopy(&s, ia.data(), io.data(), ia.size()),
			  VACCEL_OK);
#pragma GCC diagnostic pop
	}
	stop = true;
	scribbler.join();
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	// The agent is unharmed: a fresh session computes the right numbers.
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	ASSERT_EQ(vaccel_sgemm(&s, n, n, n, 2.0F, a.data(), n, b.data(), n, 0.0F,
			       c.data(), n),
		  VACCEL_OK);
	EXPECT_EQ(c[n * n - 1], 2.0F * n);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(vaccel_cleanup(), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

TEST_F(Remote, TensorsThatLieAboutTheirSizeAreRefused)
{
	Agent agent(kHostPlugins, {"-a", "@unix"});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	vaccel_resource model{};
	ASSERT_EQ(vaccel_resource_init(&model, testlib.c_str(), VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &s), VACCEL_OK);
	int64_t dims[2] = {2, 2};
	float data[3] = {};
	vaccel_torch_tensor in{data, sizeof data, false, 2, dims, VACCEL_TORCH_FLOAT};
	vaccel_torch_tensor *ins[1] = {&in}, *outs[1] = {};
	EXPECT_EQ(vaccel_torch_model_run(&s, &model, nullptr, ins, 1, outs, 1),
		  VACCEL_EINVAL);
	EXPECT_EQ(outs[0], nullptr);
	// The same lies in tf and tflite tensors, and an unknown dtype.
	vaccel_tf_node node{(char *)"x", 0};
	vaccel_tf_tensor tin{data, sizeof data, false, 2, dims, VACCEL_TF_FLOAT};
	vaccel_tf_tensor *tins[1] = {&tin}, *touts[1] = {};
	EXPECT_EQ(vaccel_tf_model_run(&s, &model, nullptr, &node, tins, 1, &node,
				      touts, 1, nullptr),
		  VACCEL_EINVAL);
	EXPECT_EQ(touts[0], nullptr);
	int32_t ldims[2] = {2, 2};
	vaccel_tflite_tensor lin{data, sizeof data, false, 2, ldims, VACCEL_TFLITE_FLOAT32};
	vaccel_tflite_tensor *lins[1] = {&lin}, *louts[1] = {};
	EXPECT_EQ(vaccel_tflite_model_run(&s, &model, lins, 1, louts, 1, nullptr),
		  VACCEL_EINVAL);
	EXPECT_EQ(louts[0], nullptr);
	int32_t bad_type = 99;
	std::memcpy(&lin.data_type, &bad_type, sizeof bad_type);
	ldims[1] = 1;
	lin.size = 2 * 4;
	EXPECT_EQ(vaccel_tflite_model_run(&s, &model, lins, 1, louts, 1, nullptr),
		  VACCEL_EINVAL);
	// A model that was never registered through this session.
	vaccel_resource other{};
	ASSERT_EQ(vaccel_resource_init(&other, testlib.c_str(), VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_torch_model_load(&s, &other), VACCEL_EPERM);
	EXPECT_EQ(vaccel_resource_release(&other), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_release(&model), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0);
}

TEST_F(Remote, ExecPolicy)
{
	Agent closed(kHostPlugins, {"-a", "@unix"});
	ASSERT_EQ(boot_remote(closed.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	int32_t x = 1, y = 0;
	vaccel_arg r{&x, 4, VACCEL_ARG_INT32, 0, false}, w{&y, 4, VACCEL_ARG_INT32, 0, false};
	EXPECT_EQ(vaccel_exec(&s, testlib.c_str(), "mytestfunc", &r, 1, &w, 1),
		  VACCEL_EPERM);
	vaccel_resource res{};
	ASSERT_EQ(vaccel_resource_init(&res, testlib.c_str(), VACCEL_RESOURCE_LIB),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_resource_register(&res, &s), VACCEL_EPERM);
	EXPECT_EQ(vaccel_resource_release(&res), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(vaccel_cleanup(), VACCEL_OK);
	EXPECT_NE(closed.log().find("exec is disabled"), std::string::npos);

	// An --exec-dir admits what is under it, and nothing else.
	Agent open(kHostPlugins, {"-a", "@unix", "--exec-dir", VACCEL_TEST_LIB_DIR});
	ASSERT_EQ(boot_remote(open.addr(0)), VACCEL_OK);
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_exec(&s, testlib.c_str(), "mytestfunc", &r, 1, &w, 1),
		  VACCEL_OK);
	EXPECT_EQ(y, 2);
	// Outside every --exec-dir, also when reached through "..".
	EXPECT_EQ(vaccel_exec(&s, "/lib/x86_64-linux-gnu/libc.so.6", "abort", &r, 1,
			      &w, 1),
		  VACCEL_EPERM);
	std::string escape = VACCEL_TEST_LIB_DIR; // ".." past the root stays there
	for (int i = 0; i < 32; ++i)
		escape += "/..";
	escape += "/lib/x86_64-linux-gnu/libc.so.6";
	EXPECT_EQ(vaccel_exec(&s, escape.c_str(), "abort", &r, 1, &w, 1),
		  VACCEL_EPERM);
	// An absent file gets the same answer as one outside: no probing.
	EXPECT_EQ(vaccel_exec(&s, "/nonexistent.so", "f", &r, 1, &w, 1), VACCEL_EPERM);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(open.stop(), 0) << open.log();
}

TEST_F(Remote, ResourcesAreSentOnceByContent)
{
	char tmpl[] = "/tmp/vaccel-model.XXXXXX";
	int fd = mkstemp(tmpl);
	ASSERT_GE(fd, 0);
	std::vector<char> model(300000);
	for (size_t i = 0; i < model.size(); ++i)
		model[i] = (char)(i * 7);
	ASSERT_EQ(write(fd, model.data(), model.size()), (ssize_t)model.size());
	close(fd);
	Agent agent(kHostPlugins, {"-a", "@unix"});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_resource res{};
	ASSERT_EQ(vaccel_resource_init(&res, tmpl, VACCEL_RESOURCE_MODEL), VACCEL_OK);
	// Three sessions, three connections, one upload.
	vaccel_session s[3]{};
	for (auto &x : s) {
		ASSERT_EQ(vaccel_session_init(&x, 0), VACCEL_OK);
		ASSERT_EQ(vaccel_resource_register(&res, &x), VACCEL_OK);
		EXPECT_GT(res.remote_id, 0);
		EXPECT_EQ(vaccel_torch_model_load(&x, &res), VACCEL_OK);
	}
	EXPECT_EQ(vaccel_resource_unregister(&res, &s[0]), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_register(&res, &s[0]), VACCEL_OK);
	for (auto &x : s)
		EXPECT_EQ(vaccel_session_release(&x), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_release(&res), VACCEL_OK);
	unlink(tmpl);
	EXPECT_EQ(agent.stop(), 0);
	std::string log = agent.log();
	size_t stored = 0;
	for (size_t at = 0; (at = log.find("stored (300000 bytes)", at)) != std::string::npos; ++at)
		++stored;
	EXPECT_EQ(stored, 1u) << log;
}

TEST_F(Remote, ThirtyTwoClientsThousandCallsEach)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "-q"});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	std::atomic<int> failures{0};
	std::vector<std::thread> t;
	for (int i = 0; i < 32; ++i)
		t.emplace_back([&, i] {
			vaccel_session s{};
			if (vaccel_session_init(&s, 0)) {
				++failures;
				return;
			}
			float v[4] = {1, 2, 3, (float)i}, o[4] = {};
			for (int k = 0; k < 1000; ++k) {
				int ret = k % 10 ? vaccel_noop(&s)
						 : vaccel_fpga_vadd(&s, v, v, o, 4, 4);
				if (ret || (k % 10 == 0 && o[3] != 2.0F * (float)i))
					++failures;
			}
			if (vaccel_session_release(&s))
				++failures;
		});
	for (auto &x : t)
		x.join();
	EXPECT_EQ(failures.load(), 0);
	EXPECT_EQ(agent.stop(), 0) << agent.log(); // clean exit, no leak reports
}

TEST_F(Remote, DeadOrStuckAgentGivesAnErrorWithinTheTimeout)
{
	auto agent = std::make_unique<Agent>(
		kHostPlugins, std::vector<std::string>{"-a", "@unix", "--exec-dir",
						       VACCEL_TEST_LIB_DIR});
	ASSERT_EQ(boot_remote(agent->addr(0), "1500"), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	ASSERT_EQ(vaccel_noop(&s), VACCEL_OK);

	// Killed in the middle of a call.
	int32_t ms = 5000;
	vaccel_arg r{&ms, 4, VACCEL_ARG_INT32, 0, false};
	std::thread killer([&] {
		std::this_thread::sleep_for(std::chrono::milliseconds(200));
		kill(agent->pid(), SIGKILL);
	});
	auto t0 = std::chrono::steady_clock::now();
	int ret = vaccel_exec(&s, testlib.c_str(), "sleep_ms", &r, 1, nullptr, 0);
	auto took = std::chrono::steady_clock::now() - t0;
	killer.join();
	EXPECT_EQ(ret, VACCEL_ESESS);
	EXPECT_LT(took, std::chrono::milliseconds(1500));
	EXPECT_EQ(vaccel_noop(&s), VACCEL_ESESS); // that session is gone
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	agent->stop();

	// Stuck (stopped): the call times out.
	Agent stuck(kHostPlugins, {"-a", "@unix"});
	ASSERT_EQ(boot_remote(stuck.addr(0), "300"), VACCEL_OK);
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	ASSERT_EQ(vaccel_noop(&s), VACCEL_OK);
	kill(stuck.pid(), SIGSTOP);
	for (int i = 0; i < 200; ++i) { // until it has really stopped
		std::ifstream st("/proc/" + std::to_string(stuck.pid()) + "/stat");
		std::string pid, comm, state;
		st >> pid >> comm >> state;
		if (state == "T")
			break;
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	}
	t0 = std::chrono::steady_clock::now();
	EXPECT_EQ(vaccel_noop(&s), VACCEL_ETIMEDOUT);
	took = std::chrono::steady_clock::now() - t0;
	EXPECT_GE(took, std::chrono::milliseconds(250));
	EXPECT_LT(took, std::chrono::milliseconds(1500));
	kill(stuck.pid(), SIGCONT);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	// No agent at all: an error at the first call, not a hang.
	ASSERT_EQ(boot_remote("unix:///nonexistent/agent.sock"), VACCEL_OK);
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_noop(&s), VACCEL_ESESS);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
}

TEST_F(Remote, NewSessionsWorkAfterTheAgentRestarts)
{
	char tmpl[] = "/tmp/vaccel-restart.XXXXXX";
	ASSERT_NE(mkdtemp(tmpl), nullptr);
	std::string uri = std::string("unix://") + tmpl + "/a.sock";
	auto agent = std::make_unique<Agent>(kHostPlugins,
					     std::vector<std::string>{"-a", uri});
	ASSERT_EQ(boot_remote(uri), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	ASSERT_EQ(vaccel_noop(&s), VACCEL_OK);
	EXPECT_EQ(agent->stop(), 0);
	EXPECT_EQ(vaccel_noop(&s), VACCEL_ESESS);
	agent = std::make_unique<Agent>(kHostPlugins, std::vector<std::string>{"-a", uri});
	vaccel_session s2{};
	ASSERT_EQ(vaccel_session_init(&s2, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_noop(&s2), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s2), VACCEL_OK);
	EXPECT_EQ(agent->stop(), 0);
	rmdir(tmpl);
}

using namespace vaccel::rpc;

TEST_F(Remote, HostileFramesDropOnlyTheirConnection)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "--max-message", "65536"});
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session good{};
	ASSERT_EQ(vaccel_session_init(&good, 0), VACCEL_OK);
	ASSERT_EQ(vaccel_noop(&good), VACCEL_OK);

	{ // garbage
		Raw r(agent.addr(0));
		r.send("GET / HTTP/1.1\r\n\r\n" "xxxxxxxxxxxxxxxx", 34);
		EXPECT_TRUE(r.closed_by_agent());
	}
	{ // no hello first
		Raw r(agent.addr(0));
		r.header(Msg::session_init, 8);
		r.send("\0\0\0\0\0\0\0\0", 8);
		EXPECT_TRUE(r.closed_by_agent());
	}
	{ // oversized: refused before a byte of it is allocated
		Raw r(agent.addr(0));
		r.hello();
		r.header(Msg::op, 0xfffffff0u);
		EXPECT_TRUE(r.closed_by_agent());
	}
	{ // an OP body that lies about its sizes
		Raw r(agent.addr(0));
		r.hello();
		Writer w;
		w.put<int64_t>(1).put<uint32_t>(0).put<uint32_t>(1).put<uint32_t>(0);
		w.put<uint32_t>(VACCEL_ARG_BUFFER).put<uint32_t>(0).put<uint32_t>(0)
			.put<uint32_t>(0).put<uint64_t>(1ull << 40);
		r.header(Msg::op, (uint32_t)w.size());
		r.send(w.buf().data(), w.size());
		EXPECT_TRUE(r.closed_by_agent());
	}
	{ // somebody else's session id: an error reply, not access
		Raw r(agent.addr(0));
		r.hello();
		Writer w;
		w.put<int64_t>(good.remote_id).put<uint32_t>(VACCEL_OP_NOOP)
			.put<uint32_t>(0).put<uint32_t>(0).pad();
		r.header(Msg::op, (uint32_t)w.size());
		r.send(w.buf().data(), w.size());
		uint8_t reply[kHeaderSize];
		ASSERT_TRUE(r.recv_all(reply, sizeof reply));
		EXPECT_EQ(decode_header(reply).status, VACCEL_EINVAL);
	}
	{ // truncated, then the peer goes away
		Raw r(agent.addr(0));
		r.hello();
		r.header(Msg::op, 1000);
		r.send("abc", 3);
	}
	{ // random frames after a hello
		std::mt19937 rng(7);
		for (int i = 0; i < 50; ++i) {
			Raw r(agent.addr(0));
			r.hello();
			uint32_t len = rng() % 512;
			r.header((Msg)(rng() % 11), len);
			std::vector<uint8_t> junk(len);
			for (auto &x : junk)
				x = (uint8_t)rng();
			r.send(junk.data(), junk.size());
		}
	}
	// The well-behaved client never noticed.
	for (int i = 0; i < 100; ++i)
		ASSERT_EQ(vaccel_noop(&good), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&good), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
	EXPECT_NE(agent.log().find("dropped"), std::string::npos);
}

TEST_F(Remote, ArenaIsSealedBoundedAndChecked)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "-a", "tcp://127.0.0.1:0",
				   "--arena-max", "1048576"});
	{ // no descriptors over TCP
		Raw r(agent.addr(1));
		r.hello();
		ArenaReply a = ask_arena(r, 1 << 20);
		EXPECT_EQ(a.status, VACCEL_ENOTSUP);
		EXPECT_FALSE(a.fd);
	}
	Raw r(agent.addr(0));
	r.hello();
	ArenaReply a = ask_arena(r, 1ull << 40); // capped by --arena-max
	ASSERT_EQ(a.status, VACCEL_OK);
	ASSERT_TRUE(a.fd);
	EXPECT_EQ(a.size, 1u << 20);
	struct stat st{};
	ASSERT_EQ(fstat(a.fd.get(), &st), 0);
	EXPECT_EQ((uint64_t)st.st_size, a.size);
	// The guest cannot shrink it under the agent's mapping, nor unseal it.
	int seals = fcntl(a.fd.get(), F_GET_SEALS);
	EXPECT_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	EXPECT_NE(ftruncate(a.fd.get(), 4096), 0);
	// One per connection.
	EXPECT_EQ(ask_arena(r, 4096).status, VACCEL_ENOTSUP);
	// An array said to lie past the end of the arena drops the connection.
	r.header(Msg::session_init, 8);
	r.send("\0\0\0\0\0\0\0\0", 8);
	uint8_t reply[kHeaderSize + 8];
	ASSERT_TRUE(r.recv_all(reply, sizeof reply));
	int64_t sid = 0;
	memcpy(&sid, reply + kHeaderSize, 8);
	Writer w;
	w.put<int64_t>(sid).put<uint32_t>(VACCEL_OP_FPGA_ARRAYCOPY)
		.put<uint32_t>(1).put<uint32_t>(1);
	w.put<uint32_t>(VACCEL_ARG_INT32_ARRAY).put<uint32_t>(0)
		.put<uint32_t>(kArgShared).put<uint32_t>(0).put<uint64_t>(4096);
	w.put<uint32_t>(VACCEL_ARG_INT32_ARRAY).put<uint32_t>(0)
		.put<uint32_t>(kArgShared).put<uint32_t>((1u << 20) - 4088)
		.put<uint64_t>(4096);
	w.pad();
	r.header(Msg::op, (uint32_t)w.size());
	r.send(w.buf().data(), w.size());
	EXPECT_TRUE(r.closed_by_agent());
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

// The mailbox: unix sockets only, one per connection, sealed, of a bounded
// size; a guest that forges its control fields loses its own connection.
TEST_F(Remote, MailboxIsSealedBoundedAndChecked)
{
	Agent agent(kHostPlugins, {"-a", "@unix", "-a", "tcp://127.0.0.1:0"});
	{
		Raw r(agent.addr(1));
		r.hello();
		EXPECT_EQ(ask_arena(r, 1 << 16, Msg::mailbox).status, VACCEL_ENOTSUP);
	}
	{
		Raw r(agent.addr(0));
		r.hello();
		EXPECT_EQ(ask_arena(r, 100, Msg::mailbox).status, VACCEL_ENOTSUP);
	}
	{ // none from an agent that gives none, a smaller one from a smaller cap
		Agent none(kHostPlugins, {"-a", "@unix", "--mailbox-max", "0"});
		Raw r0(none.addr(0));
		r0.hello();
		EXPECT_EQ(ask_arena(r0, 1 << 16, Msg::mailbox).status, VACCEL_ENOTSUP);
		Agent small(kHostPlugins, {"-a", "@unix", "--mailbox-max", "10000"});
		Raw r1(small.addr(0));
		r1.hello();
		ArenaReply a = ask_arena(r1, 1 << 16, Msg::mailbox);
		EXPECT_EQ(a.status, VACCEL_OK);
		EXPECT_EQ(a.size, 8192u);
		// The client works on without one.
		ASSERT_EQ(boot_remote(none.addr(0)), VACCEL_OK);
		vaccel_session s{};
		ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
		EXPECT_EQ(vaccel_noop(&s), VACCEL_OK);
		EXPECT_FALSE(arena_mapped("memfd:vaccel-mailbox"));
		EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
		EXPECT_EQ(vaccel_cleanup(), VACCEL_OK);
		EXPECT_EQ(none.stop(), 0) << none.log();
		EXPECT_EQ(small.stop(), 0) << small.log();
	}
	Raw r(agent.addr(0));
	r.hello();
	ArenaReply a = ask_arena(r, 1ull << 40, Msg::mailbox);
	ASSERT_EQ(a.status, VACCEL_OK);
	ASSERT_TRUE(a.fd);
	EXPECT_EQ(a.size, kMaxMailbox);
	struct stat st{};
	ASSERT_EQ(fstat(a.fd.get(), &st), 0);
	EXPECT_EQ((uint64_t)st.st_size, mailbox_bytes(a.size));
	EXPECT_EQ(fcntl(a.fd.get(), F_GET_SEALS) &
			  (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	EXPECT_NE(ftruncate(a.fd.get(), 4096), 0);
	// From here on the agent reads requests from the mailbox: a session
	// request written there is answered there.
	auto map = std::make_unique<SharedMap>();
	ASSERT_EQ(map->map(a.fd.get(), mailbox_bytes(a.size)), 0);
	auto *ctl = reinterpret_cast<MailboxCtl *>(map->at(0));
	Stream guest(Fd(dup(r.fd.get())), 2000, 50);
	ASSERT_EQ(guest.use_mailbox(std::move(map), a.size, false), 0);
	Header h;
	h.type = (uint16_t)Msg::mailbox; // a second one is refused
	h.id = 2;
	h.body_len = 8;
	uint8_t hb[kHeaderSize];
	encode_header(h, hb);
	uint64_t want = 1 << 16;
	iovec iov[] = {{hb, kHeaderSize}, {&want, 8}};
	ASSERT_EQ(guest.writev_all(iov, 2), 0);
	ASSERT_EQ(guest.read_exact(hb, kHeaderSize), 0);
	EXPECT_EQ(decode_header(hb).status, VACCEL_ENOTSUP);
	EXPECT_TRUE(guest.at_message_end());
	// A length past the mailbox drops the connection; another guest is
	// served as before.
	ctl[0].len = kMaxMailbox + 1;
	ctl[0].where = kInMailbox;
	ctl[0].seq = 2;
	char wake = kWakeByte;
	r.send(&wake, 1); // in case the agent sleeps
	EXPECT_TRUE(r.closed_by_agent());
	ASSERT_EQ(boot_remote(agent.addr(0)), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_noop(&s), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(vaccel_cleanup(), VACCEL_OK);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}

TEST_F(Remote, AgentsDoNotTakeEachOthersSocketPath)
{
	char tmpl[] = "/tmp/vaccel-path.XXXXXX";
	ASSERT_NE(mkdtemp(tmpl), nullptr);
	const std::string path = std::string(tmpl) + "/a.sock";
	const std::string uri = "unix://" + path;
	using Args = std::vector<std::string>;
	auto noop_works = [&] {
		vaccel_session s{};
		bool ok = boot_remote(uri) == VACCEL_OK &&
			  vaccel_session_init(&s, 0) == VACCEL_OK &&
			  vaccel_noop(&s) == VACCEL_OK;
		vaccel_session_release(&s);
		vaccel_cleanup();
		return ok;
	};
	auto a = std::make_unique<Agent>(kHostPlugins, Args{"-a", uri});
	ASSERT_TRUE(noop_works());
	// A second agent on a path a live one listens on refuses to start.
	Agent b(kHostPlugins, Args{"-a", uri});
	EXPECT_EQ(b.stop(), 1);
	EXPECT_NE(b.log().find("another agent"), std::string::npos) << b.log();
	EXPECT_TRUE(noop_works());
	// An agent started in place of one still finishing (its file gone,
	// a new one bound): the old one's exit leaves the new file alone.
	ASSERT_EQ(unlink(path.c_str()), 0);
	Agent c(kHostPlugins, Args{"-a", uri});
	EXPECT_EQ(a->stop(), 0);
	struct stat st{};
	EXPECT_EQ(stat(path.c_str(), &st), 0);
	EXPECT_TRUE(noop_works());
	// A socket file nobody listens on (an agent killed) is taken over.
	EXPECT_EQ(c.stop(SIGKILL), -SIGKILL);
	ASSERT_EQ(stat(path.c_str(), &st), 0);
	a = std::make_unique<Agent>(kHostPlugins, Args{"-a", uri});
	EXPECT_TRUE(noop_works());
	EXPECT_EQ(a->stop(), 0);
	EXPECT_NE(stat(path.c_str(), &st), 0); // its own file, removed
	rmdir(tmpl);
}

TEST_F(Remote, AgentRefusesBadOptions)
{
	Agent none(kHostPlugins, {"--max-sessions", "0", "-a", "@unix"});
	EXPECT_EQ(none.stop(), 2);
	Agent big(kHostPlugins, {"--arena-max", "2147483648", "-a", "@unix"});
	EXPECT_EQ(big.stop(), 2); // past the 1 GiB an offset can reach
	Agent neg(kHostPlugins, {"--arena-max", "-1", "-a", "@unix"});
	EXPECT_EQ(neg.stop(), 2);
	Agent box(kHostPlugins, {"--mailbox-max", "1048577", "-a", "@unix"});
	EXPECT_EQ(box.stop(), 2);
	Agent remote(kHostPlugins, {"-a", "tcp://0.0.0.0:0"});
	EXPECT_EQ(remote.stop(), 1);
	EXPECT_NE(remote.log().find("non-loopback"), std::string::npos);
}

// What an operator sees: the version, the log at the level asked for (info
// when none is), a loud warning when no plugin serves.
TEST_F(Remote, AgentVersionLogLevelAndNoPluginWarning)
{
	std::string cmd = std::string(VACCEL_TEST_BIN_DIR) + "/vaccel-agent --version";
	FILE *p = popen(cmd.c_str(), "r");
	ASSERT_NE(p, nullptr);
	char line[256] = {};
	ASSERT_NE(fgets(line, sizeof line, p), nullptr);
	EXPECT_EQ(pclose(p), 0);
	EXPECT_EQ(std::string(line), std::string("vaccel-agent ") + VACCEL_VERSION +
					     " (protocol " + std::to_string(kVersion) + ")\n");
	{
		Agent quiet(kHostPlugins, {"-a", "@unix"}, {"VACCEL_LOG_LEVEL=1"});
		ASSERT_EQ(quiet.nr_addrs(), 1u);
		EXPECT_EQ(quiet.stop(), 0);
		EXPECT_EQ(quiet.log(), "");
	}
	{
		Agent dflt(kHostPlugins, {"-a", "@unix"}, {"-VACCEL_LOG_LEVEL"});
		EXPECT_EQ(dflt.stop(), 0);
		EXPECT_NE(dflt.log().find("<INFO> [agent] plugin exec"), std::string::npos)
			<< dflt.log();
	}
	{
		Agent none("", {"-a", "@unix"});
		EXPECT_EQ(none.stop(), 0);
		EXPECT_NE(none.log().find("<WARN> [agent] no plugin is loaded"),
			  std::string::npos) << none.log();
	}
}
