// SPDX-License-Identifier: Apache-2.0
// The C++ API (vaccel.hpp) against the noop and exec plugins: exact
// results, error codes, ownership and moved-from objects.
#include "support.hpp"

#include <vaccel.hpp>

#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using vtest::boot;

namespace {

// ---- compile-time properties ------------------------------------------

// C++ types -> VACCEL_ARG_* types.
static_assert(vaccel::arg_type_v<std::int8_t> == VACCEL_ARG_INT8);
static_assert(vaccel::arg_type_v<signed char> == VACCEL_ARG_INT8);
static_assert(vaccel::arg_type_v<char> == VACCEL_ARG_CHAR);
static_assert(vaccel::arg_type_v<unsigned char> == VACCEL_ARG_UINT8);
static_assert(vaccel::arg_type_v<std::uint8_t> == VACCEL_ARG_UINT8);
static_assert(vaccel::arg_type_v<std::int16_t> == VACCEL_ARG_INT16);
static_assert(vaccel::arg_type_v<std::uint16_t> == VACCEL_ARG_UINT16);
static_assert(vaccel::arg_type_v<std::int32_t> == VACCEL_ARG_INT32);
static_assert(vaccel::arg_type_v<const std::int32_t> == VACCEL_ARG_INT32);
static_assert(vaccel::arg_type_v<std::uint32_t> == VACCEL_ARG_UINT32);
static_assert(vaccel::arg_type_v<std::int64_t> == VACCEL_ARG_INT64);
static_assert(vaccel::arg_type_v<std::uint64_t> == VACCEL_ARG_UINT64);
static_assert(vaccel::arg_type_v<long> == VACCEL_ARG_INT64);
static_assert(vaccel::arg_type_v<long long> == VACCEL_ARG_INT64);
static_assert(vaccel::arg_type_v<unsigned long long> == VACCEL_ARG_UINT64);
static_assert(vaccel::arg_type_v<std::size_t> == VACCEL_ARG_UINT64);
static_assert(vaccel::arg_type_v<float> == VACCEL_ARG_FLOAT32);
static_assert(vaccel::arg_type_v<double> == VACCEL_ARG_FLOAT64);
static_assert(vaccel::arg_type_v<bool> == VACCEL_ARG_BOOL);
static_assert(vaccel::arg_array_type_v<std::int8_t> == VACCEL_ARG_INT8_ARRAY);
static_assert(vaccel::arg_array_type_v<char> == VACCEL_ARG_CHAR_ARRAY);
static_assert(vaccel::arg_array_type_v<float> == VACCEL_ARG_FLOAT32_ARRAY);
static_assert(vaccel::arg_array_type_v<double> == VACCEL_ARG_FLOAT64_ARRAY);
static_assert(!vaccel::is_arg_v<std::string>);
static_assert(!vaccel::is_arg_v<long double>);
static_assert(!vaccel::is_arg_v<wchar_t>);
static_assert(!vaccel::is_arg_v<void *>);
static_assert(!vaccel::is_arg_v<std::byte>);

// Temporaries cannot be borrowed; lvalues can.
template <class T, class = void> struct can_add : std::false_type {};
template <class T>
struct can_add<T, std::void_t<decltype(std::declval<vaccel::ArgList &>().add(
			  std::declval<T>()))>> : std::true_type {};
static_assert(can_add<int &>::value);
static_assert(can_add<const int &>::value);
static_assert(can_add<std::vector<float> &>::value);
static_assert(can_add<std::span<float>>::value);
static_assert(!can_add<int>::value);
static_assert(!can_add<std::vector<float>>::value);
static_assert(!can_add<std::string &>::value);

// Ownership: move-only, nothrow moves.
template <class T> constexpr bool move_only_v =
	!std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> &&
	std::is_nothrow_move_constructible_v<T> &&
	std::is_nothrow_move_assignable_v<T>;
static_assert(move_only_v<vaccel::Session>);
static_assert(move_only_v<vaccel::Resource>);
static_assert(move_only_v<vaccel::ArgList>);
static_assert(move_only_v<vaccel::ProfRegion>);
static_assert(!std::is_move_constructible_v<vaccel::ProfRegion::Scope>);
static_assert(std::is_base_of_v<std::runtime_error, vaccel::Error>);

// ---- helpers ------------------------------------------------------------

struct Caught {
	bool thrown = false;
	int code = 0;
	std::string what;
	std::string message;
};

// Run @p f and report the vaccel::Error it throws, if any.
template <class F> Caught caught(F &&f)
{
	Caught c;
	try {
		f();
	} catch (const vaccel::Error &e) {
		c.thrown = true;
		c.code = e.code();
		c.what = e.what();
		c.message = e.message();
	}
	return c;
}

// The code of the vaccel::Error @p f throws; 0 if it does not throw.
template <class F> int code_of(F &&f)
{
	return caught(std::forward<F>(f)).code;
}

std::string testlib()
{
	return vtest::lib("vaccel-test-lib");
}

std::vector<std::byte> read_file(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::vector<char> chars((std::istreambuf_iterator<char>(in)),
				std::istreambuf_iterator<char>());
	std::vector<std::byte> bytes(chars.size());
	std::memcpy(bytes.data(), chars.data(), chars.size());
	return bytes;
}

// What noop's sgemm leaves in element (i, j) of C.
float noop_sgemm(std::int64_t i, std::int64_t j, float alpha, float beta,
		 float old)
{
	return alpha * static_cast<float>(i + j) + beta * old;
}

bool session_live(vaccel_id_t id)
{
	vaccel_session *s = nullptr;
	return vaccel_session_get_by_id(&s, id) == VACCEL_OK;
}

bool resource_live(vaccel_id_t id)
{
	vaccel_resource *r = nullptr;
	return vaccel_resource_get_by_id(&r, id) == VACCEL_OK;
}

} // namespace

// ---- Error -------------------------------------------------------------------

TEST(CppError, CarriesTheCodeAndAReadableMessage)
{
	vaccel::Error e(VACCEL_EINVAL, "vaccel_sgemm");
	EXPECT_EQ(e.code(), VACCEL_EINVAL);
	EXPECT_STREQ(e.what(), "vaccel_sgemm: Invalid argument (22)");
}

