// SPDX-License-Identifier: Apache-2.0
// Typed arguments: single args, arg arrays and every add/get/set family.
#include <vaccel.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

namespace {

// The number of numeric types the X-macro lists; every one is tested below.
#define ARG_COUNT_(NAME, CTYPE, TYPE, ARRAY_TYPE) +1
constexpr int kNumericTypes = 0 VACCEL_ARG_NUMERIC_TYPES(ARG_COUNT_);
static_assert(kNumericTypes == 13, "a numeric arg type is not tested");
#undef ARG_COUNT_

// One traits class per numeric type, generated from the same X-macro as the
// API, so a type added there is added here too.
#define ARG_TRAITS_(NAME, CTYPE, TYPE, ARRAY_TYPE)                             \
	struct Traits_##NAME {                                                 \
		using T = CTYPE;                                               \
		static constexpr vaccel_arg_type_t type = TYPE;                \
		static constexpr vaccel_arg_type_t array_type = ARRAY_TYPE;    \
		static constexpr const char *name = #NAME;                     \
		static int add(vaccel_arg_array *a, T *v)                      \
		{                                                              \
			return vaccel_arg_array_add_##NAME(a, v);              \
		}                                                              \
		static int add_array(vaccel_arg_array *a, T *v, size_t n)      \
		{                                                              \
			return vaccel_arg_array_add_##NAME##_array(a, v, n);   \
		}                                                              \
		static int get(vaccel_arg_array *a, T *v)                      \
		{                                                              \
			return vaccel_arg_array_get_##NAME(a, v);              \
		}                                                              \
		static int get_array(vaccel_arg_array *a, T **v, size_t *n)    \
		{                                                              \
			return vaccel_arg_array_get_##NAME##_array(a, v, n);   \
		}                                                              \
		static int set(vaccel_arg_array *a, T *v)                      \
		{                                                              \
			return vaccel_arg_array_set_##NAME(a, v);              \
		}                                                              \
		static int set_array(vaccel_arg_array *a, T *v, size_t n)      \
		{                                                              \
			return vaccel_arg_array_set_##NAME##_array(a, v, n);   \
		}                                                              \
	};
VACCEL_ARG_NUMERIC_TYPES(ARG_TRAITS_)
#undef ARG_TRAITS_

template <class... Ts> struct TypeList {};
template <class L> struct DropFirst;
template <class First, class... Ts> struct DropFirst<TypeList<First, Ts...>> {
	using type = ::testing::Types<Ts...>;
};
#define ARG_TRAITS_NAME_(NAME, CTYPE, TYPE, ARRAY_TYPE) , Traits_##NAME
using NumericTypes = DropFirst<
	TypeList<void VACCEL_ARG_NUMERIC_TYPES(ARG_TRAITS_NAME_)>>::type;
#undef ARG_TRAITS_NAME_

struct TraitsName {
	template <class Tr> static std::string GetName(int)
	{
		return Tr::name;
	}
};

// Distinct sample values of T (i = 0, 1, 2 ...); bools alternate.
template <class T> T sample(int i)
{
	if constexpr (std::is_same_v<T, bool>)
		return i % 2 == 0;
	else
		return static_cast<T>(i * 3 + 1);
}

template <class T> bool same_bytes(const T &a, const T &b)
{
	return memcmp(&a, &b, sizeof(T)) == 0;
}

// A serializer that copies the bytes as they are (add_serialized and
// set_serialized need one).
int copy_ser(const void *data, size_t size, uint32_t, void **buf,
	     size_t *out)
{
	if (!data || !size)
		return VACCEL_EINVAL;
	*buf = malloc(size);
	if (!*buf)
		return VACCEL_ENOMEM;
	memcpy(*buf, data, size);
	*out = size;
	return VACCEL_OK;
}

// An array built with vaccel_arg_array_init() and released at scope end.
struct Array {
	vaccel_arg_array a{};
	explicit Array(size_t cap = 0)
	{
		EXPECT_EQ(vaccel_arg_array_init(&a, cap), VACCEL_OK);
	}
	~Array()
	{
		EXPECT_EQ(vaccel_arg_array_release(&a), VACCEL_OK);
	}
	Array(const Array &) = delete;
	Array &operator=(const Array &) = delete;
	vaccel_arg_array *operator&()
	{
		return &a;
	}
	vaccel_arg_array *operator->()
	{
		return &a;
	}
};

} // namespace

/* ---- every numeric type -------------------------------------------------- */

template <class Tr> class ArgNumeric : public ::testing::Test {};
TYPED_TEST_SUITE(ArgNumeric, NumericTypes, TraitsName);

TYPED_TEST(ArgNumeric, AddBorrowsAndGetReturnsTheValues)
{
	using Tr = TypeParam;
	using T = typename Tr::T;
	T v0 = sample<T>(0);
	T vmax = std::numeric_limits<T>::max();
	T vmin = std::numeric_limits<T>::lowest();
	Array arr(1);
	ASSERT_EQ(Tr::add(&arr, &v0), VACCEL_OK);
	ASSERT_EQ(Tr::add(&arr, &vmax), VACCEL_OK);
	ASSERT_EQ(Tr::add(&arr, &vmin), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_count(&arr), 3u);
	for (size_t i = 0; i < 3; ++i) {
		const vaccel_arg &g = arr->args[i];
		EXPECT_EQ(g.type, Tr::type);
		EXPECT_EQ(g.size, sizeof(T));
		EXPECT_FALSE(g.owned);
		EXPECT_EQ(g.custom_type_id, 0u);
	}
	EXPECT_EQ(arr->args[0].buf, &v0);
	EXPECT_EQ(arr->args[1].buf, &vmax);
	EXPECT_EQ(arr->args[2].buf, &vmin);

	T out{};
	ASSERT_EQ(Tr::get(&arr, &out), VACCEL_OK);
	EXPECT_TRUE(same_bytes(out, v0));
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	ASSERT_EQ(Tr::get(&arr, &out), VACCEL_OK);
	EXPECT_TRUE(same_bytes(out, vmax));
	ASSERT_EQ(Tr::get(&arr, &out), VACCEL_OK);
	EXPECT_TRUE(same_bytes(out, vmin));
	EXPECT_EQ(vaccel_arg_array_position(&arr), 3u);

	// Past the end: ERANGE, nothing written, position kept.
	T untouched = sample<T>(5);
	T before = untouched;
	EXPECT_EQ(Tr::get(&arr, &untouched), VACCEL_ERANGE);
	EXPECT_TRUE(same_bytes(untouched, before));
	EXPECT_EQ(vaccel_arg_array_position(&arr), 3u);
	T *vals = nullptr;
	size_t n = 99;
	EXPECT_EQ(Tr::get_array(&arr, &vals, &n), VACCEL_ERANGE);
	EXPECT_EQ(vals, nullptr);
	EXPECT_EQ(n, 99u);
	EXPECT_EQ(Tr::set(&arr, &v0), VACCEL_ERANGE);
	EXPECT_EQ(Tr::set_array(&arr, &v0, 1), VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 3u);
}

TYPED_TEST(ArgNumeric, ArrayAddGetPointsAtTheCallersElements)
{
	using Tr = TypeParam;
	using T = typename Tr::T;
	T vals[5];
	for (int i = 0; i < 5; ++i)
		vals[i] = sample<T>(i);
	Array arr;
	ASSERT_EQ(Tr::add_array(&arr, vals, 5), VACCEL_OK);
	// No elements, with or without a pointer: refused, as upstream.
	EXPECT_EQ(Tr::add_array(&arr, nullptr, 0), VACCEL_EINVAL);
	EXPECT_EQ(Tr::add_array(&arr, vals, 0), VACCEL_EINVAL);
	ASSERT_EQ(Tr::add_array(&arr, vals + 1, 2), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_count(&arr), 2u);
	EXPECT_EQ(arr->args[0].type, Tr::array_type);
	EXPECT_EQ(arr->args[0].size, 5 * sizeof(T));
	EXPECT_EQ(arr->args[0].buf, vals);
	EXPECT_FALSE(arr->args[0].owned);

	T *got = nullptr;
	size_t n = 0;
	ASSERT_EQ(Tr::get_array(&arr, &got, &n), VACCEL_OK);
	EXPECT_EQ(got, vals);
	EXPECT_EQ(n, 5u);
	for (int i = 0; i < 5; ++i) {
		T expected = sample<T>(i);
		EXPECT_TRUE(same_bytes(got[i], expected)) << i;
	}
	// count is optional.
	ASSERT_EQ(Tr::get_array(&arr, &got, nullptr), VACCEL_OK);
	EXPECT_EQ(got, vals + 1);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 2u);

	// An empty array arg (made by hand) is refused by get and set, and
	// the position stays.
	vaccel_arg empty[2] = {{nullptr, 0, Tr::array_type, 0, false},
			       {vals, 0, Tr::array_type, 0, false}};
	vaccel_arg_array w{};
	ASSERT_EQ(vaccel_arg_array_wrap(&w, empty, 2), VACCEL_OK);
	for (size_t i = 0; i < 2; ++i) {
		vaccel_arg_array_set_position(&w, i);
		got = nullptr;
		n = 99;
		EXPECT_EQ(Tr::get_array(&w, &got, &n), VACCEL_EINVAL) << i;
		EXPECT_EQ(got, nullptr);
		EXPECT_EQ(n, 99u);
		EXPECT_EQ(Tr::set_array(&w, vals, 0), VACCEL_EINVAL) << i;
		EXPECT_EQ(vaccel_arg_array_position(&w), i);
	}
}

