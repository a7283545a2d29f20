// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <cstring>

#include <atomic>
#include <thread>

using vtest::boot;

class Session : public vtest::Runtime {};

TEST_F(Session, InitAssignsIncreasingIdsAndReleaseClears)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel_session a{}, b{};
	ASSERT_EQ(vaccel_session_init(&a, 0), VACCEL_OK);
	ASSERT_EQ(vaccel_session_init(&b, VACCEL_PLUGIN_DEBUG), VACCEL_OK);
	EXPECT_GT(a.id, 0);
	EXPECT_GT(b.id, a.id);
	EXPECT_EQ(b.hint, (unsigned)VACCEL_PLUGIN_DEBUG);
	vaccel_session *found = nullptr;
	ASSERT_EQ(vaccel_session_get_by_id(&found, b.id), VACCEL_OK);
	EXPECT_EQ(found, &b);
	vaccel_id_t bid = b.id;
	EXPECT_EQ(vaccel_session_release(&a), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&b), VACCEL_OK);
	EXPECT_EQ(a.id, 0);
	EXPECT_EQ(vaccel_session_get_by_id(&found, bid), VACCEL_ENOENT);
}

TEST_F(Session, BadInput)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	EXPECT_EQ(vaccel_session_init(nullptr, 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_session_release(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_session_new(nullptr, 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_session_delete(nullptr), VACCEL_EINVAL);
	vaccel_session *s = nullptr;
	EXPECT_EQ(vaccel_session_get_by_id(&s, 12345), VACCEL_ENOENT);
	EXPECT_EQ(vaccel_session_get_by_id(&s, -1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_session_get_by_id(nullptr, 1), VACCEL_EINVAL);

	// Never initialised, zeroed: refused.
	vaccel_session zero{};
	EXPECT_EQ(vaccel_session_release(&zero), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_noop(&zero), VACCEL_EINVAL);

	// Never initialised, garbage: a NULL out-pointer or a bad id or type
	// is refused before the session is looked at (it crashed).
	vaccel_session garbage;
	memset(&garbage, 0xA5, sizeof garbage);
	vaccel_resource *found = nullptr;
	EXPECT_EQ(vaccel_session_resource_by_type(&garbage, nullptr,
						  VACCEL_RESOURCE_LIB),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_session_resource_by_id(&garbage, nullptr, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_session_resource_by_id(&garbage, &found, 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_session_resource_by_type(&garbage, &found,
						  VACCEL_RESOURCE_MAX),
		  VACCEL_EINVAL);

	// Double release.
	vaccel_session twice{};
	ASSERT_EQ(vaccel_session_init(&twice, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&twice), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&twice), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_noop(&twice), VACCEL_EINVAL);

	// A copy of a live session struct is not the session.
	vaccel_session live{};
	ASSERT_EQ(vaccel_session_init(&live, 0), VACCEL_OK);
	vaccel_session copy = live;
	EXPECT_EQ(vaccel_noop(&copy), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_session_release(&copy), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_session_release(&live), VACCEL_OK);
}

TEST_F(Session, NewDelete)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel_session *s = nullptr;
	ASSERT_EQ(vaccel_session_new(&s, VACCEL_PLUGIN_CPU), VACCEL_OK);
	ASSERT_NE(s, nullptr);
	EXPECT_EQ(vaccel_noop(s), VACCEL_OK);
	EXPECT_EQ(vaccel_session_delete(s), VACCEL_OK);
}

TEST_F(Session, OpWithoutPluginIsNotSupported)
{
	ASSERT_EQ(boot({}), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_noop(&s), VACCEL_ENOTSUP);
	float a = 1, b = 1, c = 0;
	EXPECT_EQ(vaccel_sgemm(&s, 1, 1, 1, 1, &a, 1, &b, 1, 0, &c, 1),
		  VACCEL_ENOTSUP);
	// The miss is cached, and stays a miss.
	EXPECT_EQ(vaccel_noop(&s), VACCEL_ENOTSUP);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
}

TEST_F(Session, BootstrapRefusedWhileSessionsLive)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	EXPECT_EQ(boot({"exec"}), VACCEL_EBUSY);
	EXPECT_EQ(vaccel_noop(&s), VACCEL_OK); // still the old plugins
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(boot({"exec"}), VACCEL_OK);
	EXPECT_EQ(vaccel_plugin_count(), 1u);
}

TEST_F(Session, EightThreadsCreateUseAndRelease)
{
	ASSERT_EQ(boot({"noop", "exec"}), VACCEL_OK);
	std::atomic<int> failures{0};
	std::vector<std::thread> threads;
	const std::string testlib = vtest::lib("vaccel-test-lib");
	for (int t = 0; t < 8; ++t)
		threads.emplace_back([&, t] {
			for (int i = 0; i < 200; ++i) {
				vaccel_session s{};
				if (vaccel_session_init(&s, t % 2 ? VACCEL_PLUGIN_CPU : 0)) {
					++failures;
					continue;
				}
				if (vaccel_noop(&s) != VACCEL_OK)
					++failures;
				int32_t in = i, out = 0;
				vaccel_arg r{}, w{};
				vaccel_arg_init_from_buf(&r, &in, sizeof in, VACCEL_ARG_INT32, 0);
				vaccel_arg_init_from_buf(&w, &out, sizeof out, VACCEL_ARG_INT32, 0);
				// Odd threads prefer CPU plugins: exec runs for real.
				int ret = vaccel_exec(&s, testlib.c_str(), "mytestfunc",
						      &r, 1, &w, 1);
				if (ret != VACCEL_OK || (t % 2 && out != 2 * i))
					++failures;
				if (vaccel_session_release(&s) != VACCEL_OK)
					++failures;
			}
		});
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(failures.load(), 0);
}
