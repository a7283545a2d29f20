// SPDX-License-Identifier: Apache-2.0
// The table of operations' generic forms (src/ops/layout.hpp): docs/api.md
// shows it as it is, and genop follows it for every operation id.
#include "support.hpp"

#include "ops/layout.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

namespace {

using vaccel::ops::kLayouts;
using vaccel::ops::Layout;
using vaccel::ops::Slot;

std::string cell(std::span<const Slot> slots)
{
	std::string out;
	for (const Slot &s : slots)
		out += (out.empty() ? "" : ", ") + std::string(s.doc) + " " +
		       s.name;
	return out;
}

// docs/api.md's table, "genop argument layouts", rendered from the layouts.
std::string render()
{
	std::string t = "| operation | read args after the op | write args |\n"
			"|---|---|---|\n";
	for (const Layout &l : kLayouts) {
		if (!l.generic)
			continue;
		std::string rd = cell(l.read), wr = cell(l.write);
		if (l.pass) {
			rd = "passed through to the plugin";
			wr = "passed through";
		}
		if (l.rest) {
			rd += ", then the function's read args";
			wr = wr.empty() ? "the function's write args" : wr;
		}
		t += "| `" + std::string(l.name) + "` | " +
		     (rd.empty() ? "none" : rd) + " | " +
		     (wr.empty() ? "none" : wr) + " |\n";
	}
	return t;
}

} // namespace

TEST(Layout, DocsShowTheTable)
{
	std::ifstream f(VACCEL_TEST_SOURCE_DIR "/../docs/api.md");
	ASSERT_TRUE(f.good());
	std::string doc((std::istreambuf_iterator<char>(f)), {});
	const std::string table = render();
	EXPECT_NE(doc.find(table), std::string::npos)
		<< "docs/api.md, \"genop argument layouts\", should read:\n"
		<< table;
}

TEST(Layout, EveryOperationIdHasItsRowNamedAfterIt)
{
	ASSERT_EQ(kLayouts.size(), (size_t)VACCEL_OP_MAX);
	for (size_t i = 0; i < kLayouts.size(); ++i)
		EXPECT_EQ(std::string("VACCEL_OP_") + kLayouts[i].name,
			  vaccel_op_type_to_str((vaccel_op_type_t)i));
}

// Every generic row is what genop takes: a call with args of the row's
// types and sizes (one element each; exec's library and symbol real) gets
// past the decoding, and one arg short, or one of another type, does not.
class LayoutGenop : public vtest::Runtime {};

TEST_F(LayoutGenop, TakesEachRowAndRefusesItsMisfits)
{
	ASSERT_EQ(vtest::boot({"noop"}), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	for (size_t i = 0; i < kLayouts.size(); ++i) {
		const Layout &l = kLayouts[i];
		if (!l.generic || l.pass || l.rest)
			continue;
		SCOPED_TRACE(l.name);
		uint8_t op = (uint8_t)i;
		// Big enough for any one element; sgemm with m = n = k = 1.
		alignas(8) static unsigned char bytes[16][16];
		std::vector<vaccel_arg> rd{{&op, 1, VACCEL_ARG_UINT8, 0, false}};
		std::vector<vaccel_arg> wr;
		auto make = [&](const Slot &sl, size_t k) {
			std::memset(bytes[k], 0, sizeof bytes[k]);
			size_t e = vaccel::ops::elem_size(sl.type);
			vaccel_arg_type_t t = sl.type == VACCEL_ARG_MAX
						      ? VACCEL_ARG_FLOAT64
						      : sl.type;
			// Counts and dimensions of 1 (an untyped int reads 1 too).
			if (t == VACCEL_ARG_INT64 || t == VACCEL_ARG_INT32 ||
			    sl.type == VACCEL_ARG_MAX) {
				int64_t one = 1;
				std::memcpy(bytes[k], &one, 8);
			}
			return vaccel_arg{bytes[k], e ? e : 8, t, 0, false};
		};
		size_t k = 0;
		for (const Slot &sl : l.read)
			rd.push_back(make(sl, k++));
		for (const Slot &sl : l.write)
			wr.push_back(make(sl, k++));
		EXPECT_EQ(vaccel_genop(&s, rd.data(), (int)rd.size(), wr.data(),
				       (int)wr.size()),
			  VACCEL_OK);
		if (!l.read.empty()) {
			EXPECT_EQ(vaccel_genop(&s, rd.data(), (int)rd.size() - 1,
					       wr.data(), (int)wr.size()),
				  VACCEL_EINVAL);
			if (l.read.back().type != VACCEL_ARG_MAX) {
				rd.back().type = VACCEL_ARG_CUSTOM;
				EXPECT_EQ(vaccel_genop(&s, rd.data(),
						       (int)rd.size(), wr.data(),
						       (int)wr.size()),
					  VACCEL_EINVAL);
			}
		}
	}
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
}