TYPED_TEST(ArgNumeric, SetWritesIntoTheCallersBuffers)
{
	using Tr = TypeParam;
	using T = typename Tr::T;
	T slot = sample<T>(7);
	T slots[4];
	for (int i = 0; i < 4; ++i)
		slots[i] = sample<T>(10 + i);
	Array arr;
	ASSERT_EQ(Tr::add(&arr, &slot), VACCEL_OK);
	ASSERT_EQ(Tr::add_array(&arr, slots, 4), VACCEL_OK);
	ASSERT_EQ(Tr::add_array(&arr, slots, 2), VACCEL_OK);

	T v = sample<T>(2);
	ASSERT_EQ(Tr::set(&arr, &v), VACCEL_OK);
	EXPECT_TRUE(same_bytes(slot, v));
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);

	// Fewer elements than the capacity: only those are written.
	T in[3] = {sample<T>(1), sample<T>(0), sample<T>(1)};
	ASSERT_EQ(Tr::set_array(&arr, in, 3), VACCEL_OK);
	for (int i = 0; i < 3; ++i)
		EXPECT_TRUE(same_bytes(slots[i], in[i])) << i;
	T last = sample<T>(13);
	EXPECT_TRUE(same_bytes(slots[3], last));
	EXPECT_EQ(vaccel_arg_array_position(&arr), 2u);

	// More elements than the capacity of 2: EINVAL, as upstream, and
	// nothing written.
	T before0 = slots[0], before1 = slots[1];
	T big[3] = {sample<T>(20), sample<T>(21), sample<T>(22)};
	EXPECT_EQ(Tr::set_array(&arr, big, 3), VACCEL_EINVAL);
	EXPECT_TRUE(same_bytes(slots[0], before0));
	EXPECT_TRUE(same_bytes(slots[1], before1));
	EXPECT_EQ(vaccel_arg_array_position(&arr), 2u);
	ASSERT_EQ(Tr::set_array(&arr, big, 2), VACCEL_OK);
	EXPECT_TRUE(same_bytes(slots[0], big[0]));
	EXPECT_TRUE(same_bytes(slots[1], big[1]));
	EXPECT_EQ(vaccel_arg_array_position(&arr), 3u);
}

