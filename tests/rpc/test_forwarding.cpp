// SPDX-License-Identifier: Apache-2.0
// Every operation a plugin can serve locally is forwarded by the rpc
// plugin: walked over the one list of operations (VACCEL_PLUGIN_OPS_LIST),
// so that an operation added there and served by noop but not forwarded
// fails here.
#include "../unit/support.hpp"
#include "agent_process.hpp"
#include "guest.hpp"
#include "ops/layout.hpp"

#include <cstring>
#include <dlfcn.h>
#include <set>
#include <string>
#include <vector>

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

namespace {

using vaccel::ops::kLayouts;
using vaccel::ops::Layout;
using vaccel::ops::Slot;

// Calls every operation of the layout table (ops/layout.hpp) that has a
// fixed generic form through vaccel_genop, with args of the row's types
// (one element each, counts and dimensions 1, inputs of distinct bytes),
// and records each return code and output, so that a local and a remote
// run can be compared bit for bit. Locally genop calls noop; remotely the
// rpc plugin's packer for the op sends it and the agent decodes it by the
// same row: a row without a packer, or a packer that disagrees with its
// row, makes the runs differ. (exec and opencv, whose args are the
// caller's, are in test_rpc.cpp.)
std::vector<uint8_t> run_table(vaccel_session *s, std::vector<std::string> &names)
{
	std::vector<uint8_t> rec;
	for (size_t i = 0; i < kLayouts.size(); ++i) {
		const Layout &l = kLayouts[i];
		if (!l.generic || l.rest || l.pass)
			continue;
		names.push_back(l.name);
		uint8_t op = (uint8_t)i;
		alignas(8) unsigned char bytes[16][16];
		std::vector<vaccel_arg> rd{{&op, 1, VACCEL_ARG_UINT8, 0, false}},
			wr;
		size_t k = 0;
		auto make = [&](const Slot &sl, bool input) {
			unsigned char *b = bytes[k++];
			std::memset(b, 0, 16);
			const size_t e = vaccel::ops::elem_size(sl.type);
			const vaccel_arg_type_t t = sl.type == VACCEL_ARG_MAX
							    ? VACCEL_ARG_FLOAT64
							    : sl.type;
			if (t == VACCEL_ARG_INT64 || t == VACCEL_ARG_INT32 ||
			    sl.type == VACCEL_ARG_MAX) {
				int64_t one = 1;
				std::memcpy(b, &one, 8);
			} else if (input) {
				for (size_t j = 0; j < 8; ++j)
					b[j] = (unsigned char)(0x40 + 7 * k + j);
			}
			return vaccel_arg{b, e ? e : 8, t, 0, false};
		};
		for (const Slot &sl : l.read)
			rd.push_back(make(sl, true));
		for (const Slot &sl : l.write)
			wr.push_back(make(sl, false));
		int ret = vaccel_genop(s, rd.data(), (int)rd.size(), wr.data(),
				       (int)wr.size());
		rec.push_back((uint8_t)i);
		rec.insert(rec.end(), (uint8_t *)&ret, (uint8_t *)&ret + sizeof ret);
		for (auto &a : wr)
			rec.insert(rec.end(), (uint8_t *)a.buf,
				   (uint8_t *)a.buf + a.size);
	}
	return rec;
}

class ForwardingTable : public vtest::Runtime {};

} // namespace

TEST_F(ForwardingTable, EveryRowGivesTheSameBytesLocallyAndThroughTheAgent)
{
	ASSERT_EQ(vtest::boot({"noop"}), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	std::vector<std::string> names;
	auto local = run_table(&s, names);
	ASSERT_EQ(vaccel_session_release(&s), VACCEL_OK);
	ASSERT_EQ(vaccel_cleanup(), VACCEL_OK);
	// Every one succeeded locally (its return code is after its id).
	for (size_t at = 0; at < local.size();) {
		int ret;
		std::memcpy(&ret, &local[at + 1], sizeof ret);
		EXPECT_EQ(ret, VACCEL_OK) << "op " << (int)local[at];
		size_t i = local[at];
		at += 1 + sizeof ret;
		for (const Slot &sl : kLayouts[i].write) {
			size_t e = vaccel::ops::elem_size(sl.type);
			at += e ? e : 8;
		}
	}
	EXPECT_GE(names.size(), 12u); // noop, image x5, sgemm, fpga x4, minmax

	vtest::Agent agent(vtest::plugin("noop"), {"-a", "@unix"});
	ASSERT_EQ(vtest::boot_remote(agent.addr(0)), VACCEL_OK);
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	std::vector<std::string> again;
	auto remote = run_table(&s, again);
	ASSERT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(again, names);
	EXPECT_EQ(remote, local);
	EXPECT_EQ(agent.stop(), 0) << agent.log();
}
