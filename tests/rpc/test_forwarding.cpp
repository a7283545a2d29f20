// SPDX-License-Identifier: Apache-2.0
// Every operation a plugin can serve locally is forwarded by the rpc
// plugin: walked over the one list of operations (VACCEL_PLUGIN_OPS_LIST),
// so that an operation added there and served by noop but not forwarded
// fails here.
#include "../unit/support.hpp"

#include <dlfcn.h>
#include <set>
#include <string>

namespace {

const vaccel_plugin_ops *ops_of(const std::string &file, void *&handle)
{
	handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
	if (!handle)
		return nullptr;
	auto entry = reinterpret_cast<vaccel_plugin_entry_fn>(
		dlsym(handle, VACCEL_PLUGIN_ENTRY_SYMBOL));
	const vaccel_plugin_desc *d = entry ? entry() : nullptr;
	return d && d->ops_size >= sizeof(vaccel_plugin_ops) ? d->ops : nullptr;
}

// Served locally, deliberately not forwarded: deprecated upstream, with no
// implementation but noop's (docs/api.md).
const std::set<std::string> kNotForwarded{"TORCH_SGEMM"};

} // namespace

TEST(Forwarding, EveryOperationNoopServesTheRpcPluginForwards)
{
	void *hn = nullptr, *hr = nullptr;
	const vaccel_plugin_ops *noop = ops_of(vtest::plugin("noop"), hn);
	const vaccel_plugin_ops *rpc = ops_of(vtest::plugin("rpc"), hr);
	ASSERT_NE(noop, nullptr) << dlerror();
	ASSERT_NE(rpc, nullptr) << dlerror();
	int walked = 0;
#define CHECK_OP(NAME, member, type)                                                 \
	++walked;                                                                    \
	EXPECT_NE(noop->member, nullptr) << "noop does not serve " #NAME;            \
	if (kNotForwarded.count(#NAME))                                              \
		EXPECT_EQ(rpc->member, nullptr) << #NAME " is forwarded now: "       \
						    "take it off kNotForwarded";     \
	else                                                                         \
		EXPECT_NE(rpc->member, nullptr) << "rpc does not forward " #NAME;
	VACCEL_PLUGIN_OPS_LIST(CHECK_OP)
#undef CHECK_OP
	EXPECT_EQ(walked, (int)VACCEL_OP_MAX);
	dlclose(hn);
	dlclose(hr);
}