TYPED_TEST(ArgNumeric, TypeMismatchIsRefusedAndPositionKept)
{
	using Tr = TypeParam;
	using T = typename Tr::T;
	T v = sample<T>(1);
	T vals[2] = {sample<T>(2), sample<T>(3)};
	uint8_t raw[sizeof(T)] = {};
	Array arr;
	ASSERT_EQ(Tr::add_array(&arr, vals, 2), VACCEL_OK);
	ASSERT_EQ(Tr::add(&arr, &v), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_raw(&arr, raw, sizeof raw), VACCEL_OK);

	// Scalar get/set on an array arg.
	T out = sample<T>(9), keep = out;
	EXPECT_EQ(Tr::get(&arr, &out), VACCEL_EINVAL);
	EXPECT_EQ(Tr::set(&arr, &v), VACCEL_EINVAL);
	EXPECT_TRUE(same_bytes(out, keep));
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
	T *got = nullptr;
	ASSERT_EQ(Tr::get_array(&arr, &got, nullptr), VACCEL_OK);
	EXPECT_EQ(got, vals);

	// Array get/set on a scalar arg.
	got = nullptr;
	EXPECT_EQ(Tr::get_array(&arr, &got, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(got, nullptr);
	EXPECT_EQ(Tr::set_array(&arr, vals, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	ASSERT_EQ(Tr::get(&arr, &out), VACCEL_OK);

	// Neither on a RAW arg of the same size.
	EXPECT_EQ(Tr::get(&arr, &out), VACCEL_EINVAL);
	EXPECT_EQ(Tr::get_array(&arr, &got, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(Tr::set(&arr, &v), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 2u);
}

TYPED_TEST(ArgNumeric, WrongSizeOrNullBufferIsRefused)
{
	using Tr = TypeParam;
	using T = typename Tr::T;
	uint8_t bytes[2 * sizeof(T) + 1] = {};
	vaccel_arg args[4]{};
	// A scalar whose size is not sizeof(T).
	ASSERT_EQ(vaccel_arg_init_from_buf(&args[0], bytes, sizeof(T) + 1,
					   Tr::type, 0),
		  VACCEL_OK);
	// A NULL buffer with a size.
	args[1] = vaccel_arg{nullptr, sizeof(T), Tr::type, 0, false};
	args[2] = vaccel_arg{nullptr, sizeof(T), Tr::array_type, 0, false};
	// An array whose size is not a multiple of sizeof(T) (when it can be).
	ASSERT_EQ(vaccel_arg_init_from_buf(&args[3], bytes, 2 * sizeof(T) + 1,
					   Tr::array_type, 0),
		  VACCEL_OK);
	vaccel_arg_array arr{};
	ASSERT_EQ(vaccel_arg_array_wrap(&arr, args, 4), VACCEL_OK);

	T out{}, v = sample<T>(0);
	T *got = nullptr;
	EXPECT_EQ(Tr::get(&arr, &out), VACCEL_EINVAL);
	EXPECT_EQ(Tr::set(&arr, &v), VACCEL_EINVAL);
	vaccel_arg_array_set_position(&arr, 1);
	EXPECT_EQ(Tr::get(&arr, &out), VACCEL_EINVAL);
	EXPECT_EQ(Tr::set(&arr, &v), VACCEL_EINVAL);
	vaccel_arg_array_set_position(&arr, 2);
	EXPECT_EQ(Tr::get_array(&arr, &got, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(Tr::set_array(&arr, &v, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 2u);
	vaccel_arg_array_set_position(&arr, 3);
	size_t n = 0;
	if (sizeof(T) > 1) {
		EXPECT_EQ(Tr::get_array(&arr, &got, &n), VACCEL_EINVAL);
		EXPECT_EQ(vaccel_arg_array_position(&arr), 3u);
	} else {
		ASSERT_EQ(Tr::get_array(&arr, &got, &n), VACCEL_OK);
		EXPECT_EQ(got, reinterpret_cast<T *>(bytes));
		EXPECT_EQ(n, 3u);
	}
	EXPECT_EQ(vaccel_arg_array_release(&arr), VACCEL_OK);
}

TYPED_TEST(ArgNumeric, NullPointersAreRefused)
{
	using Tr = TypeParam;
	using T = typename Tr::T;
	T v = sample<T>(0);
	T *got = nullptr;
	size_t n = 0;
	EXPECT_EQ(Tr::add(nullptr, &v), VACCEL_EINVAL);
	EXPECT_EQ(Tr::add_array(nullptr, &v, 1), VACCEL_EINVAL);
	EXPECT_EQ(Tr::get(nullptr, &v), VACCEL_EINVAL);
	EXPECT_EQ(Tr::get_array(nullptr, &got, &n), VACCEL_EINVAL);
	EXPECT_EQ(Tr::set(nullptr, &v), VACCEL_EINVAL);
	EXPECT_EQ(Tr::set_array(nullptr, &v, 1), VACCEL_EINVAL);

	Array arr;
	EXPECT_EQ(Tr::add(&arr, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(Tr::add_array(&arr, nullptr, 2), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 0u);
	// An empty array: nothing to read.
	EXPECT_EQ(Tr::get(&arr, &v), VACCEL_ERANGE);
	ASSERT_EQ(Tr::add(&arr, &v), VACCEL_OK);
	ASSERT_EQ(Tr::add_array(&arr, &v, 1), VACCEL_OK);
	EXPECT_EQ(Tr::get(&arr, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(Tr::set(&arr, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
	ASSERT_EQ(Tr::get(&arr, &v), VACCEL_OK);
	EXPECT_EQ(Tr::get_array(&arr, nullptr, &n), VACCEL_EINVAL);
	EXPECT_EQ(Tr::set_array(&arr, nullptr, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	// Zero elements: NULL is refused all the same; from a pointer,
	// nothing is copied and the arg is consumed.
	EXPECT_EQ(Tr::set_array(&arr, nullptr, 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	T keep = sample<T>(0);
	EXPECT_EQ(Tr::set_array(&arr, &keep, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 2u);
	EXPECT_TRUE(same_bytes(v, keep));
}

TYPED_TEST(ArgNumeric, ElementCountWhoseByteSizeOverflowsIsRefused)
{
	using Tr = TypeParam;
	using T = typename Tr::T;
	// For wider types count * sizeof(T) wraps around to 0; for 1-byte
	// types it cannot, and SIZE_MAX elements are simply too many.
	const size_t huge =
		sizeof(T) == 1 ? SIZE_MAX : SIZE_MAX / sizeof(T) + 1;
	T vals[2] = {sample<T>(1), sample<T>(2)};
	T slot[2] = {sample<T>(3), sample<T>(4)};
	Array arr;
	if (sizeof(T) > 1) {
		EXPECT_EQ(Tr::add_array(&arr, vals, huge), VACCEL_EINVAL);
		EXPECT_EQ(vaccel_arg_array_count(&arr), 0u);
	}
	ASSERT_EQ(Tr::add_array(&arr, slot, 2), VACCEL_OK);
	// More values than the slot holds: EINVAL, not a silent no-op.
	EXPECT_EQ(Tr::set_array(&arr, vals, huge), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
	T keep = sample<T>(3);
	EXPECT_TRUE(same_bytes(slot[0], keep));
}

/* ---- single args --------------------------------------------------------- */

TEST(ArgSingle, InitCopiesIntoAnOwnedBuffer)
{
	char src[] = "payload";
	vaccel_arg arg{};
	ASSERT_EQ(vaccel_arg_init(&arg, src, sizeof src, VACCEL_ARG_CUSTOM, 42),
		  VACCEL_OK);
	ASSERT_NE(arg.buf, nullptr);
	EXPECT_NE(arg.buf, static_cast<void *>(src));
	EXPECT_EQ(arg.size, sizeof src);
	EXPECT_EQ(arg.type, VACCEL_ARG_CUSTOM);
	EXPECT_EQ(arg.custom_type_id, 42u);
	EXPECT_TRUE(arg.owned);
	src[0] = 'X';
	EXPECT_STREQ(static_cast<char *>(arg.buf), "payload");
	ASSERT_EQ(vaccel_arg_release(&arg), VACCEL_OK);
	EXPECT_EQ(arg.buf, nullptr);
	EXPECT_EQ(arg.size, 0u);
	// No type after release, as upstream: VACCEL_ARG_MAX.
	EXPECT_EQ(arg.type, VACCEL_ARG_MAX);
	EXPECT_EQ(arg.custom_type_id, 0u);
	EXPECT_FALSE(arg.owned);
	// Releasing a cleared arg is harmless.
	EXPECT_EQ(vaccel_arg_release(&arg), VACCEL_OK);
	EXPECT_EQ(arg.type, VACCEL_ARG_MAX);
}

TEST(ArgSingle, InitOfNothingHasNoBuffer)
{
	vaccel_arg arg{};
	ASSERT_EQ(vaccel_arg_init(&arg, nullptr, 0, VACCEL_ARG_BUFFER, 0),
		  VACCEL_OK);
	EXPECT_EQ(arg.buf, nullptr);
	EXPECT_EQ(arg.size, 0u);
	EXPECT_EQ(arg.type, VACCEL_ARG_BUFFER);
	EXPECT_TRUE(arg.owned);
	EXPECT_EQ(vaccel_arg_release(&arg), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_init_from_buf(&arg, nullptr, 0, VACCEL_ARG_RAW, 0),
		  VACCEL_OK);
	EXPECT_EQ(arg.buf, nullptr);
	EXPECT_EQ(arg.size, 0u);
	EXPECT_FALSE(arg.owned);
	EXPECT_EQ(vaccel_arg_release(&arg), VACCEL_OK);
}

TEST(ArgSingle, InitWithoutABufferAllocatesZeroedBytes)
{
	// No buffer but a size: that many zeroed bytes the arg owns (an output
	// to fill), as upstream.
	vaccel_arg arg{};
	ASSERT_EQ(vaccel_arg_init(&arg, nullptr, 16, VACCEL_ARG_RAW, 0),
		  VACCEL_OK);
	ASSERT_NE(arg.buf, nullptr);
	EXPECT_EQ(arg.size, 16u);
	EXPECT_TRUE(arg.owned);
	const unsigned char zeros[16] = {};
	EXPECT_EQ(memcmp(arg.buf, zeros, sizeof zeros), 0);
	EXPECT_EQ(vaccel_arg_release(&arg), VACCEL_OK);

	vaccel_arg *p = nullptr;
	ASSERT_EQ(vaccel_arg_new(&p, nullptr, 4, VACCEL_ARG_INT32, 0),
		  VACCEL_OK);
	ASSERT_NE(p->buf, nullptr);
	EXPECT_EQ(*static_cast<int32_t *>(p->buf), 0);
	EXPECT_EQ(vaccel_arg_delete(p), VACCEL_OK);
}

TEST(ArgSingle, InitFromBufBorrows)
{
	int32_t v = 5;
	vaccel_arg arg{};
	ASSERT_EQ(vaccel_arg_init_from_buf(&arg, &v, sizeof v, VACCEL_ARG_INT32,
					   0),
		  VACCEL_OK);
	EXPECT_EQ(arg.buf, &v);
	EXPECT_EQ(arg.size, sizeof v);
	EXPECT_EQ(arg.type, VACCEL_ARG_INT32);
	EXPECT_FALSE(arg.owned);
	// Must not free the stack variable (ASan would report it).
	ASSERT_EQ(vaccel_arg_release(&arg), VACCEL_OK);
	EXPECT_EQ(arg.buf, nullptr);
	EXPECT_EQ(v, 5);
}

TEST(ArgSingle, NewFromBufDelete)
{
	double d = 2.5;
	vaccel_arg *a = nullptr;
	ASSERT_EQ(vaccel_arg_new(&a, &d, sizeof d, VACCEL_ARG_FLOAT64, 0),
		  VACCEL_OK);
	ASSERT_NE(a, nullptr);
	EXPECT_NE(a->buf, &d);
	EXPECT_TRUE(a->owned);
	EXPECT_EQ(*static_cast<double *>(a->buf), 2.5);
	EXPECT_EQ(vaccel_arg_delete(a), VACCEL_OK);

	vaccel_arg *b = nullptr;
	ASSERT_EQ(vaccel_arg_from_buf(&b, &d, sizeof d, VACCEL_ARG_FLOAT64, 3),
		  VACCEL_OK);
	ASSERT_NE(b, nullptr);
	EXPECT_EQ(b->buf, &d);
	EXPECT_FALSE(b->owned);
	EXPECT_EQ(b->custom_type_id, 3u);
	EXPECT_EQ(vaccel_arg_delete(b), VACCEL_OK);
}

TEST(ArgSingle, BadInput)
{
	int v = 1;
	vaccel_arg arg{};
	EXPECT_EQ(vaccel_arg_init(nullptr, &v, sizeof v, VACCEL_ARG_RAW, 0),
		  VACCEL_EINVAL);
	// A buffer of size 0: VACCEL_EINVAL, as upstream.
	EXPECT_EQ(vaccel_arg_init(&arg, &v, 0, VACCEL_ARG_RAW, 0),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_init(&arg, &v, sizeof v, VACCEL_ARG_MAX, 0),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_init_from_buf(nullptr, &v, sizeof v,
					   VACCEL_ARG_RAW, 0),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_init_from_buf(&arg, nullptr, 4, VACCEL_ARG_RAW, 0),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_init_from_buf(&arg, &v, 0, VACCEL_ARG_RAW, 0),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_init_from_buf(&arg, &v, sizeof v, VACCEL_ARG_MAX,
					   0),
		  VACCEL_EINVAL);
	// Nothing was written by the refused calls.
	EXPECT_EQ(arg.buf, nullptr);
	EXPECT_EQ(arg.size, 0u);
	EXPECT_EQ(vaccel_arg_release(nullptr), VACCEL_EINVAL);

	vaccel_arg *p = reinterpret_cast<vaccel_arg *>(0x1);
	EXPECT_EQ(vaccel_arg_new(nullptr, &v, sizeof v, VACCEL_ARG_RAW, 0),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_new(&p, &v, 0, VACCEL_ARG_RAW, 0),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_new(&p, &v, sizeof v, VACCEL_ARG_MAX, 0),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_from_buf(nullptr, &v, sizeof v, VACCEL_ARG_RAW, 0),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_from_buf(&p, nullptr, 4, VACCEL_ARG_RAW, 0),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_from_buf(&p, &v, 0, VACCEL_ARG_RAW, 0),
		  VACCEL_EINVAL);
	EXPECT_EQ(p, reinterpret_cast<vaccel_arg *>(0x1));
	EXPECT_EQ(vaccel_arg_delete(nullptr), VACCEL_EINVAL);
}

/* ---- arrays: lifetime, growth, wrapping ---------------------------------- */

TEST(ArgArray, InitNewReleaseDelete)
{
	vaccel_arg_array a{};
	ASSERT_EQ(vaccel_arg_array_init(&a, 3), VACCEL_OK);
	ASSERT_NE(a.args, nullptr);
	EXPECT_EQ(a.capacity, 3u);
	EXPECT_EQ(a.count, 0u);
	EXPECT_EQ(a.position, 0u);
	EXPECT_TRUE(a.owned);
	EXPECT_EQ(vaccel_arg_array_raw(&a), a.args);
	ASSERT_EQ(vaccel_arg_array_release(&a), VACCEL_OK);
	EXPECT_EQ(a.args, nullptr);
	EXPECT_EQ(a.capacity, 0u);
	EXPECT_FALSE(a.owned);

	// Capacity 0: the default capacity.
	ASSERT_EQ(vaccel_arg_array_init(&a, 0), VACCEL_OK);
	EXPECT_NE(a.args, nullptr);
	EXPECT_EQ(a.capacity, (size_t)VACCEL_ARG_ARRAY_CAPACITY_DEFAULT);
	EXPECT_EQ(a.capacity, 8u);
	EXPECT_TRUE(a.owned);
	ASSERT_EQ(vaccel_arg_array_release(&a), VACCEL_OK);

	vaccel_arg_array *p = nullptr;
	ASSERT_EQ(vaccel_arg_array_new(&p, 2), VACCEL_OK);
	ASSERT_NE(p, nullptr);
	EXPECT_EQ(p->capacity, 2u);
	EXPECT_TRUE(p->owned);
	int32_t v = 1;
	ASSERT_EQ(vaccel_arg_array_add_int32(p, &v), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_serialized(p, VACCEL_ARG_INT32, 0, &v,
						  sizeof v, copy_ser),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_delete(p), VACCEL_OK);

	EXPECT_EQ(vaccel_arg_array_init(nullptr, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_release(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_new(nullptr, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_delete(nullptr), VACCEL_EINVAL);
	vaccel_arg_array_clear(nullptr); // no crash
	// An owned array whose args are NULL, whatever its count says, holds
	// nothing to free (it crashed), and is left as it is, as upstream's.
	vaccel_arg_array empty{};
	empty.count = 5;
	empty.position = 2;
	empty.owned = true;
	vaccel_arg_array_clear(&empty);
	EXPECT_EQ(empty.count, 5u);
	EXPECT_EQ(empty.position, 2u);
}

TEST(ArgArray, GrowsBeyondItsInitialCapacity)
{
	int32_t vals[20];
	for (int i = 0; i < 20; ++i)
		vals[i] = i * i;
	Array arr(2);
	for (int i = 0; i < 20; ++i)
		ASSERT_EQ(vaccel_arg_array_add_int32(&arr, &vals[i]), VACCEL_OK)
			<< i;
	EXPECT_EQ(vaccel_arg_array_count(&arr), 20u);
	EXPECT_GE(arr->capacity, 20u);
	for (int i = 0; i < 20; ++i) {
		EXPECT_EQ(arr->args[i].buf, &vals[i]);
		int32_t out = -1;
		ASSERT_EQ(vaccel_arg_array_get_int32(&arr, &out), VACCEL_OK);
		EXPECT_EQ(out, i * i);
	}

	// From no storage at all.
	Array empty(0);
	ASSERT_EQ(vaccel_arg_array_add_int32(&empty, &vals[3]), VACCEL_OK);
	EXPECT_EQ(empty->count, 1u);
	EXPECT_GE(empty->capacity, 1u);
	int32_t out = 0;
	ASSERT_EQ(vaccel_arg_array_get_int32(&empty, &out), VACCEL_OK);
	EXPECT_EQ(out, 9);
}

TEST(ArgArray, WrappedArrayIsUsableButCannotGrow)
{
	int32_t in = 21, out = 0;
	char name[] = "hi";
	vaccel_arg args[3]{};
	ASSERT_EQ(vaccel_arg_init_from_buf(&args[0], &in, sizeof in,
					   VACCEL_ARG_INT32, 0),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_arg_init_from_buf(&args[1], name, sizeof name,
					   VACCEL_ARG_STRING, 0),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_arg_init(&args[2], &in, sizeof in, VACCEL_ARG_INT32,
				  0),
		  VACCEL_OK);
	vaccel_arg_array a{};
	ASSERT_EQ(vaccel_arg_array_wrap(&a, args, 3), VACCEL_OK);
	EXPECT_EQ(a.args, args);
	EXPECT_EQ(a.count, 3u);
	EXPECT_EQ(a.capacity, 3u);
	EXPECT_EQ(a.position, 0u);
	EXPECT_FALSE(a.owned);

	// A full wrapped array: VACCEL_ERANGE, as upstream.
	int32_t extra = 1;
	EXPECT_EQ(vaccel_arg_array_add_int32(&a, &extra), VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_add_raw(&a, &extra, sizeof extra),
		  VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_add_serialized(&a, VACCEL_ARG_INT32, 0,
						  &extra, sizeof extra,
						  copy_ser),
		  VACCEL_ERANGE); // and its copy is not leaked
	EXPECT_EQ(a.count, 3u);
	EXPECT_EQ(a.args, args);

	ASSERT_EQ(vaccel_arg_array_get_int32(&a, &out), VACCEL_OK);
	EXPECT_EQ(out, 21);
	char *s = nullptr;
	ASSERT_EQ(vaccel_arg_array_get_string(&a, &s), VACCEL_OK);
	EXPECT_EQ(s, name);
	int32_t set = 77;
	ASSERT_EQ(vaccel_arg_array_set_int32(&a, &set), VACCEL_OK);
	EXPECT_EQ(*static_cast<int32_t *>(args[2].buf), 77);
	EXPECT_EQ(in, 21); // args[2] holds a copy

	// clear only rewinds a wrapped array: its args belong to the caller.
	vaccel_arg_array_clear(&a);
	EXPECT_EQ(a.count, 3u);
	EXPECT_EQ(a.position, 0u);
	EXPECT_TRUE(args[2].owned);
	ASSERT_NE(args[2].buf, nullptr);
	EXPECT_EQ(*static_cast<int32_t *>(args[2].buf), 77);

	ASSERT_EQ(vaccel_arg_array_release(&a), VACCEL_OK);
	EXPECT_EQ(a.args, nullptr);
	EXPECT_EQ(a.count, 0u);
	// The caller's args are untouched by the release.
	EXPECT_EQ(args[0].buf, &in);
	EXPECT_EQ(args[1].buf, name);
	EXPECT_EQ(vaccel_arg_release(&args[2]), VACCEL_OK);

	EXPECT_EQ(vaccel_arg_array_wrap(nullptr, args, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_wrap(&a, nullptr, 2), VACCEL_EINVAL);
	ASSERT_EQ(vaccel_arg_array_wrap(&a, nullptr, 0), VACCEL_OK);
	EXPECT_EQ(a.count, 0u);
	EXPECT_EQ(vaccel_arg_array_add_int32(&a, &extra), VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_release(&a), VACCEL_OK);
}

TEST(ArgArray, ClearFreesOwnedDataAndKeepsStorage)
{
	Array arr(4);
	int64_t big = 1234567890123LL;
	int32_t small = 3;
	ASSERT_EQ(vaccel_arg_array_add_serialized(&arr, VACCEL_ARG_INT64, 0,
						  &big, sizeof big, copy_ser),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_int32(&arr, &small), VACCEL_OK);
	int32_t skip = 0;
	vaccel_arg_array_set_position(&arr, 1);
	ASSERT_EQ(vaccel_arg_array_get_int32(&arr, &skip), VACCEL_OK);
	vaccel_arg *storage = arr->args;

	vaccel_arg_array_clear(&arr);
	// Every arg is released, borrowed or owned, as upstream.
	for (int i = 0; i < 2; ++i) {
		EXPECT_EQ(storage[i].buf, nullptr) << i;
		EXPECT_EQ(storage[i].size, 0u) << i;
		EXPECT_EQ(storage[i].type, VACCEL_ARG_MAX) << i;
		EXPECT_FALSE(storage[i].owned) << i;
	}
	EXPECT_EQ(arr->count, 0u);
	EXPECT_EQ(arr->position, 0u);
	EXPECT_EQ(arr->capacity, 4u);
	EXPECT_EQ(arr->args, storage);
	EXPECT_TRUE(arr->owned);
	EXPECT_EQ(small, 3); // borrowed data untouched
	int64_t out = 0;
	EXPECT_EQ(vaccel_arg_array_get_int64(&arr, &out), VACCEL_ERANGE);

	// Usable again.
	ASSERT_EQ(vaccel_arg_array_add_int64(&arr, &big), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_get_int64(&arr, &out), VACCEL_OK);
	EXPECT_EQ(out, big);
}

/* ---- strings, buffers, raw ----------------------------------------------- */

TEST(ArgString, AddGetSet)
{
	char hello[] = "hello";
	char slot[8];
	memset(slot, '#', sizeof slot);
	Array arr;
	ASSERT_EQ(vaccel_arg_array_add_string(&arr, hello), VACCEL_OK);
	EXPECT_EQ(arr->args[0].type, VACCEL_ARG_STRING);
	EXPECT_EQ(arr->args[0].size, 6u);
	EXPECT_EQ(arr->args[0].buf, hello);
	EXPECT_FALSE(arr->args[0].owned);
	ASSERT_EQ(vaccel_arg_array_add_buffer(&arr, slot, sizeof slot),
		  VACCEL_OK);
	arr->args[1].type = VACCEL_ARG_STRING; // an output string slot

	char *got = nullptr;
	ASSERT_EQ(vaccel_arg_array_get_string(&arr, &got), VACCEL_OK);
	EXPECT_EQ(got, hello);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);

	// Too long for the 8-byte slot (9 bytes with the NUL).
	char too_long[] = "12345678";
	EXPECT_EQ(vaccel_arg_array_set_string(&arr, too_long), VACCEL_EINVAL);
	EXPECT_EQ(slot[0], '#');
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	char fits[] = "1234567";
	ASSERT_EQ(vaccel_arg_array_set_string(&arr, fits), VACCEL_OK);
	EXPECT_STREQ(slot, "1234567");
	EXPECT_EQ(vaccel_arg_array_position(&arr), 2u);
	EXPECT_EQ(vaccel_arg_array_get_string(&arr, &got), VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_set_string(&arr, fits), VACCEL_ERANGE);

	vaccel_arg_array_reset_position(&arr);
	ASSERT_EQ(vaccel_arg_array_get_string(&arr, &got), VACCEL_OK);
	char shorter[] = "ab";
	memset(slot, '#', sizeof slot);
	ASSERT_EQ(vaccel_arg_array_set_string(&arr, shorter), VACCEL_OK);
	// The rest of the slot is zeroed, as upstream (strncpy).
	EXPECT_EQ(memcmp(slot, "ab\0\0\0\0\0\0", 8), 0);
}

TEST(ArgString, MustBeNulTerminatedAtItsEnd)
{
	char unterminated[8] = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
	char inner[] = {'a', 'b', '\0', 'c', 'd'};
	char both[] = {'a', 'b', '\0', 'c', '\0'};
	// Made by hand: the adds refuse all but the last.
	vaccel_arg args[5] = {
		{unterminated, 3, VACCEL_ARG_STRING, 0, false},
		{unterminated, 0, VACCEL_ARG_STRING, 0, false},
		{nullptr, 0, VACCEL_ARG_STRING, 0, false},
		// A NUL inside but not as the last byte: refused, as upstream.
		{inner, sizeof inner, VACCEL_ARG_STRING, 0, false},
		{both, sizeof both, VACCEL_ARG_STRING, 0, false},
	};
	vaccel_arg_array a{};
	ASSERT_EQ(vaccel_arg_array_wrap(&a, args, 5), VACCEL_OK);
	char *got = nullptr;
	for (size_t i = 0; i < 4; ++i) {
		vaccel_arg_array_set_position(&a, i);
		EXPECT_EQ(vaccel_arg_array_get_string(&a, &got), VACCEL_EINVAL)
			<< i;
		EXPECT_EQ(got, nullptr);
		EXPECT_EQ(vaccel_arg_array_position(&a), i);
	}
	vaccel_arg_array_set_position(&a, 4);
	ASSERT_EQ(vaccel_arg_array_get_string(&a, &got), VACCEL_OK);
	EXPECT_STREQ(got, "ab");
	EXPECT_EQ(vaccel_arg_array_release(&a), VACCEL_OK);

	// A string slot that is empty cannot be written.
	vaccel_arg_array_set_position(&a, 0);
	vaccel_arg_array w{};
	ASSERT_EQ(vaccel_arg_array_wrap(&w, &args[2], 1), VACCEL_OK);
	char x[] = "";
	EXPECT_EQ(vaccel_arg_array_set_string(&w, x), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&w), 0u);
}

TEST(ArgString, BadInputAndMismatch)
{
	Array arr;
	EXPECT_EQ(vaccel_arg_array_add_string(&arr, nullptr), VACCEL_EINVAL);
	char s[] = "x";
	EXPECT_EQ(vaccel_arg_array_add_string(nullptr, s), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 0u);
	uint8_t b[4] = {'a', 'b', 'c', 0};
	ASSERT_EQ(vaccel_arg_array_add_buffer(&arr, b, sizeof b), VACCEL_OK);
	char *got = nullptr;
	EXPECT_EQ(vaccel_arg_array_get_string(&arr, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_get_string(&arr, &got), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_set_string(&arr, s), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_set_string(&arr, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(got, nullptr);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
	EXPECT_EQ(b[0], 'a');
	EXPECT_EQ(vaccel_arg_array_get_string(nullptr, &got), VACCEL_EINVAL);
}

TEST(ArgBuffer, AddGetSet)
{
	uint8_t src[6] = {1, 2, 3, 4, 5, 6};
	uint8_t dst[4] = {9, 9, 9, 9};
	Array arr;
	ASSERT_EQ(vaccel_arg_array_add_buffer(&arr, src, sizeof src), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_buffer(&arr, dst, sizeof dst), VACCEL_OK);
	// Empty buffers are refused, as upstream.
	EXPECT_EQ(vaccel_arg_array_add_buffer(&arr, nullptr, 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_add_buffer(&arr, src, 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 2u);
	EXPECT_EQ(arr->args[0].type, VACCEL_ARG_BUFFER);
	EXPECT_EQ(arr->args[0].size, 6u);
	EXPECT_FALSE(arr->args[0].owned);

	void *buf = nullptr;
	size_t size = 0;
	ASSERT_EQ(vaccel_arg_array_get_buffer(&arr, &buf, &size), VACCEL_OK);
	EXPECT_EQ(buf, src);
	EXPECT_EQ(size, 6u);

	// Six bytes do not fit the four of dst: EINVAL, as upstream.
	EXPECT_EQ(vaccel_arg_array_set_buffer(&arr, src, sizeof src),
		  VACCEL_EINVAL);
	EXPECT_EQ(dst[0], 9);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	// Nothing to write is refused too.
	EXPECT_EQ(vaccel_arg_array_set_buffer(&arr, src, 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_set_buffer(&arr, nullptr, 3), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	ASSERT_EQ(vaccel_arg_array_set_buffer(&arr, src, 3), VACCEL_OK);
	uint8_t want[4] = {1, 2, 3, 9};
	EXPECT_EQ(memcmp(dst, want, 4), 0);
	EXPECT_EQ(vaccel_arg_array_get_buffer(&arr, &buf, &size), VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_set_buffer(&arr, src, 1), VACCEL_ERANGE);

	// buf and size are both required.
	vaccel_arg_array_reset_position(&arr);
	EXPECT_EQ(vaccel_arg_array_get_buffer(&arr, nullptr, &size),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_get_buffer(&arr, &buf, nullptr),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
	EXPECT_EQ(vaccel_arg_array_add_buffer(&arr, nullptr, 3), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_add_buffer(nullptr, src, 3), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 2u);

	// An empty buffer arg made by hand is refused by get.
	vaccel_arg empty{nullptr, 0, VACCEL_ARG_BUFFER, 0, false};
	vaccel_arg_array w{};
	ASSERT_EQ(vaccel_arg_array_wrap(&w, &empty, 1), VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_get_buffer(&w, &buf, &size), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&w), 0u);
}

TEST(ArgBuffer, TypeMismatch)
{
	int32_t v = 4;
	Array arr;
	ASSERT_EQ(vaccel_arg_array_add_int32(&arr, &v), VACCEL_OK);
	void *buf = nullptr;
	size_t size = 0;
	EXPECT_EQ(vaccel_arg_array_get_buffer(&arr, &buf, &size), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_set_buffer(&arr, &v, sizeof v),
		  VACCEL_EINVAL);
	EXPECT_EQ(buf, nullptr);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
}

TEST(ArgRaw, GetAndSetTakeRawArgsOnly)
{
	uint8_t raw[3] = {7, 8, 9};
	int32_t i32 = 100;
	uint8_t out[3] = {0, 0, 0};
	Array arr;
	ASSERT_EQ(vaccel_arg_array_add_raw(&arr, raw, sizeof raw), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_int32(&arr, &i32), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_raw(&arr, out, sizeof out), VACCEL_OK);
	// No buffer and no size: an empty RAW arg; one without the other is
	// refused, as upstream.
	ASSERT_EQ(vaccel_arg_array_add_raw(&arr, nullptr, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_add_raw(&arr, raw, 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_add_raw(&arr, nullptr, 2), VACCEL_EINVAL);
	ASSERT_EQ(vaccel_arg_array_count(&arr), 4u);
	EXPECT_EQ(arr->args[0].type, VACCEL_ARG_RAW);
	EXPECT_EQ(arr->args[0].size, 3u);
	EXPECT_EQ(arr->args[0].buf, raw);
	EXPECT_FALSE(arr->args[0].owned);

	void *buf = nullptr;
	size_t size = 0;
	ASSERT_EQ(vaccel_arg_array_get_raw(&arr, &buf, &size), VACCEL_OK);
	EXPECT_EQ(buf, raw);
	EXPECT_EQ(size, 3u);
	// Not a RAW arg: get_raw and set_raw refuse it, as upstream.
	buf = nullptr;
	EXPECT_EQ(vaccel_arg_array_get_raw(&arr, &buf, &size), VACCEL_EINVAL);
	int32_t nv = -5;
	EXPECT_EQ(vaccel_arg_array_set_raw(&arr, &nv, sizeof nv),
		  VACCEL_EINVAL);
	EXPECT_EQ(buf, nullptr);
	EXPECT_EQ(i32, 100);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	vaccel_arg_array_set_position(&arr, 2);

	// More than the arg holds: EINVAL, as upstream, nothing written.
	uint8_t four[4] = {1, 2, 3, 4};
	EXPECT_EQ(vaccel_arg_array_set_raw(&arr, four, sizeof four),
		  VACCEL_EINVAL);
	EXPECT_EQ(out[0], 0);
	// Nothing to write is only right for an empty arg.
	EXPECT_EQ(vaccel_arg_array_set_raw(&arr, nullptr, 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_set_raw(&arr, nullptr, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_set_raw(&arr, four, 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 2u);
	ASSERT_EQ(vaccel_arg_array_set_raw(&arr, four, 2), VACCEL_OK);
	EXPECT_EQ(out[0], 1);
	EXPECT_EQ(out[1], 2);
	EXPECT_EQ(out[2], 0);
	// The empty RAW arg takes nothing.
	EXPECT_EQ(vaccel_arg_array_set_raw(&arr, four, 1), VACCEL_EINVAL);
	ASSERT_EQ(vaccel_arg_array_set_raw(&arr, nullptr, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 4u);
	EXPECT_EQ(vaccel_arg_array_get_raw(&arr, &buf, &size), VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_set_raw(&arr, four, 1), VACCEL_ERANGE);
	vaccel_arg_array_set_position(&arr, 3);
	ASSERT_EQ(vaccel_arg_array_get_raw(&arr, &buf, &size), VACCEL_OK);
	EXPECT_EQ(buf, nullptr);
	EXPECT_EQ(size, 0u);

	// buf and size are both required.
	vaccel_arg_array_reset_position(&arr);
	EXPECT_EQ(vaccel_arg_array_get_raw(&arr, nullptr, &size), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_get_raw(&arr, &buf, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
	EXPECT_EQ(vaccel_arg_array_add_raw(nullptr, raw, 2), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_get_raw(nullptr, &buf, &size), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_set_raw(nullptr, raw, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 4u);
}

/* ---- custom and serialized ----------------------------------------------- */

namespace {

struct Point {
	int32_t x, y;
};
constexpr uint32_t kPointId = 7;

int validator_calls = 0;

bool point_ok(const void *buf, size_t size, uint32_t id)
{
	++validator_calls;
	if (id != kPointId || size != sizeof(Point) || !buf)
		return false;
	return static_cast<const Point *>(buf)->x >= 0;
}

bool reject_all(const void *, size_t, uint32_t)
{
	++validator_calls;
	return false;
}

bool accept_all(const void *, size_t, uint32_t)
{
	++validator_calls;
	return true;
}

// Copies the bytes back when the sizes match; records the id it was given.
uint32_t last_deser_id = 0;
int copy_deser(const void *buf, size_t size, uint32_t id, size_t data_size,
	       void *data)
{
	last_deser_id = id;
	if (size != data_size || !buf)
		return VACCEL_EINVAL;
	memcpy(data, buf, size);
	return VACCEL_OK;
}

// Three bytes, whatever the data: never a whole number of int32s.
int odd_ser(const void *, size_t, uint32_t, void **buf, size_t *size)
{
	*buf = calloc(1, 3);
	if (!*buf)
		return VACCEL_ENOMEM;
	*size = 3;
	return VACCEL_OK;
}

// Point <-> "x,y" text (NUL included).
int point_serialize(const void *data, size_t data_size, uint32_t,
		    void **buf, size_t *size)
{
	if (data_size != sizeof(Point))
		return VACCEL_EINVAL;
	auto *p = static_cast<const Point *>(data);
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%d,%d", p->x, p->y);
	*buf = malloc((size_t)n + 1);
	if (!*buf)
		return VACCEL_ENOMEM;
	memcpy(*buf, tmp, (size_t)n + 1);
	*size = (size_t)n + 1;
	return VACCEL_OK;
}

int point_deserialize(const void *buf, size_t size, uint32_t,
		      size_t data_size, void *data)
{
	if (data_size != sizeof(Point) || !size ||
	    static_cast<const char *>(buf)[size - 1] != '\0')
		return VACCEL_EINVAL;
	Point p{};
	if (sscanf(static_cast<const char *>(buf), "%d,%d", &p.x, &p.y) != 2)
		return VACCEL_EBACKEND;
	memcpy(data, &p, sizeof p);
	return VACCEL_OK;
}

int failing_serialize(const void *, size_t, uint32_t, void **, size_t *)
{
	return VACCEL_EBACKEND;
}

int failing_deserialize(const void *, size_t, uint32_t, size_t, void *)
{
	return VACCEL_EBACKEND;
}

} // namespace

TEST(ArgCustom, ValidatorAcceptsAndRejects)
{
	Point good{3, 4}, bad{-1, 0};
	Array arr;
	validator_calls = 0;
	ASSERT_EQ(vaccel_arg_array_add_custom(&arr, kPointId, &good, sizeof good,
					      point_ok),
		  VACCEL_OK);
	EXPECT_EQ(validator_calls, 1);
	EXPECT_EQ(vaccel_arg_array_add_custom(&arr, kPointId, &bad, sizeof bad,
					      point_ok),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_add_custom(&arr, kPointId + 1, &good,
					      sizeof good, point_ok),
		  VACCEL_EINVAL);
	EXPECT_EQ(validator_calls, 3);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 1u);
	// A validator is required, as upstream.
	EXPECT_EQ(vaccel_arg_array_add_custom(&arr, 99, &bad, sizeof bad,
					      nullptr),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 1u);
	ASSERT_EQ(vaccel_arg_array_add_custom(&arr, 99, &bad, sizeof bad,
					      accept_all),
		  VACCEL_OK);
	EXPECT_EQ(arr->args[0].type, VACCEL_ARG_CUSTOM);
	EXPECT_EQ(arr->args[0].custom_type_id, kPointId);
	EXPECT_EQ(arr->args[0].buf, &good);
	EXPECT_EQ(arr->args[0].size, sizeof(Point));
	EXPECT_FALSE(arr->args[0].owned);
	EXPECT_EQ(arr->args[1].custom_type_id, 99u);

	void *buf = nullptr;
	size_t size = 0;
	// Wrong id, no validator, or a validator that says no: refused,
	// position kept.
	EXPECT_EQ(vaccel_arg_array_get_custom(&arr, kPointId + 1, &buf, &size,
					      point_ok),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_get_custom(&arr, kPointId, &buf, &size,
					      nullptr),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_get_custom(&arr, kPointId, &buf, &size,
					      reject_all),
		  VACCEL_EINVAL);
	EXPECT_EQ(buf, nullptr);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
	ASSERT_EQ(vaccel_arg_array_get_custom(&arr, kPointId, &buf, &size,
					      point_ok),
		  VACCEL_OK);
	EXPECT_EQ(buf, &good);
	EXPECT_EQ(size, sizeof(Point));
	// The second holds a bad point: only a validator that takes it reads.
	EXPECT_EQ(vaccel_arg_array_get_custom(&arr, 99, &buf, &size, point_ok),
		  VACCEL_EINVAL);
	ASSERT_EQ(vaccel_arg_array_get_custom(&arr, 99, &buf, nullptr,
					      accept_all),
		  VACCEL_OK);
	EXPECT_EQ(buf, &bad);
	EXPECT_EQ(vaccel_arg_array_get_custom(&arr, 99, &buf, &size,
					      accept_all),
		  VACCEL_ERANGE);

	EXPECT_EQ(vaccel_arg_array_add_custom(&arr, 1, nullptr, 4, point_ok),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_add_custom(nullptr, 1, &good, sizeof good,
					      accept_all),
		  VACCEL_EINVAL);
	vaccel_arg_array_reset_position(&arr);
	EXPECT_EQ(vaccel_arg_array_get_custom(&arr, kPointId, nullptr, &size,
					      point_ok),
		  VACCEL_EINVAL);
}

TEST(ArgCustom, SetCopiesIntoTheSlot)
{
	Point slot{0, 0};
	int32_t not_custom = 0;
	Array arr;
	ASSERT_EQ(vaccel_arg_array_add_custom(&arr, kPointId, &slot, sizeof slot,
					      accept_all),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_int32(&arr, &not_custom), VACCEL_OK);
	Point p{5, 6}, neg{-3, 1};
	EXPECT_EQ(vaccel_arg_array_set_custom(&arr, kPointId + 1, &p, sizeof p,
					      accept_all),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_set_custom(&arr, kPointId, &neg, sizeof neg,
					      point_ok),
		  VACCEL_EINVAL);
	// A validator is required, as upstream.
	EXPECT_EQ(vaccel_arg_array_set_custom(&arr, kPointId, &p, sizeof p,
					      nullptr),
		  VACCEL_EINVAL);
	// The size must be the slot's, larger or smaller: EINVAL, as upstream.
	struct Big {
		Point a, b;
	} big{};
	EXPECT_EQ(vaccel_arg_array_set_custom(&arr, kPointId, &big, sizeof big,
					      accept_all),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_set_custom(&arr, kPointId, &p, sizeof p - 1,
					      accept_all),
		  VACCEL_EINVAL);
	EXPECT_EQ(slot.x, 0);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
	ASSERT_EQ(vaccel_arg_array_set_custom(&arr, kPointId, &p, sizeof p,
					      point_ok),
		  VACCEL_OK);
	EXPECT_EQ(slot.x, 5);
	EXPECT_EQ(slot.y, 6);
	// The next arg is not CUSTOM.
	EXPECT_EQ(vaccel_arg_array_set_custom(&arr, 0, &p, sizeof p,
					      accept_all),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	vaccel_arg_array_set_position(&arr, 2);
	EXPECT_EQ(vaccel_arg_array_set_custom(&arr, kPointId, &p, sizeof p,
					      accept_all),
		  VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_set_custom(nullptr, kPointId, &p, sizeof p,
					      accept_all),
		  VACCEL_EINVAL);
}

TEST(ArgSerialized, WithSerializerAndDeserializer)
{
	Point p{12, -34};
	Array arr;
	ASSERT_EQ(vaccel_arg_array_add_serialized(&arr, VACCEL_ARG_CUSTOM,
						  kPointId, &p, sizeof p,
						  point_serialize),
		  VACCEL_OK);
	const vaccel_arg &g = arr->args[0];
	EXPECT_EQ(g.type, VACCEL_ARG_CUSTOM);
	EXPECT_EQ(g.custom_type_id, kPointId);
	EXPECT_TRUE(g.owned);
	ASSERT_EQ(g.size, 7u);
	EXPECT_STREQ(static_cast<char *>(g.buf), "12,-34");

	Point out{0, 0};
	EXPECT_EQ(vaccel_arg_array_get_serialized(&arr, VACCEL_ARG_CUSTOM,
						  kPointId + 1, &out,
						  sizeof out,
						  point_deserialize),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_get_serialized(&arr, VACCEL_ARG_BUFFER,
						  kPointId, &out, sizeof out,
						  point_deserialize),
		  VACCEL_EINVAL);
	// The deserializer's own error is returned and nothing moves.
	EXPECT_EQ(vaccel_arg_array_get_serialized(&arr, VACCEL_ARG_CUSTOM,
						  kPointId, &out, sizeof out,
						  failing_deserialize),
		  VACCEL_EBACKEND);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
	EXPECT_EQ(out.x, 0);
	ASSERT_EQ(vaccel_arg_array_get_serialized(&arr, VACCEL_ARG_CUSTOM,
						  kPointId, &out, sizeof out,
						  point_deserialize),
		  VACCEL_OK);
	EXPECT_EQ(out.x, 12);
	EXPECT_EQ(out.y, -34);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	EXPECT_EQ(vaccel_arg_array_get_serialized(&arr, VACCEL_ARG_CUSTOM,
						  kPointId, &out, sizeof out,
						  point_deserialize),
		  VACCEL_ERANGE);

	// A failing serializer adds nothing.
	EXPECT_EQ(vaccel_arg_array_add_serialized(&arr, VACCEL_ARG_CUSTOM,
						  kPointId, &p, sizeof p,
						  failing_serialize),
		  VACCEL_EBACKEND);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 1u);
}

TEST(ArgSerialized, SerializersAreRequiredAndBuiltinBytesChecked)
{
	Point p{1, 2};
	Array arr;
	// No serializer or deserializer: VACCEL_EINVAL, as upstream.
	EXPECT_EQ(vaccel_arg_array_add_serialized(&arr, VACCEL_ARG_INT32_ARRAY,
						  0, &p, sizeof p, nullptr),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 0u);
	ASSERT_EQ(vaccel_arg_array_add_serialized(&arr, VACCEL_ARG_INT32_ARRAY,
						  0, &p, sizeof p, copy_ser),
		  VACCEL_OK);
	const vaccel_arg &g = arr->args[0];
	EXPECT_NE(g.buf, &p);
	EXPECT_TRUE(g.owned);
	EXPECT_EQ(g.size, sizeof p);
	EXPECT_EQ(g.type, VACCEL_ARG_INT32_ARRAY);
	p.x = 100; // the arg holds its own copy
	// Serialized bytes that are not a valid INT32_ARRAY, or no type at
	// all: refused (and the bytes freed).
	EXPECT_EQ(vaccel_arg_array_add_serialized(&arr, VACCEL_ARG_INT32_ARRAY,
						  0, &p, sizeof p, odd_ser),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_add_serialized(&arr, VACCEL_ARG_MAX, 0, &p,
						  sizeof p, copy_ser),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 1u);

	Point out{};
	EXPECT_EQ(vaccel_arg_array_get_serialized(&arr, VACCEL_ARG_INT32_ARRAY,
						  0, &out, sizeof out, nullptr),
		  VACCEL_EINVAL);
	// The deserializer's refusal (a size mismatch) is returned.
	EXPECT_EQ(vaccel_arg_array_get_serialized(&arr, VACCEL_ARG_INT32_ARRAY,
						  0, &out, sizeof out - 1,
						  copy_deser),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
	// For non-CUSTOM types the custom id is not compared, and the
	// deserializer is given 0.
	last_deser_id = 99;
	ASSERT_EQ(vaccel_arg_array_get_serialized(&arr, VACCEL_ARG_INT32_ARRAY,
						  555, &out, sizeof out,
						  copy_deser),
		  VACCEL_OK);
	EXPECT_EQ(last_deser_id, 0u);
	EXPECT_EQ(out.x, 1);
	EXPECT_EQ(out.y, 2);
	// It is an ordinary INT32_ARRAY too.
	vaccel_arg_array_reset_position(&arr);
	int32_t *vals = nullptr;
	size_t n = 0;
	ASSERT_EQ(vaccel_arg_array_get_int32_array(&arr, &vals, &n), VACCEL_OK);
	EXPECT_EQ(n, 2u);
	EXPECT_EQ(vals[0], 1);
	EXPECT_EQ(vals[1], 2);

	// A built-in arg whose bytes are not valid for its type is refused
	// before the deserializer sees it.
	uint8_t three[3] = {};
	vaccel_arg bad{three, sizeof three, VACCEL_ARG_INT32_ARRAY, 0, false};
	vaccel_arg_array w{};
	ASSERT_EQ(vaccel_arg_array_wrap(&w, &bad, 1), VACCEL_OK);
	last_deser_id = 99;
	EXPECT_EQ(vaccel_arg_array_get_serialized(&w, VACCEL_ARG_INT32_ARRAY, 0,
						  three, sizeof three,
						  copy_deser),
		  VACCEL_EINVAL);
	EXPECT_EQ(last_deser_id, 99u);
	EXPECT_EQ(vaccel_arg_array_set_serialized(&w, VACCEL_ARG_INT32_ARRAY, 0,
						  three, sizeof three, copy_ser),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&w), 0u);

	EXPECT_EQ(vaccel_arg_array_add_serialized(nullptr, VACCEL_ARG_RAW, 0, &p,
						  sizeof p, copy_ser),
		  VACCEL_EINVAL);
	// The serializer decides about its data.
	EXPECT_EQ(vaccel_arg_array_add_serialized(&arr, VACCEL_ARG_RAW, 0,
						  nullptr, 4, copy_ser),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 1u);
	vaccel_arg_array_reset_position(&arr);
	EXPECT_EQ(vaccel_arg_array_get_serialized(&arr, VACCEL_ARG_INT32_ARRAY,
						  0, nullptr, sizeof out,
						  copy_deser),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_get_serialized(nullptr, VACCEL_ARG_INT32_ARRAY,
						  0, &out, sizeof out,
						  copy_deser),
		  VACCEL_EINVAL);
}

TEST(ArgSerialized, SetSerializesIntoTheSlot)
{
	// "-7,8" with its NUL: five bytes, the size the slot must have.
	char text[5];
	memset(text, '#', sizeof text);
	char tiny[4] = {'#', '#', '#', '#'};
	Point raw_slot{0, 0};
	Array arr;
	ASSERT_EQ(vaccel_arg_array_add_custom(&arr, kPointId, text, sizeof text,
					      accept_all),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_custom(&arr, kPointId, tiny, sizeof tiny,
					      accept_all),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_buffer(&arr, &raw_slot, sizeof raw_slot),
		  VACCEL_OK);

	Point p{-7, 8};
	EXPECT_EQ(vaccel_arg_array_set_serialized(&arr, VACCEL_ARG_CUSTOM, 1, &p,
						  sizeof p, point_serialize),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_set_serialized(&arr, VACCEL_ARG_CUSTOM,
						  kPointId, &p, sizeof p,
						  failing_serialize),
		  VACCEL_EBACKEND);
	EXPECT_EQ(vaccel_arg_array_set_serialized(&arr, VACCEL_ARG_CUSTOM,
						  kPointId, &p, sizeof p,
						  nullptr),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
	ASSERT_EQ(vaccel_arg_array_set_serialized(&arr, VACCEL_ARG_CUSTOM,
						  kPointId, &p, sizeof p,
						  point_serialize),
		  VACCEL_OK);
	EXPECT_STREQ(text, "-7,8");
	// Five bytes for the four of tiny: EINVAL, as upstream (and the
	// serialized bytes are not leaked).
	EXPECT_EQ(vaccel_arg_array_set_serialized(&arr, VACCEL_ARG_CUSTOM,
						  kPointId, &p, sizeof p,
						  point_serialize),
		  VACCEL_EINVAL);
	EXPECT_EQ(tiny[0], '#');
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	vaccel_arg_array_set_position(&arr, 2);
	ASSERT_EQ(vaccel_arg_array_set_serialized(&arr, VACCEL_ARG_BUFFER, 0, &p,
						  sizeof p, copy_ser),
		  VACCEL_OK);
	EXPECT_EQ(raw_slot.x, -7);
	EXPECT_EQ(raw_slot.y, 8);
	EXPECT_EQ(vaccel_arg_array_set_serialized(&arr, VACCEL_ARG_BUFFER, 0, &p,
						  sizeof p, copy_ser),
		  VACCEL_ERANGE);
	vaccel_arg_array_reset_position(&arr);
	EXPECT_EQ(vaccel_arg_array_set_serialized(&arr, VACCEL_ARG_CUSTOM,
						  kPointId, nullptr, sizeof p,
						  point_serialize),
		  VACCEL_EINVAL);
}

/* ---- copying between arrays ---------------------------------------------- */

namespace {

// src: INT32 (borrowed), STRING (borrowed), RAW of 0 bytes, INT64 (owned)
struct Source {
	int32_t i = 11;
	char s[6] = "abcde";
	int64_t l = -9;
	vaccel_arg_array a{};
	Source()
	{
		EXPECT_EQ(vaccel_arg_array_init(&a, 1), VACCEL_OK);
		EXPECT_EQ(vaccel_arg_array_add_int32(&a, &i), VACCEL_OK);
		EXPECT_EQ(vaccel_arg_array_add_string(&a, s), VACCEL_OK);
		EXPECT_EQ(vaccel_arg_array_add_raw(&a, nullptr, 0), VACCEL_OK);
		EXPECT_EQ(vaccel_arg_array_add_serialized(&a, VACCEL_ARG_INT64,
							  0, &l, sizeof l,
							  copy_ser),
			  VACCEL_OK);
	}
	~Source()
	{
		EXPECT_EQ(vaccel_arg_array_release(&a), VACCEL_OK);
	}
};

} // namespace

TEST(ArgCopy, AddRangeBorrowing)
{
	Source src;
	Array dst;
	ASSERT_EQ(vaccel_arg_array_add_range(&dst, &src.a, 1, 2, false),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_count(&dst), 2u);
	EXPECT_EQ(dst->args[0].buf, src.s);
	EXPECT_EQ(dst->args[0].type, VACCEL_ARG_STRING);
	EXPECT_EQ(dst->args[0].size, 6u);
	EXPECT_FALSE(dst->args[0].owned);
	EXPECT_EQ(dst->args[1].type, VACCEL_ARG_RAW);
	// Even an owned source arg is only borrowed: no double free.
	ASSERT_EQ(vaccel_arg_array_add_range(&dst, &src.a, 3, 1, false),
		  VACCEL_OK);
	EXPECT_EQ(dst->args[2].buf, src.a.args[3].buf);
	EXPECT_FALSE(dst->args[2].owned);
	EXPECT_TRUE(src.a.args[3].owned);
	// A change in the source is seen.
	src.s[0] = 'Z';
	char *got = nullptr;
	ASSERT_EQ(vaccel_arg_array_get_string(&dst, &got), VACCEL_OK);
	EXPECT_STREQ(got, "Zbcde");
	// Source position is neither used nor moved.
	EXPECT_EQ(vaccel_arg_array_position(&src.a), 0u);
}

TEST(ArgCopy, AddRangeCopyingSurvivesTheSource)
{
	Array dst(1);
	{
		Source src;
		ASSERT_EQ(vaccel_arg_array_add_range(&dst, &src.a, 0, 4, true),
			  VACCEL_OK);
		ASSERT_EQ(vaccel_arg_array_count(&dst), 4u);
		EXPECT_NE(dst->args[0].buf, &src.i);
		EXPECT_TRUE(dst->args[0].owned);
		EXPECT_NE(dst->args[1].buf, src.s);
		EXPECT_TRUE(dst->args[1].owned);
		// Nothing to copy: not owned, same (NULL) buffer.
		EXPECT_EQ(dst->args[2].buf, nullptr);
		EXPECT_FALSE(dst->args[2].owned);
		EXPECT_NE(dst->args[3].buf, src.a.args[3].buf);
		EXPECT_TRUE(dst->args[3].owned);
		for (size_t k = 0; k < 4; ++k) {
			EXPECT_EQ(dst->args[k].type, src.a.args[k].type);
			EXPECT_EQ(dst->args[k].size, src.a.args[k].size);
		}
		// Change, then free, the source.
		src.i = 0;
		strcpy(src.s, "XXXX");
		*static_cast<int64_t *>(src.a.args[3].buf) = 0;
	}
	int32_t i = 0;
	char *s = nullptr;
	void *b = &i;
	size_t bs = 1;
	int64_t l = 0;
	ASSERT_EQ(vaccel_arg_array_get_int32(&dst, &i), VACCEL_OK);
	EXPECT_EQ(i, 11);
	ASSERT_EQ(vaccel_arg_array_get_string(&dst, &s), VACCEL_OK);
	EXPECT_STREQ(s, "abcde");
	ASSERT_EQ(vaccel_arg_array_get_raw(&dst, &b, &bs), VACCEL_OK);
	EXPECT_EQ(b, nullptr);
	EXPECT_EQ(bs, 0u);
	ASSERT_EQ(vaccel_arg_array_get_int64(&dst, &l), VACCEL_OK);
	EXPECT_EQ(l, -9);
}

TEST(ArgCopy, AddRemainingAndAll)
{
	Source src;
	vaccel_arg_array_set_position(&src.a, 2);
	Array rem, all, none, copy;
	ASSERT_EQ(vaccel_arg_array_add_remaining(&rem, &src.a, false), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_count(&rem), 2u);
	EXPECT_EQ(rem->args[0].type, VACCEL_ARG_RAW);
	EXPECT_EQ(rem->args[1].type, VACCEL_ARG_INT64);
	EXPECT_EQ(rem->args[1].buf, src.a.args[3].buf);
	EXPECT_EQ(vaccel_arg_array_position(&src.a), 2u);

	ASSERT_EQ(vaccel_arg_array_add_remaining(&copy, &src.a, true),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_count(&copy), 2u);
	EXPECT_NE(copy->args[1].buf, src.a.args[3].buf);
	EXPECT_TRUE(copy->args[1].owned);

	// add_all ignores the position.
	ASSERT_EQ(vaccel_arg_array_add_all(&all, &src.a, false), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_count(&all), 4u);
	EXPECT_EQ(all->args[0].buf, &src.i);
	EXPECT_EQ(all->args[3].buf, src.a.args[3].buf);
	ASSERT_EQ(vaccel_arg_array_add_all(&all, &src.a, true), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_count(&all), 8u);
	EXPECT_NE(all->args[4].buf, &src.i);
	EXPECT_EQ(*static_cast<int32_t *>(all->args[4].buf), 11);

	// At the end: nothing to add.
	vaccel_arg_array_set_position(&src.a, 4);
	ASSERT_EQ(vaccel_arg_array_add_remaining(&none, &src.a, true),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_count(&none), 0u);
}

TEST(ArgCopy, AppendToItself)
{
	Source src;
	ASSERT_EQ(vaccel_arg_array_add_all(&src.a, &src.a, true), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_count(&src.a), 8u);
	int32_t i = 0;
	vaccel_arg_array_set_position(&src.a, 4);
	ASSERT_EQ(vaccel_arg_array_get_int32(&src.a, &i), VACCEL_OK);
	EXPECT_EQ(i, 11);
	EXPECT_NE(src.a.args[4].buf, &src.i);
	char *s = nullptr;
	ASSERT_EQ(vaccel_arg_array_get_string(&src.a, &s), VACCEL_OK);
	EXPECT_STREQ(s, "abcde");
	EXPECT_NE(s, src.s);
}

TEST(ArgCopy, BadRangesAndFullDestinations)
{
	Source src;
	Array dst;
	// Out of the source's range: VACCEL_ERANGE, as upstream.
	EXPECT_EQ(vaccel_arg_array_add_range(&dst, &src.a, 5, 0, false),
		  VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_add_range(&dst, &src.a, 3, 2, false),
		  VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_add_range(&dst, &src.a, 0, SIZE_MAX, false),
		  VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_add_range(&dst, &src.a, SIZE_MAX, 2, false),
		  VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_add_range(nullptr, &src.a, 0, 1, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_add_range(&dst, nullptr, 0, 1, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_add_remaining(&dst, nullptr, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_add_remaining(nullptr, &src.a, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_add_all(&dst, nullptr, false), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_add_all(nullptr, &src.a, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_count(&dst), 0u);
	// An empty range is fine inside the source, not at its end (the
	// start must be an arg), as upstream.
	EXPECT_EQ(vaccel_arg_array_add_range(&dst, &src.a, 1, 0, true),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_add_range(&dst, &src.a, 4, 0, true),
		  VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_count(&dst), 0u);
	// add_all and add_remaining of nothing are fine.
	Array empty;
	EXPECT_EQ(vaccel_arg_array_add_all(&dst, &empty, true), VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_add_remaining(&dst, &empty, true),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_count(&dst), 0u);

	// A wrapped destination cannot take more.
	vaccel_arg one{};
	vaccel_arg_array wrapped{};
	ASSERT_EQ(vaccel_arg_array_wrap(&wrapped, &one, 1), VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_add_range(&wrapped, &src.a, 0, 1, true),
		  VACCEL_ERANGE);
	EXPECT_EQ(vaccel_arg_array_add_all(&wrapped, &src.a, false),
		  VACCEL_ERANGE);
	EXPECT_EQ(wrapped.count, 1u);
	EXPECT_EQ(one.buf, nullptr);
	EXPECT_EQ(vaccel_arg_array_release(&wrapped), VACCEL_OK);
}

/* ---- position ------------------------------------------------------------ */

TEST(ArgPosition, GetRemainingAndPositionFunctions)
{
	int32_t v[3] = {1, 2, 3};
	Array arr;
	for (auto &x : v)
		ASSERT_EQ(vaccel_arg_array_add_int32(&arr, &x), VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 3u);
	EXPECT_EQ(vaccel_arg_array_remaining_count(&arr), 3u);
	EXPECT_EQ(vaccel_arg_array_raw(&arr), arr->args);

	vaccel_arg_array_set_position(&arr, 1);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	EXPECT_EQ(vaccel_arg_array_remaining_count(&arr), 2u);
	vaccel_arg *rest = nullptr;
	size_t n = 0;
	ASSERT_EQ(vaccel_arg_array_get_remaining(&arr, &rest, &n), VACCEL_OK);
	EXPECT_EQ(rest, &arr->args[1]);
	EXPECT_EQ(n, 2u);
	EXPECT_EQ(rest[0].buf, &v[1]);
	EXPECT_EQ(rest[1].buf, &v[2]);
	// The position does not move, as upstream.
	EXPECT_EQ(vaccel_arg_array_position(&arr), 1u);
	EXPECT_EQ(vaccel_arg_array_remaining_count(&arr), 2u);
	int32_t next = 0;
	ASSERT_EQ(vaccel_arg_array_get_int32(&arr, &next), VACCEL_OK);
	EXPECT_EQ(next, 2);
	// Nothing left.
	vaccel_arg_array_set_position(&arr, 3);
	rest = arr->args;
	n = 7;
	ASSERT_EQ(vaccel_arg_array_get_remaining(&arr, &rest, &n), VACCEL_OK);
	EXPECT_EQ(rest, nullptr);
	EXPECT_EQ(n, 0u);

	// set_position clamps to the count.
	vaccel_arg_array_set_position(&arr, 100);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 3u);
	vaccel_arg_array_set_position(&arr, 3);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 3u);
	vaccel_arg_array_reset_position(&arr);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 0u);
	int32_t out = 0;
	ASSERT_EQ(vaccel_arg_array_get_int32(&arr, &out), VACCEL_OK);
	EXPECT_EQ(out, 1);

	// A position written past the end directly is handled too.
	arr->position = 10;
	EXPECT_EQ(vaccel_arg_array_remaining_count(&arr), 0u);
	ASSERT_EQ(vaccel_arg_array_get_remaining(&arr, &rest, &n), VACCEL_OK);
	EXPECT_EQ(n, 0u);
	EXPECT_EQ(rest, nullptr);
	EXPECT_EQ(vaccel_arg_array_position(&arr), 10u);
	vaccel_arg_array_reset_position(&arr);

	EXPECT_EQ(vaccel_arg_array_get_remaining(nullptr, &rest, &n),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_get_remaining(&arr, nullptr, &n),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_get_remaining(&arr, &rest, nullptr),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_position(nullptr), 0u);
	EXPECT_EQ(vaccel_arg_array_count(nullptr), 0u);
	EXPECT_EQ(vaccel_arg_array_remaining_count(nullptr), 0u);
	EXPECT_EQ(vaccel_arg_array_raw(nullptr), nullptr);
	vaccel_arg_array_set_position(nullptr, 1); // no crash
	vaccel_arg_array_reset_position(nullptr);
}

TEST(ArgPosition, MixedSequenceWalksInOrder)
{
	int8_t a = -1;
	uint16_t b[2] = {1, 65535};
	char s[] = "x";
	float f = 0.5f;
	Array arr;
	ASSERT_EQ(vaccel_arg_array_add_int8(&arr, &a), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_uint16_array(&arr, b, 2), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_string(&arr, s), VACCEL_OK);
	ASSERT_EQ(vaccel_arg_array_add_float(&arr, &f), VACCEL_OK);

	// Reading out of order fails without consuming anything.
	float fo = 0;
	EXPECT_EQ(vaccel_arg_array_get_float(&arr, &fo), VACCEL_EINVAL);
	int8_t ao = 0;
	ASSERT_EQ(vaccel_arg_array_get_int8(&arr, &ao), VACCEL_OK);
	EXPECT_EQ(ao, -1);
	uint16_t *bo = nullptr;
	size_t n = 0;
	EXPECT_EQ(vaccel_arg_array_get_int16_array(
			  &arr, reinterpret_cast<int16_t **>(&bo), &n),
		  VACCEL_EINVAL);
	ASSERT_EQ(vaccel_arg_array_get_uint16_array(&arr, &bo, &n), VACCEL_OK);
	EXPECT_EQ(n, 2u);
	EXPECT_EQ(bo[1], 65535);
	char *so = nullptr;
	ASSERT_EQ(vaccel_arg_array_get_string(&arr, &so), VACCEL_OK);
	EXPECT_STREQ(so, "x");
	double d = 0;
	EXPECT_EQ(vaccel_arg_array_get_double(&arr, &d), VACCEL_EINVAL);
	ASSERT_EQ(vaccel_arg_array_get_float(&arr, &fo), VACCEL_OK);
	EXPECT_EQ(fo, 0.5f);
	EXPECT_EQ(vaccel_arg_array_remaining_count(&arr), 0u);
}

TEST(ArgBool, AddTakesOnlyZeroOrOne)
{
	// Bytes other than 0 and 1 are no bool: refused by the adds, as
	// upstream. (Written as bytes: such a bool cannot be made in C++.)
	unsigned char bytes[3] = {1, 0, 2};
	bool *as_bool = reinterpret_cast<bool *>(bytes);
	Array arr;
	ASSERT_EQ(vaccel_arg_array_add_bool(&arr, &as_bool[0]), VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_add_bool(&arr, &as_bool[2]), VACCEL_EINVAL);
	ASSERT_EQ(vaccel_arg_array_add_bool_array(&arr, as_bool, 2), VACCEL_OK);
	EXPECT_EQ(vaccel_arg_array_add_bool_array(&arr, as_bool, 3),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_arg_array_count(&arr), 2u);
}
