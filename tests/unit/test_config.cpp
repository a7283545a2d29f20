// SPDX-License-Identifier: Apache-2.0
// Configuration: explicit, from the environment, copies; and its effect on the
// runtime's logging.
#include "support.hpp"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// Saves the vAccel environment variables and restores them at scope end.
class EnvGuard {
public:
	EnvGuard()
	{
		for (const char *n : kNames) {
			const char *v = getenv(n);
			saved_.emplace_back(n, v ? std::optional<std::string>(v)
						 : std::nullopt);
		}
	}
	~EnvGuard()
	{
		for (auto &[n, v] : saved_) {
			if (v)
				setenv(n.c_str(), v->c_str(), 1);
			else
				unsetenv(n.c_str());
		}
	}
	static void clear()
	{
		for (const char *n : kNames)
			unsetenv(n);
	}

private:
	static constexpr const char *kNames[] = {
		"VACCEL_PLUGINS", "VACCEL_LOG_LEVEL", "VACCEL_LOG_FILE",
		"VACCEL_PROFILING_ENABLED", "VACCEL_VERSION_IGNORE",
		"VACCEL_BACKENDS", "VACCEL_DEBUG_LEVEL", "VACCEL_IGNORE_VERSION"};
	std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

struct TempDir {
	std::string path;
	TempDir()
	{
		std::string tmpl =
			(fs::temp_directory_path() / "vaccel-config-XXXXXX")
				.string();
		EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
		path = tmpl;
	}
	~TempDir()
	{
		std::error_code ec;
		fs::remove_all(path, ec);
	}
};

std::string slurp(const std::string &path)
{
	std::ifstream f(path);
	return {std::istreambuf_iterator<char>(f),
		std::istreambuf_iterator<char>()};
}

size_t count_of(const std::string &hay, const std::string &needle)
{
	size_t n = 0;
	for (size_t p = hay.find(needle); p != std::string::npos;
	     p = hay.find(needle, p + 1))
		++n;
	return n;
}

} // namespace

TEST(ConfigInit, CopiesEveryField)
{
	std::string plugins = "a.so:b.so";
	std::string file = "/tmp/somewhere.log";
	struct vaccel_config c{};
	ASSERT_EQ(vaccel_config_init(&c, plugins.c_str(), VACCEL_LOG_INFO,
				     file.c_str(), true, true),
		  VACCEL_OK);
	ASSERT_NE(c.plugins, nullptr);
	EXPECT_STREQ(c.plugins, "a.so:b.so");
	EXPECT_NE(c.plugins, plugins.c_str());
	ASSERT_NE(c.log_file, nullptr);
	EXPECT_STREQ(c.log_file, "/tmp/somewhere.log");
	EXPECT_NE(c.log_file, file.c_str());
	EXPECT_EQ(c.log_level, VACCEL_LOG_INFO);
	EXPECT_TRUE(c.profiling_enabled);
	EXPECT_TRUE(c.version_ignore);
	plugins[0] = 'Z';
	EXPECT_STREQ(c.plugins, "a.so:b.so");
	ASSERT_EQ(vaccel_config_release(&c), VACCEL_OK);
	EXPECT_EQ(c.plugins, nullptr);
	EXPECT_EQ(c.log_file, nullptr);
	// A second release has nothing left to free.
	EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);

	ASSERT_EQ(vaccel_config_init(&c, nullptr, VACCEL_LOG_ERROR, nullptr,
				     false, false),
		  VACCEL_OK);
	EXPECT_EQ(c.plugins, nullptr);
	EXPECT_EQ(c.log_file, nullptr);
	EXPECT_EQ(c.log_level, VACCEL_LOG_ERROR);
	EXPECT_FALSE(c.profiling_enabled);
	EXPECT_FALSE(c.version_ignore);
	EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);

	ASSERT_EQ(vaccel_config_init(&c, "", VACCEL_LOG_DEBUG, "", false, true),
		  VACCEL_OK);
	EXPECT_STREQ(c.plugins, "");
	EXPECT_STREQ(c.log_file, "");
	EXPECT_EQ(c.log_level, VACCEL_LOG_DEBUG);
	EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);
}