TEST(CppError, CheckThrowsOnlyOnNonZero)
{
	EXPECT_NO_THROW(vaccel::check(VACCEL_OK, "vaccel_noop"));
	Caught c = caught([] { vaccel::check(VACCEL_ENOENT, "vaccel_resource_init"); });
	EXPECT_TRUE(c.thrown);
	EXPECT_EQ(c.code, VACCEL_ENOENT);
	EXPECT_EQ(c.what.rfind("vaccel_resource_init: No such file or directory (2)", 0), 0u)
		<< c.what;
	// Catchable as a standard exception.
	EXPECT_THROW(vaccel::check(VACCEL_EIO, "x"), std::runtime_error);
}

// ---- Session -----------------------------------------------------------------

class CppSession : public vtest::Runtime {};

TEST_F(CppSession, StartsWithItsHintAndIsLive)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s(VACCEL_PLUGIN_DEBUG);
	vaccel::Session plain;
	EXPECT_GT(s.id(), 0);
	EXPECT_GT(plain.id(), s.id());
	EXPECT_EQ(s.hint(), static_cast<std::uint32_t>(VACCEL_PLUGIN_DEBUG));
	EXPECT_EQ(plain.hint(), 0u);
	EXPECT_TRUE(static_cast<bool>(s));
	vaccel_session *found = nullptr;
	ASSERT_EQ(vaccel_session_get_by_id(&found, s.id()), VACCEL_OK);
	EXPECT_EQ(found, s.get());
	EXPECT_NO_THROW(s.noop());
}

TEST_F(CppSession, DestructorReleases)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel_id_t id = 0;
	{
		vaccel::Session s;
		id = s.id();
		ASSERT_TRUE(session_live(id));
	}
	vaccel_session *found = nullptr;
	EXPECT_EQ(vaccel_session_get_by_id(&found, id), VACCEL_ENOENT);
}

TEST_F(CppSession, ExplicitReleaseLeavesItInert)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	vaccel_id_t id = s.id();
	EXPECT_NO_THROW(s.release());
	EXPECT_FALSE(session_live(id));
	EXPECT_EQ(s.id(), 0);
	EXPECT_EQ(s.get(), nullptr);
	EXPECT_FALSE(static_cast<bool>(s));
	EXPECT_NO_THROW(s.release()); // a second release does nothing
	EXPECT_EQ(code_of([&] { s.noop(); }), VACCEL_EINVAL);
}

TEST_F(CppSession, MoveConstructionKeepsTheSameSessionAndEmptiesTheSource)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session a(VACCEL_PLUGIN_CPU);
	const vaccel_id_t id = a.id();
	vaccel_session *raw = a.get();
	vaccel::Session b(std::move(a));
	// The C struct did not move: the runtime still finds it.
	EXPECT_EQ(b.get(), raw);
	EXPECT_EQ(b.id(), id);
	EXPECT_EQ(b.hint(), static_cast<std::uint32_t>(VACCEL_PLUGIN_CPU));
	vaccel_session *found = nullptr;
	ASSERT_EQ(vaccel_session_get_by_id(&found, id), VACCEL_OK);
	EXPECT_EQ(found, raw);
	EXPECT_NO_THROW(b.noop());
	// The source is inert.
	EXPECT_EQ(a.id(), 0); // NOLINT(bugprone-use-after-move)
	EXPECT_EQ(a.hint(), 0u);
	EXPECT_EQ(a.get(), nullptr);
	EXPECT_FALSE(static_cast<bool>(a));
	EXPECT_EQ(code_of([&] { a.noop(); }), VACCEL_EINVAL);
	float x = 0;
	EXPECT_EQ(code_of([&] { a.sgemm(1, 1, 1, 1, &x, 1, &x, 1, 0, &x, 1); }),
		  VACCEL_EINVAL);
	EXPECT_NO_THROW(a.release());
}

TEST_F(CppSession, MoveAssignmentReleasesTheTarget)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session a, b;
	const vaccel_id_t aid = a.id(), bid = b.id();
	b = std::move(a);
	EXPECT_FALSE(session_live(bid));
	EXPECT_TRUE(session_live(aid));
	EXPECT_EQ(b.id(), aid);
	EXPECT_EQ(a.id(), 0); // NOLINT(bugprone-use-after-move)
	// Into an inert object, and back.
	a = std::move(b);
	EXPECT_EQ(a.id(), aid);
	EXPECT_EQ(b.id(), 0); // NOLINT(bugprone-use-after-move)
	EXPECT_NO_THROW(a.noop());
	EXPECT_TRUE(session_live(aid));
}

TEST_F(CppSession, OperationWithoutAPluginThrowsENOTSUP)
{
	ASSERT_EQ(boot({}), VACCEL_OK);
	vaccel::Session s;
	Caught c = caught([&] { s.noop(); });
	EXPECT_EQ(c.code, VACCEL_ENOTSUP);
	// The code, then why, as the runtime logged it.
	const std::string why = "VACCEL_OP_NOOP: no loaded plugin implements it "
				"(VACCEL_PLUGINS)";
	EXPECT_EQ(c.message, why);
	EXPECT_EQ(c.what, "vaccel_noop: " +
				  std::generic_category().message(ENOTSUP) + " (" +
				  std::to_string(ENOTSUP) + "): " + why);
	// Taken by the error: the next one says only its own.
	EXPECT_STREQ(vaccel_error_message(), "");
	float a = 1, b = 1, out = 0;
	EXPECT_EQ(code_of([&] { s.sgemm(1, 1, 1, 1, &a, 1, &b, 1, 0, &out, 1); }),
		  VACCEL_ENOTSUP);
	const char img[] = "img";
	EXPECT_EQ(code_of([&] { s.classify(img, sizeof img); }), VACCEL_ENOTSUP);
	vaccel::ArgList r, w;
	EXPECT_EQ(code_of([&] { s.exec(testlib(), "mytestfunc", r, w); }),
		  VACCEL_ENOTSUP);
}

TEST_F(CppSession, ObjectsOutliveACleanupHarmlessly)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	vaccel::Resource r(testlib(), VACCEL_RESOURCE_LIB);
	r.register_with(s);
	const vaccel_id_t sid = s.id(), rid = r.id();
	// The runtime releases everything; the objects only hold dead structs.
	ASSERT_EQ(vaccel_cleanup(), VACCEL_OK);
	EXPECT_FALSE(session_live(sid));
	EXPECT_FALSE(resource_live(rid));
	EXPECT_EQ(code_of([&] { s.noop(); }), VACCEL_EINVAL);
	EXPECT_EQ(code_of([&] { r.release(); }), VACCEL_EINVAL);
	EXPECT_FALSE(static_cast<bool>(r));
	// s is destroyed after the cleanup: its release is refused quietly.
}

