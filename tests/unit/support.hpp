// SPDX-License-Identifier: Apache-2.0
// Test fixture: a runtime bootstrapped with a chosen plugin list, torn down
// after each test so that tests never see each other's sessions or plugins.
#pragma once

#include <vaccel.h>

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace vtest {

inline std::string lib(const std::string &name)
{
	return std::string(VACCEL_TEST_LIB_DIR) + "/lib" + name + ".so";
}
inline std::string plugin(const std::string &name)
{
	return lib("vaccel-" + name);
}

// Bootstrap with exactly these plugins ("noop", "exec", "test-cpu_sgemm" ...).
inline int boot(const std::vector<std::string> &plugins,
		vaccel_log_level_t level = VACCEL_LOG_ERROR, bool prof = false)
{
	std::string list;
	for (auto &p : plugins) {
		if (!list.empty())
			list += ':';
		list += plugin(p);
	}
	struct vaccel_config cfg{};
	int ret = vaccel_config_init(&cfg, list.c_str(), level, nullptr, prof,
				     false);
	if (ret)
		return ret;
	ret = vaccel_bootstrap_with_config(&cfg);
	vaccel_config_release(&cfg);
	return ret;
}

class Runtime : public ::testing::Test {
protected:
	void TearDown() override
	{
		EXPECT_EQ(vaccel_cleanup(), VACCEL_OK);
	}
};

} // namespace vtest