TEST(ConfigInit, InvalidLevelAndNullsAreRefused)
{
	struct vaccel_config c{};
	EXPECT_EQ(vaccel_config_init(&c, "p", (vaccel_log_level_t)0, nullptr,
				     false, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_config_init(&c, "p", VACCEL_LOG_MAX, nullptr, false,
				     false),
		  VACCEL_EINVAL);
	EXPECT_EQ(c.plugins, nullptr); // nothing allocated
	EXPECT_EQ(vaccel_config_init(nullptr, "p", VACCEL_LOG_ERROR, nullptr,
				     false, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_config_init_from_env(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_config_init_from(&c, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_config_init_from(nullptr, &c), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_config_release(nullptr), VACCEL_EINVAL);

	struct vaccel_config *p = nullptr;
	EXPECT_EQ(vaccel_config_new(nullptr, "p", VACCEL_LOG_ERROR, nullptr,
				    false, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_config_new(&p, "p", VACCEL_LOG_MAX, nullptr, false,
				    false),
		  VACCEL_EINVAL);
	EXPECT_EQ(p, nullptr);
	EXPECT_EQ(vaccel_config_from_env(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_config_from(nullptr, &c), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_config_from(&p, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(p, nullptr);
	EXPECT_EQ(vaccel_config_delete(nullptr), VACCEL_EINVAL);
	vaccel_config_print_debug(nullptr); // no crash
}

TEST(ConfigInit, FromIsADeepCopy)
{
	struct vaccel_config src{};
	ASSERT_EQ(vaccel_config_init(&src, "x:y", VACCEL_LOG_WARN, "/l", true,
				     false),
		  VACCEL_OK);
	struct vaccel_config dst{};
	ASSERT_EQ(vaccel_config_init_from(&dst, &src), VACCEL_OK);
	EXPECT_STREQ(dst.plugins, "x:y");
	EXPECT_NE(dst.plugins, src.plugins);
	EXPECT_STREQ(dst.log_file, "/l");
	EXPECT_NE(dst.log_file, src.log_file);
	EXPECT_EQ(dst.log_level, VACCEL_LOG_WARN);
	EXPECT_TRUE(dst.profiling_enabled);
	EXPECT_FALSE(dst.version_ignore);
	// The copy outlives the source.
	ASSERT_EQ(vaccel_config_release(&src), VACCEL_OK);
	EXPECT_STREQ(dst.plugins, "x:y");

	struct vaccel_config *heap = nullptr;
	ASSERT_EQ(vaccel_config_from(&heap, &dst), VACCEL_OK);
	ASSERT_NE(heap, nullptr);
	EXPECT_STREQ(heap->plugins, "x:y");
	EXPECT_NE(heap->plugins, dst.plugins);
	EXPECT_STREQ(heap->log_file, "/l");
	EXPECT_EQ(heap->log_level, VACCEL_LOG_WARN);
	EXPECT_TRUE(heap->profiling_enabled);
	EXPECT_EQ(vaccel_config_delete(heap), VACCEL_OK);
	EXPECT_EQ(vaccel_config_release(&dst), VACCEL_OK);

	// A source that is not a valid config is refused.
	struct vaccel_config bad{};
	bad.log_level = (vaccel_log_level_t)0;
	EXPECT_EQ(vaccel_config_init_from(&dst, &bad), VACCEL_EINVAL);
}

TEST(ConfigInit, NewAndDelete)
{
	struct vaccel_config *c = nullptr;
	ASSERT_EQ(vaccel_config_new(&c, "noop", VACCEL_LOG_DEBUG, nullptr, true,
				    true),
		  VACCEL_OK);
	ASSERT_NE(c, nullptr);
	EXPECT_STREQ(c->plugins, "noop");
	EXPECT_EQ(c->log_file, nullptr);
	EXPECT_EQ(c->log_level, VACCEL_LOG_DEBUG);
	EXPECT_TRUE(c->profiling_enabled);
	EXPECT_TRUE(c->version_ignore);
	EXPECT_EQ(vaccel_config_delete(c), VACCEL_OK);
}

TEST(ConfigEnv, ReadsEveryVariable)
{
	EnvGuard env;
	EnvGuard::clear();
	setenv("VACCEL_PLUGINS", "libone.so:two", 1);
	setenv("VACCEL_LOG_LEVEL", "3", 1);
	setenv("VACCEL_LOG_FILE", "/tmp/v.log", 1);
	setenv("VACCEL_PROFILING_ENABLED", "1", 1);
	setenv("VACCEL_VERSION_IGNORE", "true", 1);
	struct vaccel_config c{};
	ASSERT_EQ(vaccel_config_init_from_env(&c), VACCEL_OK);
	EXPECT_STREQ(c.plugins, "libone.so:two");
	EXPECT_EQ(c.log_level, VACCEL_LOG_INFO);
	EXPECT_STREQ(c.log_file, "/tmp/v.log");
	EXPECT_TRUE(c.profiling_enabled);
	EXPECT_TRUE(c.version_ignore);
	// Copies, not the environment's own strings.
	EXPECT_NE(c.plugins, getenv("VACCEL_PLUGINS"));
	EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);

	struct vaccel_config *heap = nullptr;
	setenv("VACCEL_LOG_LEVEL", "4", 1);
	ASSERT_EQ(vaccel_config_from_env(&heap), VACCEL_OK);
	ASSERT_NE(heap, nullptr);
	EXPECT_EQ(heap->log_level, VACCEL_LOG_DEBUG);
	EXPECT_STREQ(heap->plugins, "libone.so:two");
	EXPECT_STREQ(heap->log_file, "/tmp/v.log");
	EXPECT_EQ(vaccel_config_delete(heap), VACCEL_OK);
}

// Upstream's former names still work, with a warning; the current name
// wins where both are set.
TEST(ConfigEnv, DeprecatedNames)
{
	EnvGuard env;
	EnvGuard::clear();
	setenv("VACCEL_BACKENDS", "noop", 1);
	setenv("VACCEL_DEBUG_LEVEL", "4", 1);
	setenv("VACCEL_IGNORE_VERSION", "1", 1);
	struct vaccel_config c{};
	::testing::internal::CaptureStderr();
	ASSERT_EQ(vaccel_config_init_from_env(&c), VACCEL_OK);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_STREQ(c.plugins, "noop");
	EXPECT_EQ(c.log_level, VACCEL_LOG_DEBUG);
	EXPECT_TRUE(c.version_ignore);
	EXPECT_NE(err.find("VACCEL_BACKENDS is deprecated, use VACCEL_PLUGINS"),
		  std::string::npos) << err;
	EXPECT_NE(err.find("VACCEL_DEBUG_LEVEL is deprecated"), std::string::npos);
	EXPECT_NE(err.find("VACCEL_IGNORE_VERSION is deprecated"), std::string::npos);
	EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);

	setenv("VACCEL_PLUGINS", "exec", 1);
	setenv("VACCEL_LOG_LEVEL", "2", 1);
	setenv("VACCEL_VERSION_IGNORE", "0", 1);
	::testing::internal::CaptureStderr();
	ASSERT_EQ(vaccel_config_init_from_env(&c), VACCEL_OK);
	EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
	EXPECT_STREQ(c.plugins, "exec");
	EXPECT_EQ(c.log_level, VACCEL_LOG_WARN);
	EXPECT_FALSE(c.version_ignore);
	EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);
}

TEST(ConfigEnv, DefaultsWhenUnset)
{
	EnvGuard env;
	EnvGuard::clear();
	struct vaccel_config c{};
	c.plugins = nullptr;
	ASSERT_EQ(vaccel_config_init_from_env(&c), VACCEL_OK);
	EXPECT_EQ(c.plugins, nullptr);
	EXPECT_EQ(c.log_level, VACCEL_LOG_ERROR);
	EXPECT_EQ(c.log_file, nullptr);
	EXPECT_FALSE(c.profiling_enabled);
	EXPECT_FALSE(c.version_ignore);
	EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);

	// Set but empty: the level and booleans take their defaults too.
	setenv("VACCEL_LOG_LEVEL", "", 1);
	setenv("VACCEL_PROFILING_ENABLED", "", 1);
	ASSERT_EQ(vaccel_config_init_from_env(&c), VACCEL_OK);
	EXPECT_EQ(c.log_level, VACCEL_LOG_ERROR);
	EXPECT_FALSE(c.profiling_enabled);
	EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);
}

TEST(ConfigEnv, InvalidLevelIsIgnored)
{
	EnvGuard env;
	EnvGuard::clear();
	for (const char *bad : {"0", "5", "-1", "abc", "2x", "1.5"}) {
		setenv("VACCEL_LOG_LEVEL", bad, 1);
		struct vaccel_config c{};
		::testing::internal::CaptureStderr();
		ASSERT_EQ(vaccel_config_init_from_env(&c), VACCEL_OK) << bad;
		std::string err = ::testing::internal::GetCapturedStderr();
		EXPECT_EQ(c.log_level, VACCEL_LOG_ERROR) << bad;
		EXPECT_EQ(err, std::string("vaccel: ignoring VACCEL_LOG_LEVEL=") +
				       bad + " (want 1..4)\n");
		EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);
	}
	for (int l = 1; l <= 4; ++l) {
		setenv("VACCEL_LOG_LEVEL", std::to_string(l).c_str(), 1);
		struct vaccel_config c{};
		ASSERT_EQ(vaccel_config_init_from_env(&c), VACCEL_OK);
		EXPECT_EQ(c.log_level, (vaccel_log_level_t)l);
		EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);
	}
}

TEST(ConfigEnv, BooleanSpellings)
{
	EnvGuard env;
	EnvGuard::clear();
	struct Case {
		const char *value;
		bool expected;
	};
	for (Case k : {Case{"1", true}, Case{"true", true}, Case{"TRUE", true},
		       Case{"yes", true}, Case{"On", true}, Case{"0", false},
		       Case{"false", false}, Case{"no", false},
		       Case{"2", false}, Case{"enabled", false}}) {
		setenv("VACCEL_PROFILING_ENABLED", k.value, 1);
		setenv("VACCEL_VERSION_IGNORE", k.value, 1);
		struct vaccel_config c{};
		ASSERT_EQ(vaccel_config_init_from_env(&c), VACCEL_OK);
		EXPECT_EQ(c.profiling_enabled, k.expected) << k.value;
		EXPECT_EQ(c.version_ignore, k.expected) << k.value;
		EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);
	}
}