// ---- sgemm ---------------------------------------------------------------------

class CppSgemm : public vtest::Runtime {};

TEST_F(CppSgemm, RawPointersWriteTheNoopResult)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	constexpr std::int64_t m = 2, n = 3, k = 4, lda = 4, ldb = 3, ldc = 5;
	const float alpha = 2.0F, beta = 0.5F;
	std::vector<float> a(m * lda, 1.0F), b(k * ldb, 1.0F), c(m * ldc);
	for (std::size_t i = 0; i < c.size(); ++i)
		c[i] = static_cast<float>(i + 1);
	const std::vector<float> old = c;
	s.sgemm(m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
	for (std::int64_t i = 0; i < m; ++i)
		for (std::int64_t j = 0; j < ldc; ++j) {
			const std::size_t at = static_cast<std::size_t>(i * ldc + j);
			if (j < n)
				EXPECT_EQ(c[at], noop_sgemm(i, j, alpha, beta, old[at]))
					<< i << "," << j;
			else
				EXPECT_EQ(c[at], old[at]) << "padding " << i << "," << j;
		}
}

TEST_F(CppSgemm, SpansOfTheExactSizeNeeded)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	constexpr std::int64_t m = 3, n = 2, k = 2, lda = 2, ldb = 2, ldc = 4;
	const float alpha = -1.5F, beta = 2.0F;
	// (rows - 1) * ld + cols: the last row needs no padding.
	std::vector<float> a((m - 1) * lda + k), b((k - 1) * ldb + n);
	std::vector<float> c((m - 1) * ldc + n, 3.0F);
	const std::vector<float> old = c;
	s.sgemm(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
	for (std::int64_t i = 0; i < m; ++i)
		for (std::int64_t j = 0; j < n; ++j) {
			const std::size_t at = static_cast<std::size_t>(i * ldc + j);
			EXPECT_EQ(c[at], noop_sgemm(i, j, alpha, beta, old[at]));
		}
	// Empty matrices are fine.
	std::vector<float> none;
	EXPECT_NO_THROW(s.sgemm(0, 0, 0, alpha, none, 1, none, 1, beta, none, 1));
}

TEST_F(CppSgemm, SpanTooSmallThrowsEINVALBeforeCalling)
{
	// No plugin: a call that reached the runtime would throw ENOTSUP.
	ASSERT_EQ(boot({}), VACCEL_OK);
	vaccel::Session s;
	constexpr std::int64_t m = 2, n = 3, k = 4;
	std::vector<float> a(m * k), b(k * n), c(m * n, 7.0F);
	std::vector<float> short_a(m * k - 1), short_b(k * n - 1), short_c(m * n - 1, 7.0F);

	Caught ca = caught([&] { s.sgemm(m, n, k, 1, short_a, k, b, n, 0, c, n); });
	EXPECT_EQ(ca.code, VACCEL_EINVAL);
	EXPECT_NE(ca.what.find("span a holds 7 floats, 8 needed"), std::string::npos)
		<< ca.what;
	EXPECT_EQ(code_of([&] { s.sgemm(m, n, k, 1, a, k, short_b, n, 0, c, n); }),
		  VACCEL_EINVAL);
	EXPECT_EQ(code_of([&] { s.sgemm(m, n, k, 1, a, k, b, n, 0, short_c, n); }),
		  VACCEL_EINVAL);
	for (float x : short_c)
		EXPECT_EQ(x, 7.0F);
	// A leading dimension larger than the row needs more room.
	EXPECT_EQ(code_of([&] { s.sgemm(m, n, k, 1, a, k + 1, b, n, 0, c, n); }),
		  VACCEL_EINVAL);
	// Negative sizes, and sizes whose product overflows.
	EXPECT_EQ(code_of([&] { s.sgemm(-1, n, k, 1, a, k, b, n, 0, c, n); }),
		  VACCEL_EINVAL);
	EXPECT_EQ(code_of([&] {
			  s.sgemm(INT64_MAX, n, k, 1, a, INT64_MAX, b, n, 0, c, n);
		  }),
		  VACCEL_EINVAL);
	// Big enough: the call goes through, to find no plugin.
	EXPECT_EQ(code_of([&] { s.sgemm(m, n, k, 1, a, k, b, n, 0, c, n); }),
		  VACCEL_ENOTSUP);
}

TEST_F(CppSgemm, RuntimeRefusalCarriesItsCode)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	float a[4] = {}, b[4] = {}, c[4] = {};
	// ldc shorter than a row of C.
	Caught e = caught([&] { s.sgemm(2, 2, 2, 1, a, 2, b, 2, 0, c, 1); });
	EXPECT_EQ(e.code, VACCEL_EINVAL);
	EXPECT_EQ(e.what, "vaccel_sgemm: Invalid argument (22): " + e.message);
	EXPECT_NE(e.message.find("leading dimension"), std::string::npos);
}

// ---- classify ------------------------------------------------------------------

class CppClassify : public vtest::Runtime {};

TEST_F(CppClassify, ReturnsTheNoopTagAndImageName)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	std::vector<std::byte> image(64, std::byte{0x42});
	vaccel::ClassifyResult r = s.classify(image);
	EXPECT_EQ(r.tag, "This is a dummy classification tag!");
	EXPECT_EQ(r.image_name, "This is a dummy imgname!");

	const char raw[] = "not really a png";
	r = s.classify(raw, sizeof raw);
	EXPECT_EQ(r.tag, "This is a dummy classification tag!");
	EXPECT_EQ(r.image_name, "This is a dummy imgname!");
}

TEST_F(CppClassify, TruncatesToMaxLen)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	const char raw[] = "image";
	vaccel::ClassifyResult r = s.classify(raw, sizeof raw, 5);
	EXPECT_EQ(r.tag, "This");
	EXPECT_EQ(r.image_name, "This");
}

TEST_F(CppClassify, EmptyImageOrNoRoomThrowsEINVAL)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	const char raw[] = "image";
	EXPECT_EQ(code_of([&] { s.classify(raw, 0); }), VACCEL_EINVAL);
	EXPECT_EQ(code_of([&] { s.classify(std::span<const std::byte>{}); }),
		  VACCEL_EINVAL);
	EXPECT_EQ(code_of([&] { s.classify(raw, sizeof raw, 0); }), VACCEL_EINVAL);
}

