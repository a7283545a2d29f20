// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>
#include <fstream>
#include <unistd.h>

using vtest::boot;
using vtest::plugin;

class Plugin : public vtest::Runtime {};

namespace {

float run_sgemm_1x1(vaccel_session *s, int *ret)
{
	float a = 3, b = 4, c = 0;
	*ret = vaccel_sgemm(s, 1, 1, 1, 1.0F, &a, 1, &b, 1, 0.0F, &c, 1);
	return c;
}

} // namespace

TEST_F(Plugin, BrokenPluginsAreSkippedAndTheRestServe)
{
	// Each of these fails differently; none may stop the others.
	ASSERT_EQ(boot({"test-no_entry", "test-bad_abi", "test-init_fails",
			"test-cpu_sgemm"}),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_plugin_count(), 1u);
	const char *name = nullptr;
	ASSERT_EQ(vaccel_plugin_info(0, &name, nullptr, nullptr), VACCEL_OK);
	EXPECT_STREQ(name, "test-cpu");
	EXPECT_EQ(vaccel_plugin_info(1, &name, nullptr, nullptr), VACCEL_ENOENT);
	EXPECT_EQ(vaccel_plugin_load(plugin("does-not-exist").c_str()),
		  VACCEL_ENOENT);
	EXPECT_EQ(vaccel_plugin_load(plugin("test-bad_abi").c_str()),
		  VACCEL_ELIBBAD);
	EXPECT_EQ(vaccel_plugin_load(plugin("test-no_entry").c_str()),
		  VACCEL_ELIBBAD);
	EXPECT_EQ(vaccel_plugin_load(plugin("test-init_fails").c_str()),
		  VACCEL_EIO);
	EXPECT_EQ(vaccel_plugin_load(plugin("test-cpu_sgemm").c_str()),
		  VACCEL_EEXIST);
	EXPECT_EQ(vaccel_plugin_load(""), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_plugin_load(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_plugin_count(), 1u);
}

// Every plugin asked for is recorded with what became of it, for
// `vaccel info`: loaded, skipped for want of a device, or failed and why;
// the caller's own error text is left alone.
TEST_F(Plugin, EveryAttemptIsRecordedWithItsReason)
{
	vaccel_error_clear();
	ASSERT_EQ(boot({"test-no_entry", "test-no_device", "test-init_fails",
			"test-cpu_sgemm"}),
		  VACCEL_OK);
	EXPECT_STREQ(vaccel_error_message(), "");
	ASSERT_EQ(vaccel_plugin_attempt_count(), 4u);
	struct Want {
		const char *spec_end;
		int code;
		const char *why;
	} want[] = {{"libvaccel-test-no_entry.so", VACCEL_ELIBBAD, "not a vAccel plugin"},
		    {"libvaccel-test-no_device.so", VACCEL_ENODEV, "no device"},
		    {"libvaccel-test-init_fails.so", VACCEL_EIO, "init failed"},
		    {"libvaccel-test-cpu_sgemm.so", VACCEL_OK, ""}};
	for (size_t i = 0; i < 4; ++i) {
		char spec[512], why[1024];
		int code = -1;
		ASSERT_EQ(vaccel_plugin_attempt(i, spec, sizeof spec, &code, why,
						sizeof why),
			  VACCEL_OK);
		std::string s = spec;
		EXPECT_EQ(s.substr(s.size() - strlen(want[i].spec_end)), want[i].spec_end);
		EXPECT_EQ(code, want[i].code) << spec;
		if (*want[i].why)
			EXPECT_NE(std::string(why).find(want[i].why), std::string::npos)
				<< why;
		else
			EXPECT_STREQ(why, "");
	}
	// Cut to the caller's buffers; past the last, ENOENT.
	char tiny[5];
	ASSERT_EQ(vaccel_plugin_attempt(0, tiny, sizeof tiny, nullptr, nullptr, 0),
		  VACCEL_OK);
	EXPECT_STREQ(tiny, plugin("test-no_entry").substr(0, 4).c_str());
	EXPECT_EQ(vaccel_plugin_attempt(4, nullptr, 0, nullptr, nullptr, 0),
		  VACCEL_ENOENT);
	// A new bootstrap starts a new record.
	ASSERT_EQ(vaccel_cleanup(), VACCEL_OK);
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	EXPECT_EQ(vaccel_plugin_attempt_count(), 1u);
}

TEST_F(Plugin, NoDeviceFallsBackToTheNextPlugin)
{
	ASSERT_EQ(boot({"test-no_device", "test-cpu_sgemm"}), VACCEL_OK);
	EXPECT_STREQ(vaccel_plugin_for_op(VACCEL_OP_BLAS_SGEMM,
					  VACCEL_PLUGIN_GPU),
		     "test-cpu");
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, VACCEL_PLUGIN_GPU), VACCEL_OK);
	int ret = -1;
	EXPECT_EQ(run_sgemm_1x1(&s, &ret), 12.0F);
	EXPECT_EQ(ret, VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
}