/* ---- effect on the runtime ----------------------------------------------- */

class ConfigRuntime : public vtest::Runtime {
protected:
	void TearDown() override
	{
		vtest::Runtime::TearDown();
		// The level outlives the runtime; do not leak ours to others.
		vaccel_log_set_level(VACCEL_LOG_ERROR);
	}
	EnvGuard env_;
	TempDir dir_;
};

TEST_F(ConfigRuntime, ErrorsGoToTheLogFile)
{
	std::string log = dir_.path + "/vaccel.log";
	struct vaccel_config c{};
	ASSERT_EQ(vaccel_config_init(&c, nullptr, VACCEL_LOG_ERROR, log.c_str(),
				     false, false),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_bootstrap_with_config(&c), VACCEL_OK);
	EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);
	// The runtime keeps its own copy.
	const struct vaccel_config *in_use = vaccel_config();
	ASSERT_NE(in_use, nullptr);
	ASSERT_NE(in_use->log_file, nullptr);
	EXPECT_EQ(std::string(in_use->log_file), log);
	EXPECT_EQ(in_use->log_level, VACCEL_LOG_ERROR);
	EXPECT_TRUE(vaccel_is_initialized());

	EXPECT_EQ(vaccel_session_release(nullptr), VACCEL_EINVAL);
	std::string text = slurp(log);
	EXPECT_EQ(count_of(text, "<ERROR> session release: session is NULL\n"),
		  1u)
		<< text;
	// Debug messages are below the level.
	EXPECT_EQ(text.find("<DEBUG>"), std::string::npos) << text;

	// After cleanup the file is closed and no longer written.
	ASSERT_EQ(vaccel_cleanup(), VACCEL_OK);
	size_t before = slurp(log).size();
	::testing::internal::CaptureStderr();
	vaccel_log_print(VACCEL_LOG_ERROR, "after cleanup");
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_EQ(slurp(log).size(), before);
	EXPECT_NE(err.find("<ERROR> after cleanup\n"), std::string::npos) << err;
}

