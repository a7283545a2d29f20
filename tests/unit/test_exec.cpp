// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <dlfcn.h>
#include <deque>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

using vtest::boot;

class Exec : public vtest::Runtime {
protected:
	void SetUp() override
	{
		ASSERT_EQ(boot({"exec"}), VACCEL_OK);
		ASSERT_EQ(vaccel_session_init(&sess, 0), VACCEL_OK);
	}
	void TearDown() override
	{
		EXPECT_EQ(vaccel_session_release(&sess), VACCEL_OK);
		vtest::Runtime::TearDown();
	}
	int call(const char *lib, const char *sym, int32_t in, int32_t *out)
	{
		vaccel_arg r{}, w{};
		vaccel_arg_init_from_buf(&r, &in, sizeof in, VACCEL_ARG_INT32, 0);
		vaccel_arg_init_from_buf(&w, out, sizeof *out, VACCEL_ARG_INT32, 0);
		return vaccel_exec(&sess, lib, sym, &r, 1, &w, 1);
	}
	// A LIB resource holding the test library's bytes, as a guest sends
	// it: it runs from memory, its own mapping. A memory-only resource
	// borrows its bytes: the fixture keeps them.
	int init_from_memory(vaccel_resource *res, const char *name)
	{
		std::ifstream f(testlib, std::ios::binary);
		auto &bytes = lent.emplace_back(
			std::istreambuf_iterator<char>(f),
			std::istreambuf_iterator<char>());
		return vaccel_resource_init_from_buf(res, bytes.data(), bytes.size(),
						     VACCEL_RESOURCE_LIB, name, true);
	}
	std::deque<std::vector<char>> lent;
	vaccel_session sess{};
	std::string testlib = vtest::lib("vaccel-test-lib");
};

TEST_F(Exec, RunsTheFunctionAndReturnsItsResult)
{
	int32_t out = 0;
	ASSERT_EQ(call(testlib.c_str(), "mytestfunc", 21, &out), VACCEL_OK);
	EXPECT_EQ(out, 42);
	// Cached library and symbol, same answers.
	for (int i = 0; i < 100; ++i) {
		ASSERT_EQ(call(testlib.c_str(), "mytestfunc", i, &out), VACCEL_OK);
		ASSERT_EQ(out, 2 * i);
	}
	EXPECT_EQ(call(testlib.c_str(), "always_fails", 1, &out),
		  VACCEL_EREMOTEIO);
}

TEST_F(Exec, ArraysThroughArgArrays)
{
	std::vector<float> a{1, 2, 3}, b{10, 20, 30}, c(3, -1);
	vaccel_arg_array rd{}, wr{};
	ASSERT_EQ(vaccel_arg_array_init(&rd, 1), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_init(&wr, 1), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_float_array(&rd, a.data(), a.size()),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_float_array(&rd, b.data(), b.size()),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_float_array(&wr, c.data(), c.size()),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_exec(&sess, testlib.c_str(), "sum_arrays", rd.args,
			      rd.count, wr.args, wr.count),
		  VACCEL_OK);
	EXPECT_EQ(c, (std::vector<float>{11, 22, 33}));
	vaccel_arg_array_release(&rd);
	vaccel_arg_array_release(&wr);
}

TEST_F(Exec, BadLibraryOrSymbol)
{
	int32_t out = 0;
	EXPECT_EQ(call("/nonexistent/lib.so", "f", 1, &out), VACCEL_ENOENT);
	EXPECT_EQ(call(testlib.c_str(), "no_such_symbol", 1, &out),
		  VACCEL_ENOENT);
	EXPECT_EQ(call(nullptr, "f", 1, &out), VACCEL_EINVAL);
	EXPECT_EQ(call(testlib.c_str(), "", 1, &out), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_exec(&sess, testlib.c_str(), "mytestfunc", nullptr, 1,
			      nullptr, 0),
		  VACCEL_EINVAL);
	// Wrong arg type: the function's own check reports it.
	int64_t wide = 5;
	vaccel_arg r{}, w{};
	vaccel_arg_init_from_buf(&r, &wide, sizeof wide, VACCEL_ARG_INT64, 0);
	vaccel_arg_init_from_buf(&w, &out, sizeof out, VACCEL_ARG_INT32, 0);
	EXPECT_EQ(vaccel_exec(&sess, testlib.c_str(), "mytestfunc", &r, 1, &w, 1),
		  VACCEL_EINVAL);
}