TEST_F(Plugin, SelectionIsPerOperationAndFollowsTheHint)
{
	ASSERT_EQ(boot({"noop", "test-cpu_sgemm", "exec"}), VACCEL_OK);
	// No hint: the first loaded plugin implementing the op.
	EXPECT_STREQ(vaccel_plugin_for_op(VACCEL_OP_BLAS_SGEMM, 0), "noop");
	// A hint picks among implementers; per op, not per session.
	EXPECT_STREQ(vaccel_plugin_for_op(VACCEL_OP_BLAS_SGEMM, VACCEL_PLUGIN_CPU),
		     "test-cpu");
	EXPECT_STREQ(vaccel_plugin_for_op(VACCEL_OP_EXEC, VACCEL_PLUGIN_CPU),
		     "exec");
	EXPECT_STREQ(vaccel_plugin_for_op(VACCEL_OP_NOOP, VACCEL_PLUGIN_CPU),
		     "noop"); // nothing else implements noop
	// REMOTE is a demand, not a preference.
	EXPECT_EQ(vaccel_plugin_for_op(VACCEL_OP_NOOP, VACCEL_PLUGIN_REMOTE),
		  nullptr);
	EXPECT_EQ(vaccel_plugin_for_op(VACCEL_OP_MAX, 0), nullptr);

	vaccel_session cpu{}, dbg{};
	ASSERT_EQ(vaccel_session_init(&cpu, VACCEL_PLUGIN_CPU), VACCEL_OK);
	ASSERT_EQ(vaccel_session_init(&dbg, VACCEL_PLUGIN_DEBUG), VACCEL_OK);
	int ret = -1;
	EXPECT_EQ(run_sgemm_1x1(&cpu, &ret), 12.0F); // real product
	EXPECT_EQ(ret, VACCEL_OK);
	EXPECT_EQ(run_sgemm_1x1(&dbg, &ret), 0.0F); // noop: alpha*(0+0)
	EXPECT_EQ(ret, VACCEL_OK);

	// No remote plugin: a session that demands one is refused (upstream).
	vaccel_session remote{};
	EXPECT_EQ(vaccel_session_init(&remote, VACCEL_PLUGIN_REMOTE), VACCEL_ENOTSUP);
	for (auto *s : {&cpu, &dbg})
		EXPECT_EQ(vaccel_session_release(s), VACCEL_OK);
}

TEST_F(Plugin, SessionUpdateDropsCachedChoices)
{
	ASSERT_EQ(boot({"noop", "test-cpu_sgemm"}), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, VACCEL_PLUGIN_DEBUG), VACCEL_OK);
	int ret = -1;
	EXPECT_EQ(run_sgemm_1x1(&s, &ret), 0.0F);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	ASSERT_EQ(vaccel_session_update(&s, VACCEL_PLUGIN_CPU), VACCEL_OK);
#pragma GCC diagnostic pop
	EXPECT_EQ(run_sgemm_1x1(&s, &ret), 12.0F);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
}

namespace {

int builtin_noop_calls;
int builtin_noop(vaccel_session *)
{
	++builtin_noop_calls;
	return VACCEL_OK;
}
int builtin_sgemm(vaccel_session *, int64_t, int64_t, int64_t, float, float *,
		  int64_t, float *, int64_t, float, float *, int64_t)
{
	return VACCEL_EIO;
}

} // namespace