// ---- ArgList ---------------------------------------------------------------------

class CppArgList : public vtest::Runtime {};

TEST_F(CppArgList, StartsEmpty)
{
	vaccel::ArgList l;
	EXPECT_EQ(l.size(), 0u);
	EXPECT_TRUE(l.empty());
	EXPECT_EQ(l.data(), nullptr);
	EXPECT_EQ(vaccel_arg_array_count(l.get()), 0u);
}

TEST_F(CppArgList, MapsScalarTypesAndBorrowsThem)
{
	std::int8_t i8 = -8;
	signed char sc = -9;
	char ch = 'c';
	unsigned char uc = 200;
	std::uint8_t u8 = 201;
	std::int16_t i16 = -16;
	std::uint16_t u16 = 16;
	std::int32_t i32 = -32;
	std::uint32_t u32 = 32;
	std::int64_t i64 = -64;
	std::uint64_t u64 = 64;
	long long ll = -65;
	float f = 1.5F;
	double d = 2.5;
	bool yes = true;
	unsigned char uchar = 'u';
	const std::int32_t constant = 99;

	vaccel::ArgList l;
	l.add(i8).add(sc).add(ch).add(uc).add(u8).add(i16).add(u16).add(i32);
	l.add(u32).add(i64).add(u64).add(ll).add(f).add(d).add(yes);
	l.add_uchar(uchar).add(constant);

	struct Want {
		const void *buf;
		std::size_t size;
		vaccel_arg_type_t type;
	};
	const Want want[] = {
		{&i8, 1, VACCEL_ARG_INT8},      {&sc, 1, VACCEL_ARG_INT8},
		{&ch, 1, VACCEL_ARG_CHAR},      {&uc, 1, VACCEL_ARG_UINT8},
		{&u8, 1, VACCEL_ARG_UINT8},     {&i16, 2, VACCEL_ARG_INT16},
		{&u16, 2, VACCEL_ARG_UINT16},   {&i32, 4, VACCEL_ARG_INT32},
		{&u32, 4, VACCEL_ARG_UINT32},   {&i64, 8, VACCEL_ARG_INT64},
		{&u64, 8, VACCEL_ARG_UINT64},   {&ll, 8, VACCEL_ARG_INT64},
		{&f, 4, VACCEL_ARG_FLOAT32},    {&d, 8, VACCEL_ARG_FLOAT64},
		{&yes, sizeof(bool), VACCEL_ARG_BOOL},
		{&uchar, 1, VACCEL_ARG_UCHAR},  {&constant, 4, VACCEL_ARG_INT32},
	};
	ASSERT_EQ(l.size(), std::size(want));
	for (std::size_t i = 0; i < l.size(); ++i) {
		SCOPED_TRACE(i);
		EXPECT_EQ(l[i].buf, want[i].buf);
		EXPECT_EQ(l[i].size, want[i].size);
		EXPECT_EQ(l[i].type, want[i].type);
		EXPECT_FALSE(l[i].owned);
	}

	// The C getters read the borrowed variables as they are now.
	i32 = 1234;
	vaccel_arg_array_set_position(l.get(), 7);
	std::int32_t got = 0;
	ASSERT_EQ(vaccel_arg_array_get_int32(l.get(), &got), VACCEL_OK);
	EXPECT_EQ(got, 1234);
}

TEST_F(CppArgList, ArraysVectorsAndSpans)
{
	float fa[3] = {1, 2, 3};
	std::vector<std::int32_t> iv = {4, 5, 6, 7};
	const std::vector<double> dv = {8.0, 9.0};
	std::vector<double> dspan = {10.0};
	unsigned char ua[2] = {1, 2};
	char text[4] = {'a', 'b', 'c', 'd'};

	vaccel::ArgList l;
	l.add_array(fa, 3).add(iv).add(dv).add(std::span<double>(dspan));
	l.add_uchar_array(ua, 2).add(std::span<char>(text));

	ASSERT_EQ(l.size(), 6u);
	EXPECT_EQ(l[0].type, VACCEL_ARG_FLOAT32_ARRAY);
	EXPECT_EQ(l[0].buf, fa);
	EXPECT_EQ(l[0].size, 3 * sizeof(float));
	EXPECT_EQ(l[1].type, VACCEL_ARG_INT32_ARRAY);
	EXPECT_EQ(l[1].buf, iv.data());
	EXPECT_EQ(l[1].size, 4 * sizeof(std::int32_t));
	EXPECT_EQ(l[2].type, VACCEL_ARG_FLOAT64_ARRAY);
	EXPECT_EQ(l[2].buf, dv.data());
	EXPECT_EQ(l[2].size, 2 * sizeof(double));
	EXPECT_EQ(l[3].type, VACCEL_ARG_FLOAT64_ARRAY);
	EXPECT_EQ(l[3].buf, dspan.data());
	EXPECT_EQ(l[4].type, VACCEL_ARG_UCHAR_ARRAY);
	EXPECT_EQ(l[4].size, 2u);
	EXPECT_EQ(l[5].type, VACCEL_ARG_CHAR_ARRAY);
	EXPECT_EQ(l[5].buf, text);
	EXPECT_EQ(l[5].size, 4u);

	// Read back through the C API: the same memory.
	std::int32_t *vals = nullptr;
	std::size_t count = 0;
	vaccel_arg_array_set_position(l.get(), 1);
	ASSERT_EQ(vaccel_arg_array_get_int32_array(l.get(), &vals, &count),
		  VACCEL_OK);
	EXPECT_EQ(vals, iv.data());
	EXPECT_EQ(count, 4u);
}