// The test library links libvaccel and libc: their functions are reachable
// with dlsym() on its handle, but they are not the library's to offer. Were
// the check missing, abort() would end this test.
TEST_F(Exec, OnlyTheLibrarysOwnFunctionsRun)
{
	int32_t out = 0;
	for (const char *foreign : {"abort", "exit", "vaccel_noop", "vaccel_cleanup"})
		EXPECT_EQ(call(testlib.c_str(), foreign, 1, &out), VACCEL_ENOENT)
			<< foreign;
	vaccel_resource mem{};
	ASSERT_EQ(init_from_memory(&mem, "libforeign.so"), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&mem, &sess), VACCEL_OK);
	vaccel_arg r{}, w{};
	int32_t in = 4;
	vaccel_arg_init_from_buf(&r, &in, sizeof in, VACCEL_ARG_INT32, 0);
	vaccel_arg_init_from_buf(&w, &out, sizeof out, VACCEL_ARG_INT32, 0);
	EXPECT_EQ(vaccel_exec_with_resource(&sess, &mem, "abort", &r, 1, &w, 1),
		  VACCEL_ENOENT);
	EXPECT_EQ(vaccel_exec_with_resource(&sess, &mem, "mytestfunc", &r, 1, &w, 1),
		  VACCEL_OK);
	EXPECT_EQ(out, 8);
	EXPECT_EQ(vaccel_resource_unregister(&mem, &sess), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_release(&mem), VACCEL_OK);
	// Its own functions still run.
	ASSERT_EQ(call(testlib.c_str(), "mytestfunc", 5, &out), VACCEL_OK);
	EXPECT_EQ(out, 10);
}

TEST_F(Exec, WithResourceFromFileAndFromMemory)
{
	vaccel_resource file{};
	ASSERT_EQ(vaccel_resource_init(&file, testlib.c_str(), VACCEL_RESOURCE_LIB),
		  VACCEL_OK);
	int32_t in = 7, out = 0;
	vaccel_arg r{}, w{};
	vaccel_arg_init_from_buf(&r, &in, sizeof in, VACCEL_ARG_INT32, 0);
	vaccel_arg_init_from_buf(&w, &out, sizeof out, VACCEL_ARG_INT32, 0);
	// Not registered yet: refused.
	EXPECT_EQ(vaccel_exec_with_resource(&sess, &file, "mytestfunc", &r, 1, &w, 1),
		  VACCEL_EPERM);
	ASSERT_EQ(vaccel_resource_register(&file, &sess), VACCEL_OK);
	ASSERT_EQ(vaccel_exec_with_resource(&sess, &file, "mytestfunc", &r, 1, &w, 1),
		  VACCEL_OK);
	EXPECT_EQ(out, 14);

	// The same library sent as bytes (as a guest would) runs from memory.
	vaccel_resource mem{};
	ASSERT_EQ(init_from_memory(&mem, "lib.so"), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&mem, &sess), VACCEL_OK);
	in = 50;
	ASSERT_EQ(vaccel_exec_with_resource(&sess, &mem, "mytestfunc", &r, 1, &w, 1),
		  VACCEL_OK);
	EXPECT_EQ(out, 100);

	// A MODEL resource is not a library.
	vaccel_resource model{};
	ASSERT_EQ(vaccel_resource_init(&model, testlib.c_str(),
				       VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);
	EXPECT_EQ(vaccel_exec_with_resource(&sess, &model, "mytestfunc", &r, 1, &w, 1),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_exec_with_resource(&sess, nullptr, "mytestfunc", &r, 1, &w, 1),
		  VACCEL_EINVAL);

	// Unregistered from its last session, the library is closed; a new
	// registration opens it again.
	EXPECT_EQ(vaccel_resource_unregister(&file, &sess), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&file, &sess), VACCEL_OK);
	in = 3;
	ASSERT_EQ(vaccel_exec_with_resource(&sess, &file, "mytestfunc", &r, 1, &w, 1),
		  VACCEL_OK);
	EXPECT_EQ(out, 6);
	for (auto *res : {&file, &mem, &model})
		EXPECT_EQ(vaccel_resource_release(res), VACCEL_OK);
}