TEST_F(Plugin, BuiltinByNameAndShortOpsTablesFromOlderBuilds)
{
	static vaccel_plugin_ops ops{};
	ops.noop = builtin_noop;
	ops.sgemm = builtin_sgemm;
	static vaccel_plugin_desc desc{};
	desc.abi_version = VACCEL_PLUGIN_ABI_VERSION;
	desc.size = sizeof desc;
	desc.name = "test-builtin";
	desc.version = "1";
	desc.vaccel_version = VACCEL_VERSION;
	desc.type = VACCEL_PLUGIN_SOFTWARE;
	// As if built when the table ended after `exec`: sgemm is beyond it.
	desc.ops_size = offsetof(vaccel_plugin_ops, exec_with_resource);
	desc.ops = &ops;
	ASSERT_EQ(vaccel_plugin_register_builtin(&desc), VACCEL_OK);
	ASSERT_EQ(vaccel_plugin_register_builtin(nullptr), VACCEL_EINVAL);

	struct vaccel_config cfg{};
	ASSERT_EQ(vaccel_config_init(&cfg, "test-builtin", VACCEL_LOG_ERROR,
				     nullptr, false, false),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_bootstrap_with_config(&cfg), VACCEL_OK);
	vaccel_config_release(&cfg);
	ASSERT_EQ(vaccel_plugin_count(), 1u);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	builtin_noop_calls = 0;
	EXPECT_EQ(vaccel_noop(&s), VACCEL_OK);
	EXPECT_EQ(vaccel_noop(&s), VACCEL_OK);
	EXPECT_EQ(builtin_noop_calls, 2);
	int ret = -1;
	run_sgemm_1x1(&s, &ret);
	EXPECT_EQ(ret, VACCEL_ENOTSUP);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
}

TEST_F(Plugin, VersionMismatchIsRefusedUnlessIgnored)
{
	static vaccel_plugin_ops ops{};
	ops.noop = builtin_noop;
	static vaccel_plugin_desc desc{};
	desc.abi_version = VACCEL_PLUGIN_ABI_VERSION;
	desc.size = sizeof desc;
	desc.name = "test-old";
	desc.vaccel_version = "0.0.9";
	desc.ops_size = sizeof ops;
	desc.ops = &ops;
	ASSERT_EQ(vaccel_plugin_register_builtin(&desc), VACCEL_OK);
	ASSERT_EQ(boot({}), VACCEL_OK);
	EXPECT_EQ(vaccel_plugin_load("test-old"), VACCEL_ELIBBAD);
	struct vaccel_config cfg{};
	ASSERT_EQ(vaccel_config_init(&cfg, "test-old", VACCEL_LOG_ERROR, nullptr,
				     false, true),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_bootstrap_with_config(&cfg), VACCEL_OK);
	vaccel_config_release(&cfg);
	EXPECT_EQ(vaccel_plugin_count(), 1u);
}