TEST_F(ConfigRuntime, DebugLevelLogsTheConfiguration)
{
	std::string log = dir_.path + "/debug.log";
	struct vaccel_config c{};
	ASSERT_EQ(vaccel_config_init(&c, nullptr, VACCEL_LOG_DEBUG, log.c_str(),
				     true, false),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_bootstrap_with_config(&c), VACCEL_OK);
	EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);
	EXPECT_TRUE(vaccel_prof_enabled());
	std::string text = slurp(log);
	std::string line = "<DEBUG> config: plugins=(none) "
			   "log_level=VACCEL_LOG_DEBUG log_file=" +
			   log + " profiling=1 version_ignore=0\n";
	EXPECT_EQ(count_of(text, line), 1u) << text;
}

TEST_F(ConfigRuntime, BootstrapReadsTheEnvironment)
{
	std::string log = dir_.path + "/env.log";
	EnvGuard::clear();
	setenv("VACCEL_PLUGINS", "", 1);
	setenv("VACCEL_LOG_LEVEL", "2", 1);
	setenv("VACCEL_LOG_FILE", log.c_str(), 1);
	setenv("VACCEL_PROFILING_ENABLED", "yes", 1);
	ASSERT_EQ(vaccel_bootstrap(), VACCEL_OK);
	const struct vaccel_config *in_use = vaccel_config();
	ASSERT_NE(in_use, nullptr);
	EXPECT_STREQ(in_use->plugins, "");
	EXPECT_EQ(in_use->log_level, VACCEL_LOG_WARN);
	EXPECT_STREQ(in_use->log_file, log.c_str());
	EXPECT_TRUE(in_use->profiling_enabled);
	EXPECT_TRUE(vaccel_prof_enabled());
	EXPECT_EQ(vaccel_plugin_count(), 0u);
	EXPECT_EQ(vaccel_session_release(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(count_of(slurp(log), "session release: session is NULL"), 1u);
}

TEST_F(ConfigRuntime, UnwritableLogFileFallsBackToStderr)
{
	std::string log = dir_.path + "/no/such/dir/x.log";
	struct vaccel_config c{};
	ASSERT_EQ(vaccel_config_init(&c, nullptr, VACCEL_LOG_ERROR, log.c_str(),
				     false, false),
		  VACCEL_OK);
	// The runtime still comes up; messages go to stderr.
	::testing::internal::CaptureStderr();
	EXPECT_EQ(vaccel_bootstrap_with_config(&c), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(nullptr), VACCEL_EINVAL);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_EQ(vaccel_config_release(&c), VACCEL_OK);
	EXPECT_NE(err.find("cannot open log file " + log), std::string::npos)
		<< err;
	EXPECT_NE(err.find("session release: session is NULL"),
		  std::string::npos)
		<< err;
	EXPECT_FALSE(fs::exists(log));
}