// A library resource unregistered from its last session while another
// thread runs its code is closed only once that call has returned: its code
// is not unmapped under the call. The library comes from memory, so that
// closing it really unmaps it (no other handle to the same file).
TEST_F(Exec, UnregisteringWaitsForTheCallsRunningTheLibrary)
{
	vaccel_resource mem{};
	ASSERT_EQ(init_from_memory(&mem, "nap.so"), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&mem, &sess), VACCEL_OK);
	int32_t ms = 300, running = 0;
	vaccel_arg r{}, w{};
	vaccel_arg_init_from_buf(&r, &ms, sizeof ms, VACCEL_ARG_INT32, 0);
	vaccel_arg_init_from_buf(&w, &running, sizeof running, VACCEL_ARG_INT32, 0);
	int call_ret = -1;
	std::thread t([&] {
		call_ret = vaccel_exec_with_resource(&sess, &mem, "nap", &r, 1,
						     &w, 1);
	});
	while (!__atomic_load_n(&running, __ATOMIC_SEQ_CST))
		std::this_thread::yield();
	EXPECT_EQ(vaccel_resource_unregister(&mem, &sess), VACCEL_OK);
	// The function had finished (set 2) before its library was closed.
	EXPECT_EQ(__atomic_load_n(&running, __ATOMIC_SEQ_CST), 2)
		<< "closed under a running call";
	t.join();
	EXPECT_EQ(call_ret, VACCEL_OK);
	// Gone from the session: refused, as before registration.
	running = 0;
	EXPECT_EQ(vaccel_exec_with_resource(&sess, &mem, "nap", &r, 1, &w, 1),
		  VACCEL_EPERM);
	EXPECT_EQ(vaccel_resource_release(&mem), VACCEL_OK);
}

// VACCEL_EXEC_DLOPEN_MODE, as upstream: "now" (the default) refuses a
// library with a symbol nothing defines, "lazy" opens it and runs what does
// not need that symbol.
TEST_F(Exec, DlopenModeFromTheEnvironment)
{
	std::string user = vtest::lib("vaccel-test-user");
	int32_t out = 0;
	EXPECT_EQ(call(user.c_str(), "seven", 0, &out), VACCEL_ENOENT);
	setenv("VACCEL_EXEC_DLOPEN_MODE", "lazy", 1);
	EXPECT_EQ(call(user.c_str(), "seven", 0, &out), VACCEL_OK);
	unsetenv("VACCEL_EXEC_DLOPEN_MODE");
	EXPECT_EQ(out, 7);
}

namespace {
// Registers a LIB resource of @p paths, calls plus_dep(2), unregisters it.
void run_plus_dep(vaccel_session *sess, const std::vector<std::string> &paths,
		  int expect, int32_t *out)
{
	std::vector<const char *> p;
	for (auto &s : paths)
		p.push_back(s.c_str());
	vaccel_resource res{};
	ASSERT_EQ(vaccel_resource_init_multi(&res, p.data(), p.size(),
					     VACCEL_RESOURCE_LIB),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&res, sess), VACCEL_OK);
	int32_t in = 2;
	vaccel_arg r{}, w{};
	vaccel_arg_init_from_buf(&r, &in, sizeof in, VACCEL_ARG_INT32, 0);
	vaccel_arg_init_from_buf(&w, out, sizeof *out, VACCEL_ARG_INT32, 0);
	EXPECT_EQ(vaccel_exec_with_resource(sess, &res, "plus_dep", &r, 1, &w, 1), expect);
	EXPECT_EQ(vaccel_resource_unregister(&res, sess), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_release(&res), VACCEL_OK);
}
} // namespace

// A LIB resource of several files, as upstream: the last is the library
// called, the others its dependencies, opened first with their symbols
// global. All are closed when the resource leaves its last session.
TEST_F(Exec, ResourceOfSeveralLibrariesOpensItsDependenciesFirst)
{
	std::string dep = vtest::lib("vaccel-test-dep"), user = vtest::lib("vaccel-test-user");
	int32_t out = 0;
	run_plus_dep(&sess, {user}, VACCEL_ENOENT, &out); // alone it cannot open
	run_plus_dep(&sess, {dep, user}, VACCEL_OK, &out);
	EXPECT_EQ(out, 42);
	EXPECT_EQ(dlopen(user.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr);
	EXPECT_EQ(dlopen(dep.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr);
}

// VACCEL_EXEC_DLCLOSE_ENABLED=0 (here by its deprecated name): the
// libraries stay loaded after the resource is gone.
TEST_F(Exec, DlcloseDisabledKeepsAResourcesLibrariesLoaded)
{
	std::string dep = vtest::lib("vaccel-test-dep"), user = vtest::lib("vaccel-test-user");
	int32_t out = 0;
	setenv("VACCEL_EXEC_DLCLOSE", "0", 1);
	run_plus_dep(&sess, {dep, user}, VACCEL_OK, &out);
	unsetenv("VACCEL_EXEC_DLCLOSE");
	EXPECT_EQ(out, 42);
	for (auto &p : {user, dep}) {
		void *h = dlopen(p.c_str(), RTLD_NOW | RTLD_NOLOAD);
		EXPECT_NE(h, nullptr) << p;
		if (h)
			dlclose(h);
	}
}