TEST_F(Plugin, ProfilingCountsOperations)
{
	char tmpl[] = "/tmp/vaccel-prof-log.XXXXXX";
	int fd = mkstemp(tmpl);
	ASSERT_GE(fd, 0);
	close(fd);
	struct vaccel_config cfg{};
	std::string list = plugin("noop");
	ASSERT_EQ(vaccel_config_init(&cfg, list.c_str(), VACCEL_LOG_INFO, tmpl,
				     true, false),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_bootstrap_with_config(&cfg), VACCEL_OK);
	vaccel_config_release(&cfg);
	EXPECT_TRUE(vaccel_prof_enabled());
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	for (int i = 0; i < 5; ++i)
		ASSERT_EQ(vaccel_noop(&s), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(vaccel_cleanup(), VACCEL_OK);
	std::ifstream in(tmpl);
	std::string all((std::istreambuf_iterator<char>(in)), {});
	EXPECT_NE(all.find("[prof] vaccel_NOOP: total_time:"), std::string::npos)
		<< all;
	EXPECT_NE(all.find("nr_entries: 5"), std::string::npos) << all;
	unlink(tmpl);
}

TEST_F(Plugin, NamesFindThePluginsNextToTheLibrary)
{
	// "noop", not a path: found as libvaccel-noop.so beside libvaccel.so,
	// here the build tree, not yet installed anywhere.
	struct vaccel_config cfg{};
	ASSERT_EQ(vaccel_config_init(&cfg, "noop:test-cpu_sgemm",
				     VACCEL_LOG_ERROR, nullptr, false, false),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_bootstrap_with_config(&cfg), VACCEL_OK);
	vaccel_config_release(&cfg);
	ASSERT_EQ(vaccel_plugin_count(), 2u);
	const char *name = nullptr;
	ASSERT_EQ(vaccel_plugin_info(0, &name, nullptr, nullptr), VACCEL_OK);
	EXPECT_STREQ(name, "noop");
	EXPECT_EQ(vaccel_plugin_load("no-such-plugin"), VACCEL_ENOENT);
}

// Plugins named by their file, as upstream's documentation does
// (VACCEL_PLUGINS=libvaccel-noop.so), are found in the same places.
TEST_F(Plugin, FileNamesFindThePluginsToo)
{
	struct vaccel_config cfg{};
	ASSERT_EQ(vaccel_config_init(&cfg, "libvaccel-noop.so:libvaccel-exec.so",
				     VACCEL_LOG_ERROR, nullptr, false, false),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_bootstrap_with_config(&cfg), VACCEL_OK);
	vaccel_config_release(&cfg);
	ASSERT_EQ(vaccel_plugin_count(), 2u);
	const char *name = nullptr;
	ASSERT_EQ(vaccel_plugin_info(0, &name, nullptr, nullptr), VACCEL_OK);
	EXPECT_STREQ(name, "noop");
	ASSERT_EQ(vaccel_plugin_info(1, &name, nullptr, nullptr), VACCEL_OK);
	EXPECT_STREQ(name, "exec");
	EXPECT_EQ(vaccel_plugin_load("libvaccel-no-such-plugin.so"), VACCEL_ENOENT);
}

namespace {

// Two plugins linked into this program: one built with the host-memory
// hooks, one from a build before them (its descriptor ends before the
// hooks; what lies beyond its size must never be read or called).
int hm_calls_new, hm_calls_old;
void *hm_last_addr;
size_t hm_last_len;
int hm_new_register(void *addr, size_t len)
{
	++hm_calls_new;
	hm_last_addr = addr;
	hm_last_len = len;
	return VACCEL_OK;
}
int hm_new_unregister(void *addr, size_t len)
{
	--hm_calls_new;
	return addr == hm_last_addr && len == hm_last_len ? VACCEL_OK : VACCEL_EINVAL;
}
int hm_old_hook(void *, size_t)
{
	++hm_calls_old;
	return VACCEL_OK;
}
vaccel_plugin_desc hm_desc(const char *name, bool old)
{
	vaccel_plugin_desc d{};
	d.abi_version = VACCEL_PLUGIN_ABI_VERSION;
	d.size = old ? (uint32_t)offsetof(vaccel_plugin_desc, host_memory_register)
		     : (uint32_t)sizeof(vaccel_plugin_desc);
	d.name = name;
	d.version = "test";
	d.vaccel_version = VACCEL_VERSION;
	d.type = VACCEL_PLUGIN_GPU;
	d.host_memory_register = old ? hm_old_hook : hm_new_register;
	d.host_memory_unregister = old ? hm_old_hook : hm_new_unregister;
	return d;
}
const vaccel_plugin_desc hm_with = hm_desc("test-hm-with-hooks", false);
const vaccel_plugin_desc hm_before = hm_desc("test-hm-before-hooks", true);

} // namespace

// Long-lived host memory is announced to the plugins that take it, once,
// and taken back; a plugin built before the hooks is left alone.
TEST_F(Plugin, HostMemoryGoesToThePluginsThatTakeIt)
{
	static bool registered = [] {
		return vaccel_plugin_register_builtin(&hm_with) == VACCEL_OK &&
		       vaccel_plugin_register_builtin(&hm_before) == VACCEL_OK;
	}();
	ASSERT_TRUE(registered);
	struct vaccel_config cfg{};
	ASSERT_EQ(vaccel_config_init(&cfg, "test-hm-before-hooks:test-hm-with-hooks",
				     VACCEL_LOG_ERROR, nullptr, false, false),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_bootstrap_with_config(&cfg), VACCEL_OK);
	vaccel_config_release(&cfg);
	ASSERT_EQ(vaccel_plugin_count(), 2u);
	static char area[8192];
	EXPECT_EQ(vaccel_host_memory_register(area, sizeof area), VACCEL_OK);
	EXPECT_EQ(hm_calls_new, 1);
	EXPECT_EQ(hm_last_addr, (void *)area);
	EXPECT_EQ(hm_last_len, sizeof area);
	EXPECT_EQ(vaccel_host_memory_unregister(area, sizeof area), VACCEL_OK);
	EXPECT_EQ(hm_calls_new, 0);
	EXPECT_EQ(hm_calls_old, 0);
	EXPECT_EQ(vaccel_host_memory_register(nullptr, 10), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_host_memory_register(area, 0), VACCEL_EINVAL);
	EXPECT_EQ(hm_calls_new, 0);
}