TEST_F(CppArgList, StringsAndBuffers)
{
	char mutable_str[] = "hello";
	std::string s = "world!";
	std::vector<std::byte> bytes(5, std::byte{1});
	int raw[2] = {};

	vaccel::ArgList l;
	l.add_string(mutable_str).add_string("literal").add_string(s);
	l.add_buffer(raw, sizeof raw).add_buffer(std::span<std::byte>(bytes));
	l.add_buffer(std::span<const std::byte>(bytes));

	ASSERT_EQ(l.size(), 6u);
	EXPECT_EQ(l[0].type, VACCEL_ARG_STRING);
	EXPECT_EQ(l[0].buf, mutable_str);
	EXPECT_EQ(l[0].size, sizeof mutable_str);
	EXPECT_EQ(l[1].type, VACCEL_ARG_STRING);
	EXPECT_STREQ(static_cast<const char *>(l[1].buf), "literal");
	EXPECT_EQ(l[1].size, 8u);
	EXPECT_EQ(l[2].buf, s.data());
	EXPECT_EQ(l[2].size, s.size() + 1);
	EXPECT_EQ(l[3].type, VACCEL_ARG_BUFFER);
	EXPECT_EQ(l[3].buf, raw);
	EXPECT_EQ(l[3].size, sizeof raw);
	EXPECT_EQ(l[4].type, VACCEL_ARG_BUFFER);
	EXPECT_EQ(l[4].buf, bytes.data());
	EXPECT_EQ(l[4].size, 5u);
	EXPECT_EQ(l[5].buf, bytes.data());

	char *got = nullptr;
	vaccel_arg_array_set_position(l.get(), 2);
	ASSERT_EQ(vaccel_arg_array_get_string(l.get(), &got), VACCEL_OK);
	EXPECT_EQ(got, s.data());
}

TEST_F(CppArgList, CopiesOwnTheirData)
{
	std::int32_t x = 7;
	std::string name = "copied string";
	vaccel::ArgList l;
	l.add_copy(x).add_copy(2.25).add_copy(std::uint16_t{9});
	l.add_string_copy(std::string_view(name).substr(0, 6));
	l.add_op(VACCEL_OP_BLAS_SGEMM);
	x = 8;
	name.assign(name.size(), '#');

	ASSERT_EQ(l.size(), 5u);
	for (std::size_t i = 0; i < l.size(); ++i)
		EXPECT_TRUE(l[i].owned) << i;
	EXPECT_NE(l[0].buf, &x);
	EXPECT_EQ(l[0].type, VACCEL_ARG_INT32);
	EXPECT_EQ(*static_cast<const std::int32_t *>(l[0].buf), 7);
	EXPECT_EQ(l[1].type, VACCEL_ARG_FLOAT64);
	EXPECT_EQ(*static_cast<const double *>(l[1].buf), 2.25);
	EXPECT_EQ(l[2].type, VACCEL_ARG_UINT16);
	EXPECT_EQ(l[2].size, 2u);
	EXPECT_EQ(l[3].type, VACCEL_ARG_STRING);
	EXPECT_EQ(l[3].size, 7u);
	EXPECT_STREQ(static_cast<const char *>(l[3].buf), "copied");
	EXPECT_EQ(l[4].type, VACCEL_ARG_UINT8);
	EXPECT_EQ(*static_cast<const std::uint8_t *>(l[4].buf),
		  static_cast<std::uint8_t>(VACCEL_OP_BLAS_SGEMM));
}

TEST_F(CppArgList, BadInputThrows)
{
	vaccel::ArgList l;
	EXPECT_EQ(code_of([&] { l.add_string(static_cast<char *>(nullptr)); }),
		  VACCEL_EINVAL);
	EXPECT_EQ(code_of([&] { l.add_buffer(static_cast<void *>(nullptr), 4); }),
		  VACCEL_EINVAL);
	EXPECT_EQ(code_of([&] { l.add_array(static_cast<float *>(nullptr), 3); }),
		  VACCEL_EINVAL);
	EXPECT_EQ(l.size(), 0u);
	EXPECT_EQ(code_of([&] { (void)l.at(0); }), VACCEL_ERANGE);
	// Empty arrays and buffers are refused, as by the C API (and
	// upstream's).
	float f = 1.0F;
	std::vector<float> none;
	EXPECT_EQ(code_of([&] { l.add_array(static_cast<float *>(nullptr), 0); }),
		  VACCEL_EINVAL);
	EXPECT_EQ(code_of([&] { l.add_array(&f, 0); }), VACCEL_EINVAL);
	EXPECT_EQ(code_of([&] { l.add(none); }), VACCEL_EINVAL);
	EXPECT_EQ(code_of([&] { l.add_buffer(static_cast<void *>(&f), 0); }),
		  VACCEL_EINVAL);
	EXPECT_EQ(l.size(), 0u);
	// The owned copies of add_copy() and add_string_copy(), even of "".
	l.add_copy(f).add_string_copy("");
	ASSERT_EQ(l.size(), 2u);
	EXPECT_EQ(l[1].size, 1u);
	EXPECT_STREQ(static_cast<const char *>(l[1].buf), "");
}

TEST_F(CppArgList, GrowsPastItsInitialCapacity)
{
	std::vector<std::int32_t> values(100);
	vaccel::ArgList l(2);
	for (auto &v : values)
		l.add(v);
	ASSERT_EQ(l.size(), values.size());
	for (std::size_t i = 0; i < values.size(); ++i)
		EXPECT_EQ(l[i].buf, &values[i]);
}

TEST_F(CppArgList, MovedFromIsEmptyAndReusable)
{
	std::int32_t x = 1, y = 2;
	vaccel::ArgList a;
	a.add(x).add_copy(5);
	vaccel::ArgList b(std::move(a));
	EXPECT_EQ(b.size(), 2u);
	EXPECT_EQ(b[0].buf, &x);
	EXPECT_EQ(a.size(), 0u); // NOLINT(bugprone-use-after-move)
	EXPECT_EQ(a.data(), nullptr);
	a.add(y);
	EXPECT_EQ(a.size(), 1u);
	EXPECT_EQ(a[0].buf, &y);

	// Assignment frees the target's copies (the leak checker would see).
	vaccel::ArgList c;
	c.add_copy(1.0).add_string_copy("owned");
	c = std::move(b);
	EXPECT_EQ(c.size(), 2u);
	EXPECT_EQ(c[0].buf, &x);
	EXPECT_EQ(b.size(), 0u); // NOLINT(bugprone-use-after-move)
}

TEST_F(CppArgList, ClearDropsTheArgs)
{
	std::int32_t x = 1;
	vaccel::ArgList l;
	l.add(x).add_copy(2).add_string_copy("three");
	l.clear();
	EXPECT_TRUE(l.empty());
	l.add(x);
	EXPECT_EQ(l.size(), 1u);
	EXPECT_EQ(l[0].buf, &x);
}

// ---- exec -------------------------------------------------------------------------

class CppExec : public vtest::Runtime {};

TEST_F(CppExec, DoublesThroughTheBorrowedVariables)
{
	ASSERT_EQ(boot({"exec"}), VACCEL_OK);
	vaccel::Session s;
	std::int32_t in = 21, out = 0;
	vaccel::ArgList read, write;
	read.add(in);
	write.add(out);
	s.exec(testlib(), "mytestfunc", read, write);
	EXPECT_EQ(out, 42);
	// Same lists, new input: the args point at the variables.
	in = -5;
	s.exec(testlib().c_str(), "mytestfunc", read, write);
	EXPECT_EQ(out, -10);
}

TEST_F(CppExec, FunctionFailureIsThrownWithItsCode)
{
	ASSERT_EQ(boot({"exec"}), VACCEL_OK);
	vaccel::Session s;
	vaccel::ArgList read, write;
	Caught c = caught([&] { s.exec(testlib(), "always_fails", read, write); });
	EXPECT_EQ(c.code, VACCEL_EREMOTEIO);
	EXPECT_EQ(c.what, "vaccel_exec: Remote I/O error (121)");
	// mytestfunc refuses an int64 where it wants an int32.
	std::int64_t wide = 1;
	std::int32_t out = 0;
	read.add(wide);
	write.add(out);
	EXPECT_EQ(code_of([&] { s.exec(testlib(), "mytestfunc", read, write); }),
		  VACCEL_EINVAL);
}

TEST_F(CppExec, MissingLibraryOrSymbolIsENOENT)
{
	ASSERT_EQ(boot({"exec"}), VACCEL_OK);
	vaccel::Session s;
	vaccel::ArgList read, write;
	EXPECT_EQ(code_of([&] {
			  s.exec(vtest::lib("no-such-library"), "mytestfunc", read, write);
		  }),
		  VACCEL_ENOENT);
	EXPECT_EQ(code_of([&] { s.exec(testlib(), "no_such_symbol", read, write); }),
		  VACCEL_ENOENT);
	EXPECT_EQ(code_of([&] { s.exec(testlib(), "", read, write); }),
		  VACCEL_EINVAL);
}

TEST_F(CppExec, SumsFloatArraysFromSpansAndVectors)
{
	ASSERT_EQ(boot({"exec"}), VACCEL_OK);
	vaccel::Session s;
	std::vector<float> x = {1, 2, 3}, y = {10, 20, 30}, sum(3, -1.0F);
	const std::vector<float> z = {100, 200, 300};
	vaccel::ArgList read, write;
	read.add(std::span<float>(x)).add(y).add(z);
	write.add(sum);
	s.exec(testlib(), "sum_arrays", read, write);
	EXPECT_EQ(sum, (std::vector<float>{111, 222, 333}));
}

TEST_F(CppExec, WithARegisteredLibraryResource)
{
	ASSERT_EQ(boot({"exec"}), VACCEL_OK);
	vaccel::Session s;
	vaccel::Resource lib(testlib(), VACCEL_RESOURCE_LIB);
	std::int32_t in = 50, out = 0;
	vaccel::ArgList read, write;
	read.add(in);
	write.add(out);
	// Not registered yet: refused.
	EXPECT_EQ(code_of([&] { s.exec(lib, "mytestfunc", read, write); }),
		  VACCEL_EPERM);
	lib.register_with(s);
	s.exec(lib, "mytestfunc", read, write);
	EXPECT_EQ(out, 100);
	EXPECT_EQ(code_of([&] { s.exec(lib, std::string("always_fails"), read, write); }),
		  VACCEL_EREMOTEIO);
}

TEST_F(CppExec, WithALibraryResourceFromBytes)
{
	ASSERT_EQ(boot({"exec"}), VACCEL_OK);
	const std::vector<std::byte> image = read_file(testlib());
	ASSERT_FALSE(image.empty());
	vaccel::Session s;
	vaccel::Resource lib = vaccel::Resource::from_bytes(
		image, VACCEL_RESOURCE_LIB, "libvaccel-test-lib.so");
	EXPECT_EQ(lib.get()->nr_paths, 0u); // memory only
	lib.register_with(s);
	std::int32_t in = 7, out = 0;
	vaccel::ArgList read, write;
	read.add(in);
	write.add(out);
	s.exec(lib, "mytestfunc", read, write);
	EXPECT_EQ(out, 14);
}

TEST_F(CppExec, NoopPluginEchoesTheInput)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	std::uint32_t in = 0xC0FFEE, out = 0;
	vaccel::ArgList read, write;
	read.add(in);
	write.add(out);
	s.exec("/nowhere/lib.so", "anything", read, write);
	EXPECT_EQ(out, 0xC0FFEEu);
	EXPECT_EQ(in, 0xC0FFEEu);
}

// ---- Resource ----------------------------------------------------------------------

class CppResource : public vtest::Runtime {};

TEST_F(CppResource, MissingPathThrowsENOENT)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	Caught c = caught([] {
		vaccel::Resource r("/nonexistent/libnothing.so", VACCEL_RESOURCE_LIB);
	});
	EXPECT_EQ(c.code, VACCEL_ENOENT);
	EXPECT_EQ(c.what.rfind("vaccel_resource_init: No such file or directory (2)", 0), 0u)
		<< c.what;
	EXPECT_EQ(code_of([] { vaccel::Resource r("", VACCEL_RESOURCE_LIB); }),
		  VACCEL_EINVAL);
}

TEST_F(CppResource, RegistersAndUnregisters)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Resource r(testlib(), VACCEL_RESOURCE_LIB);
	EXPECT_GT(r.id(), 0);
	EXPECT_EQ(r.type(), VACCEL_RESOURCE_LIB);
	EXPECT_EQ(r.refcount(), 0);
	ASSERT_NE(r.get(), nullptr);
	EXPECT_EQ(r.get()->nr_blobs, 1u);

	vaccel::Session s1, s2;
	EXPECT_FALSE(s1.has(r));
	r.register_with(s1);
	r.register_with(s2);
	EXPECT_TRUE(s1.has(r));
	EXPECT_EQ(r.refcount(), 2);
	EXPECT_EQ(code_of([&] { r.register_with(s1); }), VACCEL_EEXIST);

	r.unregister_from(s1);
	EXPECT_FALSE(s1.has(r));
	EXPECT_TRUE(s2.has(r));
	EXPECT_EQ(r.refcount(), 1);
	EXPECT_EQ(code_of([&] { r.unregister_from(s1); }), VACCEL_ENOENT);
}

TEST_F(CppResource, FromSeveralPaths)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	const std::string one = testlib(), two = vtest::plugin("noop");
	vaccel::Resource listed({one.c_str(), two.c_str()}, VACCEL_RESOURCE_DATA);
	EXPECT_EQ(listed.get()->nr_blobs, 2u);
	EXPECT_EQ(listed.get()->nr_paths, 2u);
	EXPECT_STREQ(listed.get()->paths[1], two.c_str());
	EXPECT_EQ(listed.type(), VACCEL_RESOURCE_DATA);

	const std::vector<std::string> paths = {two, one, one};
	vaccel::Resource vec(paths, VACCEL_RESOURCE_MODEL);
	EXPECT_EQ(vec.get()->nr_blobs, 3u);
	EXPECT_STREQ(vec.get()->paths[0], two.c_str());

	EXPECT_EQ(code_of([&] {
			  vaccel::Resource r({one.c_str(), "/nonexistent/file"},
					     VACCEL_RESOURCE_DATA);
		  }),
		  VACCEL_ENOENT);
	EXPECT_EQ(code_of([] {
			  vaccel::Resource r(std::vector<std::string>{},
					     VACCEL_RESOURCE_DATA);
		  }),
		  VACCEL_EINVAL);
}

TEST_F(CppResource, FromADirectory)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Resource dir(std::string(VACCEL_TEST_SOURCE_DIR) + "/lib",
			     VACCEL_RESOURCE_DATA);
	EXPECT_EQ(dir.get()->path_type, VACCEL_PATH_LOCAL_DIR);
	EXPECT_GE(dir.get()->nr_blobs, 1u);
}

TEST_F(CppResource, FromBytesIsACopyKeptInMemory)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	std::vector<std::byte> data = {std::byte{1}, std::byte{2}, std::byte{3}};
	vaccel::Resource r = vaccel::Resource::from_bytes(data, VACCEL_RESOURCE_DATA,
							  "blob.bin");
	data[0] = std::byte{0xFF};
	ASSERT_EQ(r.get()->nr_blobs, 1u);
	const vaccel_blob *b = r.get()->blobs[0];
	ASSERT_EQ(b->size, 3u);
	EXPECT_EQ(b->data[0], 1);
	EXPECT_EQ(b->data[2], 3);
	EXPECT_STREQ(b->name, "blob.bin");
	EXPECT_EQ(b->path, nullptr);
	EXPECT_EQ(r.get()->paths, nullptr);
	EXPECT_EQ(r.get()->rundir, nullptr);

	const char text[] = "model";
	vaccel::Resource raw = vaccel::Resource::from_bytes(text, sizeof text,
							    VACCEL_RESOURCE_MODEL);
	EXPECT_EQ(raw.type(), VACCEL_RESOURCE_MODEL);
	EXPECT_EQ(raw.get()->blobs[0]->size, sizeof text);

	EXPECT_EQ(code_of([&] {
			  vaccel::Resource::from_bytes(text, 0, VACCEL_RESOURCE_DATA);
		  }),
		  VACCEL_EINVAL);
	EXPECT_EQ(code_of([&] {
			  vaccel::Resource::from_bytes(text, sizeof text,
						       VACCEL_RESOURCE_DATA, "a/b");
		  }),
		  VACCEL_EINVAL);
}

TEST_F(CppResource, DestructorReleasesAndUnregisters)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	vaccel_id_t id = 0;
	{
		vaccel::Resource r(testlib(), VACCEL_RESOURCE_LIB);
		r.register_with(s);
		id = r.id();
		ASSERT_TRUE(resource_live(id));
	}
	vaccel_resource *found = nullptr;
	EXPECT_EQ(vaccel_resource_get_by_id(&found, id), VACCEL_ENOENT);
	EXPECT_EQ(vaccel_session_resource_by_id(s.get(), &found, id), VACCEL_ENOENT);
}

TEST_F(CppResource, OutlivesTheSessionItWasRegisteredWith)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Resource r(testlib(), VACCEL_RESOURCE_LIB);
	{
		vaccel::Session s;
		r.register_with(s);
		EXPECT_EQ(r.refcount(), 1);
	}
	EXPECT_EQ(r.refcount(), 0);
	vaccel::Session again;
	r.register_with(again);
	EXPECT_TRUE(again.has(r));
}

TEST_F(CppResource, MovesKeepTheSameResourceAndEmptyTheSource)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	vaccel::Resource a(testlib(), VACCEL_RESOURCE_LIB);
	const vaccel_id_t id = a.id();
	vaccel_resource *raw = a.get();
	a.register_with(s);

	vaccel::Resource b(std::move(a));
	EXPECT_EQ(b.get(), raw);
	EXPECT_EQ(b.id(), id);
	EXPECT_TRUE(s.has(b));
	// NOLINTBEGIN(bugprone-use-after-move)
	EXPECT_EQ(a.id(), 0);
	EXPECT_EQ(a.get(), nullptr);
	EXPECT_EQ(a.type(), VACCEL_RESOURCE_MAX);
	EXPECT_EQ(a.refcount(), -1);
	EXPECT_FALSE(static_cast<bool>(a));
	EXPECT_FALSE(s.has(a));
	EXPECT_EQ(code_of([&] { a.register_with(s); }), VACCEL_EINVAL);
	EXPECT_EQ(code_of([&] { a.unregister_from(s); }), VACCEL_EINVAL);
	// NOLINTEND(bugprone-use-after-move)

	// Assignment releases the target's resource.
	vaccel::Resource c(vtest::plugin("noop"), VACCEL_RESOURCE_DATA);
	const vaccel_id_t cid = c.id();
	c = std::move(b);
	EXPECT_FALSE(resource_live(cid));
	EXPECT_EQ(c.id(), id);
	EXPECT_TRUE(s.has(c));

	// A moved-from session cannot take registrations.
	vaccel::Session moved(std::move(s));
	EXPECT_EQ(code_of([&] { c.unregister_from(s); }), VACCEL_EINVAL);
	EXPECT_NO_THROW(c.unregister_from(moved));
}

TEST_F(CppResource, ExplicitRelease)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Resource r(testlib(), VACCEL_RESOURCE_LIB);
	const vaccel_id_t id = r.id();
	EXPECT_NO_THROW(r.release());
	EXPECT_FALSE(resource_live(id));
	EXPECT_EQ(r.id(), 0);
	EXPECT_NO_THROW(r.release());
}

// ---- genop ----------------------------------------------------------------------

class CppGenop : public vtest::Runtime {};

TEST_F(CppGenop, Noop)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	vaccel::ArgList read, write;
	read.add_op(VACCEL_OP_NOOP);
	EXPECT_NO_THROW(s.genop(read, write));
}

TEST_F(CppGenop, SgemmWritesTheNoopResult)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	std::int64_t m = 2, n = 2, k = 3, lda = 3, ldb = 2, ldc = 3;
	float alpha = 3.0F, beta = -1.0F;
	std::vector<float> a(m * lda, 1.0F), b(k * ldb, 1.0F), c(m * ldc, 4.0F);
	const std::vector<float> old = c;
	vaccel::ArgList read, write;
	read.add_op(VACCEL_OP_BLAS_SGEMM).add(m).add(n).add(k).add(alpha);
	read.add(a).add(lda).add(b).add(ldb).add(beta).add(ldc);
	write.add(c);
	s.genop(read, write);
	for (std::int64_t i = 0; i < m; ++i)
		for (std::int64_t j = 0; j < ldc; ++j) {
			const std::size_t at = static_cast<std::size_t>(i * ldc + j);
			EXPECT_EQ(c[at], j < n ? noop_sgemm(i, j, alpha, beta, old[at])
					       : old[at]);
		}
	// C too small for what the dimensions claim.
	std::vector<float> small(3);
	vaccel::ArgList write_small;
	write_small.add(small);
	EXPECT_EQ(code_of([&] { s.genop(read, write_small); }), VACCEL_EINVAL);
}

TEST_F(CppGenop, ExecDoubles)
{
	ASSERT_EQ(boot({"exec"}), VACCEL_OK);
	vaccel::Session s;
	std::int32_t in = 33, out = 0;
	vaccel::ArgList read, write;
	read.add_op(VACCEL_OP_EXEC)
		.add_string_copy(testlib())
		.add_string_copy("mytestfunc")
		.add(in);
	write.add(out);
	s.genop(read, write);
	EXPECT_EQ(out, 66);
}

TEST_F(CppGenop, BadRequestsThrow)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	vaccel::Session s;
	vaccel::ArgList empty, write;
	EXPECT_EQ(code_of([&] { s.genop(empty, write); }), VACCEL_EINVAL);

	vaccel::ArgList unknown;
	unknown.add_copy(std::uint8_t{200});
	EXPECT_EQ(code_of([&] { s.genop(unknown, write); }), VACCEL_ENOTSUP);

	vaccel::ArgList model;
	model.add_op(VACCEL_OP_TF_MODEL_LOAD);
	EXPECT_EQ(code_of([&] { s.genop(model, write); }), VACCEL_ENOTSUP);

	// The operation must be a UINT8.
	vaccel::ArgList wrong_type;
	wrong_type.add_copy(std::int32_t{VACCEL_OP_NOOP});
	EXPECT_EQ(code_of([&] { s.genop(wrong_type, write); }), VACCEL_EINVAL);

	// noop takes no arguments.
	std::int32_t extra = 0;
	vaccel::ArgList too_many;
	too_many.add_op(VACCEL_OP_NOOP).add(extra);
	EXPECT_EQ(code_of([&] { s.genop(too_many, write); }), VACCEL_EINVAL);
}

// ---- ProfRegion ----------------------------------------------------------------

class CppProf : public vtest::Runtime {};

TEST_F(CppProf, ScopeRecordsOneSamplePerScopeWhenEnabled)
{
	ASSERT_EQ(boot({"noop"}, VACCEL_LOG_ERROR, true), VACCEL_OK);
	ASSERT_TRUE(vaccel::ProfRegion::enabled());
	std::string name = "cpp-region";
	vaccel::ProfRegion region(name);
	name[0] = 'X';
	EXPECT_STREQ(region.name(), "cpp-region"); // a copy
	for (int i = 0; i < 3; ++i) {
		auto timed = region.scope();
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
	EXPECT_EQ(region.count(), 3u);
	EXPECT_GE(region.total_ns(), 3'000'000u);
	std::uint64_t sum = 0;
	for (const vaccel_prof_sample &smp : region.samples()) {
		EXPECT_GT(smp.time, 0u);
		sum += smp.time;
	}
	EXPECT_EQ(sum, region.total_ns());

	region.start();
	region.stop();
	EXPECT_EQ(region.count(), 4u);

	testing::internal::CaptureStdout();
	region.print();
	const std::string printed = testing::internal::GetCapturedStdout();
	EXPECT_EQ(printed.rfind("[prof] cpp-region: total_time: ", 0), 0u) << printed;
	EXPECT_NE(printed.find("nr_entries: 4"), std::string::npos) << printed;
	vaccel::ProfRegion::enable(false);
}

TEST_F(CppProf, RecordsNothingWhenDisabled)
{
	ASSERT_EQ(boot({"noop"}), VACCEL_OK);
	ASSERT_FALSE(vaccel::ProfRegion::enabled());
	vaccel::ProfRegion region("quiet");
	{
		auto timed = region.scope();
	}
	region.start();
	region.stop();
	EXPECT_EQ(region.count(), 0u);
	EXPECT_EQ(region.total_ns(), 0u);
	// Enabled at run time.
	vaccel::ProfRegion::enable(true);
	{
		auto timed = region.scope();
	}
	EXPECT_EQ(region.count(), 1u);
	vaccel::ProfRegion::enable(false);
}

TEST_F(CppProf, MovesTakeTheSamples)
{
	ASSERT_EQ(boot({"noop"}, VACCEL_LOG_ERROR, true), VACCEL_OK);
	vaccel::ProfRegion a("moving");
	{
		auto timed = a.scope();
	}
	vaccel::ProfRegion b(std::move(a));
	EXPECT_EQ(b.count(), 1u);
	EXPECT_STREQ(b.name(), "moving");
	// NOLINTBEGIN(bugprone-use-after-move)
	EXPECT_EQ(a.count(), 0u);
	EXPECT_EQ(a.name(), nullptr);
	EXPECT_EQ(code_of([&] { a.print(); }), VACCEL_EINVAL);
	// NOLINTEND(bugprone-use-after-move)

	vaccel::ProfRegion c("target");
	{
		auto timed = c.scope();
	}
	c = std::move(b);
	EXPECT_STREQ(c.name(), "moving");
	EXPECT_EQ(c.count(), 1u);
	EXPECT_EQ(code_of([] { vaccel::ProfRegion bad(static_cast<const char *>(nullptr)); }),
		  VACCEL_EINVAL);
	vaccel::ProfRegion::enable(false);
}
